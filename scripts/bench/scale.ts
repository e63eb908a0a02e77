/**
 * At 100,000 chunks (scale-data.ts): loading the knowledge in a fresh process (time, RSS per
 * chunk, file sizes),
 * HNSW recall@10 against exact search for a sweep of efSearch, and the ask path one question at a
 * time: latency p50/p95 and CPU per question, and per stage (embed, dense search, lexical search,
 * route) for all questions and for those answered directly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { routeContext } from '../../src/answer/ask';
import type { Route } from '../../src/answer/types';
import type { SobreConfig } from '../../src/config';
import { createDeps } from '../../src/deps';
import { isCorrect } from '../../src/evaluation/collect';
import { routeMetrics } from '../../src/evaluation/metrics';
import { questionLanguage } from '../../src/text/language';
import type { Embedder } from '../../src/embed/types';
import { HnswIndex } from '../../src/index/hnsw-index';
import type { SearchTimings } from '../../src/knowledge/types';
import { cpuMs, fmt, log, mean, pct, round, table } from './common';
import { probeLoad } from './load-probe';
import type { ScaleData, ScaleQuestion } from './scale-data';

export const EF_SWEEP = [16, 32, 64, 96, 128, 192, 256, 384, 512];

export interface EfPoint {
  efSearch: number;
  recallAt10: number;
  /** CPU per query, ms (mean). */
  queryMs: number;
}

export interface StageStats {
  n: number;
  totalMs: { p50: number; p95: number };
  cpuMsPerQuestion: number;
  stagesMs: Record<'embed' | 'dense' | 'lexical' | 'route', { p50: number; p95: number }>;
}

export interface ScaleResult {
  chunks: number;
  builtThisRun: boolean;
  buildSeconds: number;
  loadMs: number;
  rssMbBefore: number;
  rssMbAfter: number;
  rssBytesPerChunk: number;
  indexBytes: number;
  databaseBytes: number;
  efSweep: EfPoint[];
  defaultEfSearch: number;
  recallAt10Default: number;
  questions: number;
  ask: { all: StageStats; direct: StageStats | null; routes: Record<string, number> };
  /** The ask path with every term searched, and with common terms left out (the default): speed and answers. */
  commonTerms: {
    share: number;
    minChunks: number;
    everyTerm: CommonTermsRun;
    withoutCommon: CommonTermsRun;
  };
}

export interface CommonTermsRun {
  lexicalMs: { p50: number; p95: number };
  totalMs: { p50: number; p95: number };
  quality: ScaleQuality;
}

