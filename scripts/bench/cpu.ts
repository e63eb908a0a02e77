/**
 * CPU time per distinct question on the ask path (in process, no generator, no ledger), median of
 * three runs over the same questions, split into the question's embedding, the router's sentence
 * embeddings and the rest (retrieval, routing, building the answer). The embedder is called
 * directly, without the service's cache, so every run computes everything.
 */
import type { SobreConfig } from '../../src/config';
import { createDeps } from '../../src/deps';
import type { Embedder, EmbedRole } from '../../src/embed/types';
import { loadDataset } from '../../src/evaluation/dataset';
import { openDatasetKnowledge } from '../../src/evaluation/prepare';
import { cpuMs, fmt, log, median, round, spread, table } from './common';

export interface CpuRun {
  cpuMsPerQuestion: number;
  questionEmbedMs: number;
  sentenceEmbedMs: number;
  /** Questions whose route needed a sentence embedding. */
  sentenceEmbeddings: number;
  restMs: number;
}

export interface CpuResult {
  dataset: string;
  questions: number;
  runs: CpuRun[];
  median: CpuRun;
  routes: Record<string, number>;
}

/** The embedder, with the CPU time of its calls counted by role. */
function metered(inner: Embedder): Embedder & { cpu: Record<EmbedRole, number>; calls: Record<EmbedRole, number>; reset(): void } {
  const cpu = { query: 0, passage: 0 };
  const calls = { query: 0, passage: 0 };
  return {
    id: inner.id,
    dimension: inner.dimension,
    cpu,
    calls,
    reset() {
      cpu.query = cpu.passage = calls.query = calls.passage = 0;
    },
    async embed(texts, role = 'passage') {
      const c0 = cpuMs();
      const out = await inner.embed(texts, role);
      cpu[role] += cpuMs() - c0;
      calls[role] += texts.length;
      return out;
    },
  };
}

export async function cpuBench(base: SobreConfig, embedder: Embedder, datasetDir: string, limit: number): Promise<CpuResult> {
  const dataset = loadDataset(datasetDir);
  const prepared = await openDatasetKnowledge(base, dataset, embedder, log);
  await prepared.knowledge.close();
  const meter = metered(embedder);
  const deps = await createDeps(prepared.config, { embedder: meter, ledger: false, generator: null });
  try {
    const questions = spread(dataset.questions, limit).map((q) => q.question);
    for (const q of questions.slice(0, 10)) await deps.ask.ask(q); // warm-up
    const runs: CpuRun[] = [];
    const routes: Record<string, number> = {};
    for (let r = 0; r < 3; r++) {
      meter.reset();
      const c0 = cpuMs();
      for (const q of questions) {
        const a = await deps.ask.ask(q);
        if (r === 0) routes[a.route] = (routes[a.route] ?? 0) + 1;
      }
      const total = (cpuMs() - c0) / questions.length;
      const qe = meter.cpu.query / questions.length;
      const se = meter.cpu.passage / questions.length;
      runs.push({ cpuMsPerQuestion: round(total, 2), questionEmbedMs: round(qe, 2), sentenceEmbedMs: round(se, 2), sentenceEmbeddings: meter.calls.passage, restMs: round(total - qe - se, 2) });
      log(`  ${dataset.name} run ${r + 1}: ${total.toFixed(1)} ms CPU per question`);
    }
    const pick = (k: keyof CpuRun) => median(runs.map((x) => x[k]));
    const med: CpuRun = {
      cpuMsPerQuestion: pick('cpuMsPerQuestion'), questionEmbedMs: pick('questionEmbedMs'), sentenceEmbedMs: pick('sentenceEmbedMs'),
      sentenceEmbeddings: pick('sentenceEmbeddings'), restMs: pick('restMs'),
    };
    return { dataset: dataset.name, questions: questions.length, runs, median: med, routes };
  } finally {
    await deps.close();
  }
}

export function cpuTable(results: readonly CpuResult[]): string {
  return table(['dataset', 'questions', 'CPU ms/q (median of 3)', 'runs', 'question embedding', 'sentence embeddings', 'sentences embedded', 'rest'],
    results.map((r) => [
      r.dataset, String(r.questions), fmt(r.median.cpuMsPerQuestion), r.runs.map((x) => fmt(x.cpuMsPerQuestion)).join(' '),
      fmt(r.median.questionEmbedMs), fmt(r.median.sentenceEmbedMs), String(r.median.sentenceEmbeddings), fmt(r.median.restMs),
    ]));
}