function fileBytes(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

/** The exact top 10 by cosine (unit vectors: the dot product), as chunk ids. */
function exactTop10(data: ScaleData, q: Float32Array): number[] {
  const { vectors, dimension: d, chunks } = data;
  const best: { id: number; s: number }[] = [];
  for (let row = 0; row < chunks; row++) {
    let s = 0;
    const o = row * d;
    for (let i = 0; i < d; i++) s += q[i] * vectors[o + i];
    if (best.length < 10 || s > best[best.length - 1].s) {
      best.push({ id: row + 1, s });
      best.sort((a, b) => b.s - a.s);
      if (best.length > 10) best.pop();
    }
  }
  return best.map((b) => b.id);
}

function recallSweep(config: SobreConfig, embedder: Embedder, data: ScaleData, exact: number[][]): EfPoint[] {
  const out: EfPoint[] = [];
  for (const ef of EF_SWEEP) {
    const index = HnswIndex.open(data.dir, embedder.id, embedder.dimension, { m: config.hnswM, efConstruction: config.hnswEfConstruction, efSearch: ef });
    let found = 0;
    const c0 = cpuMs();
    const hits = data.questionVectors.map((v) => index.search(v, 10).map((h) => h.label));
    const queryMs = (cpuMs() - c0) / data.questionVectors.length;
    hits.forEach((h, i) => {
      const truth = new Set(exact[i]);
      found += h.filter((id) => truth.has(id)).length;
    });
    out.push({ efSearch: ef, recallAt10: found / (10 * exact.length), queryMs });
    log(`  efSearch ${ef}: recall@10 ${(found / (10 * exact.length)).toFixed(4)}, ${queryMs.toFixed(3)} ms per query`);
  }
  return out;
}

function stageStats(samples: readonly { total: number; cpu: number; embed: number; dense: number; lexical: number; route: number }[]): StageStats {
  const p = (xs: number[]) => ({ p50: round(pct(xs, 0.5), 2), p95: round(pct(xs, 0.95), 2) });
  return {
    n: samples.length,
    totalMs: p(samples.map((s) => s.total)),
    cpuMsPerQuestion: round(mean(samples.map((s) => s.cpu)), 2),
    stagesMs: { embed: p(samples.map((s) => s.embed)), dense: p(samples.map((s) => s.dense)), lexical: p(samples.map((s) => s.lexical)), route: p(samples.map((s) => s.route)) },
  };
}

interface Sample {
  route: Route;
  total: number;
  cpu: number;
  embed: number;
  dense: number;
  lexical: number;
  routeMs: number;
  /** The top passage's source index (document `bench://<i>`), -1 if none. */
  top: number;
  /** The direct answer's text. */
  answer: string | null;
}

/** How the answers at scale compare with the gold (ScaleQuestion): the router's promise at 100,000 chunks. */
export interface ScaleQuality {
  questions: number;
  /** Answerable questions whose gold passage's chunk ranked first. */
  recallAt1: number;
  direct: number;
  /** Direct answers containing a gold answer, over direct answers to answerable questions. */
  precision: number | null;
  /** Direct answers to answerable questions, over answerable questions. */
  coverage: number;
  routes: Record<string, number>;
}

/** The ask path (as AskService runs it, without known questions, generator or ledger) per stage, one question at a time. */
async function askOneByOne(config: SobreConfig, embedder: Embedder, data: ScaleData): Promise<Sample[]> {
  const deps = await createDeps(config, { embedder, ledger: false, generator: null });
  try {
    const { knowledge, retriever, router } = deps;
    const samples: Sample[] = [];
    for (const q of data.questions.slice(0, 20)) await deps.ask.ask(q); // warm-up: first calls compile
    for (const question of data.questions) {
      const c0 = cpuMs();
      const t = performance.now();
      const [vector] = await embedder.embed([question], 'query');
      const t1 = performance.now();
      const language = questionLanguage(question, await knowledge.languages());
      const timings: SearchTimings = { lexicalMs: 0, denseMs: 0 };
      const scored = await knowledge.candidates({ text: question, vector, language }, config.candidateK, timings);
      const passages = await retriever.rank(scored, router.fusion(language), config.topK);
      const t2 = performance.now();
      const decision = await router.route(question, passages, routeContext(knowledge, embedder, vector, language));
      const t3 = performance.now();
      samples.push({
        route: decision.route, total: t3 - t, cpu: cpuMs() - c0, embed: t1 - t, dense: timings.denseMs, lexical: timings.lexicalMs, routeMs: t3 - t2,
        top: passages[0] ? Number(passages[0].source.slice('bench://'.length)) : -1, answer: decision.route === 'direct' ? decision.answer : null,
      });
    }
    return samples;
  } finally {
    await deps.close();
  }
}

function quality(samples: readonly Sample[], judged: readonly ScaleQuestion[]): ScaleQuality {
  const routes: Record<string, number> = {};
  for (const s of samples) routes[s.route] = (routes[s.route] ?? 0) + 1;
  // Judged: the answerable questions whose gold passage is among the sources.
  const judgedSamples = samples.flatMap((s, i) => (judged[i].answerable && judged[i].gold.length > 0 ? [{ s, q: judged[i] }] : []));
  const m = routeMetrics(judgedSamples.map(({ s, q }) => ({
    route: s.route, answerable: true, correct: s.answer !== null && isCorrect(s.answer, q.answers), latencyMs: s.total,
  })));
  const atOne = judgedSamples.filter(({ s, q }) => q.gold.includes(s.top)).length;
  return {
    questions: samples.length, recallAt1: round(atOne / Math.max(1, judgedSamples.length), 3), direct: routes.direct ?? 0,
    precision: m.precision === null ? null : round(m.precision, 3), coverage: round(m.coverage, 3), routes,
  };
}

export async function scaleBench(config: SobreConfig, embedder: Embedder, data: ScaleData): Promise<ScaleResult> {
  const scoped: SobreConfig = Object.freeze({ ...config, dataDir: data.dir });
  const load = await probeLoad(data.dir, embedder);
  log(`exact top 10 of ${data.questionVectors.length} questions over ${data.chunks} chunks`);
  const exact = data.questionVectors.map((v) => exactTop10(data, v));
  const efSweep = recallSweep(config, embedder, data, exact);

  // The default first: a cold page cache, if any, then slows it rather than the comparison.
  log(`asking ${data.questions.length} questions one at a time, terms in more than ${config.lexicalCommonShare} of the chunks left out (SOBRE_LEXICAL_COMMON_SHARE)`);
  const samples = await askOneByOne(scoped, embedder, data);
  log('asking them again with every term searched');
  const everyTerm = await askOneByOne(Object.freeze({ ...scoped, lexicalCommonShare: 1 }), embedder, data);
  const routes: Record<string, number> = {};
  for (const s of samples) routes[s.route] = (routes[s.route] ?? 0) + 1;
  const shape = (xs: readonly Sample[]) => stageStats(xs.map((s) => ({ ...s, route: s.routeMs })));
  const direct = samples.filter((s) => s.route === 'direct');
  const def = efSweep.find((e) => e.efSearch === config.hnswEfSearch);
  return {
    chunks: data.chunks, builtThisRun: data.built, buildSeconds: round(data.buildSeconds),
    loadMs: round(load.loadMs), rssMbBefore: round(load.rssMbBefore), rssMbAfter: round(load.rssMbAfter),
    rssBytesPerChunk: round(((load.rssMbAfter - load.rssMbBefore) * 2 ** 20) / data.chunks, 0),
    indexBytes: fileBytes(path.join(data.dir, 'vectors.hnsw')), databaseBytes: fileBytes(path.join(data.dir, 'sobre.db')),
    efSweep, defaultEfSearch: config.hnswEfSearch, recallAt10Default: def?.recallAt10 ?? Number.NaN,
    questions: samples.length, ask: { all: shape(samples), direct: direct.length ? shape(direct) : null, routes },
    commonTerms: {
      share: config.lexicalCommonShare, minChunks: config.lexicalCommonMinChunks,
      everyTerm: { lexicalMs: shape(everyTerm).stagesMs.lexical, totalMs: shape(everyTerm).totalMs, quality: quality(everyTerm, data.judged) },
      withoutCommon: { lexicalMs: shape(samples).stagesMs.lexical, totalMs: shape(samples).totalMs, quality: quality(samples, data.judged) },
    },
  };
}

export function scaleTables(r: ScaleResult): string {
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  const head = `${r.chunks} chunks${r.builtThisRun ? ` (built in ${r.buildSeconds} s)` : ' (cached)'}: load ${fmt(r.loadMs, 0)} ms, RSS ${r.rssMbBefore} → ${r.rssMbAfter} MB (${r.rssBytesPerChunk} bytes per chunk), index ${mb(r.indexBytes)}, database ${mb(r.databaseBytes)}`;
  const sweep = table(['efSearch', 'recall@10', 'ms per query'], r.efSweep.map((e) => [String(e.efSearch) + (e.efSearch === r.defaultEfSearch ? ' (default)' : ''), e.recallAt10.toFixed(4), e.queryMs.toFixed(3)]));
  const stageRows = (name: string, s: StageStats | null) => (s ? [[
    `${name} (n=${s.n})`, `${fmt(s.totalMs.p50)} / ${fmt(s.totalMs.p95)}`, fmt(s.cpuMsPerQuestion),
    ...(['embed', 'dense', 'lexical', 'route'] as const).map((k) => `${fmt(s.stagesMs[k].p50)} / ${fmt(s.stagesMs[k].p95)}`),
  ]] : []);
  const ask = table(['questions', 'total p50 / p95 ms', 'CPU ms/q', 'embed', 'dense search', 'lexical search', 'route'],
    [...stageRows('all', r.ask.all), ...stageRows('direct', r.ask.direct)]);
  const c = r.commonTerms;
  const run = (name: string, x: CommonTermsRun) => [
    name, `${fmt(x.lexicalMs.p50)} / ${fmt(x.lexicalMs.p95)}`, `${fmt(x.totalMs.p50)} / ${fmt(x.totalMs.p95)}`, x.quality.recallAt1.toFixed(3),
    Object.entries(x.quality.routes).map(([k, v]) => `${k} ${v}`).join(', '), x.quality.precision === null ? '—' : x.quality.precision.toFixed(3), x.quality.coverage.toFixed(3),
  ];
  const common = table(['lexical query', 'lexical p50 / p95 ms', 'total p50 / p95 ms', 'R@1 (gold passage first)', 'routes', 'direct precision', 'coverage'], [
    run('every term', c.everyTerm), run(`without terms in > ${c.share} of chunks (≥ ${c.minChunks})`, c.withoutCommon),
  ]);
  return `${head}\n\n${sweep}\n\n${ask}\nroutes: ${Object.entries(r.ask.routes).map(([k, v]) => `${k} ${v}`).join(', ')}\n\n${common}`;
}
