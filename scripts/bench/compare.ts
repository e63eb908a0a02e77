/**
 * Sobre against an always-generate RAG on the same corpus and questions: LLM calls, generator
 * tokens, and estimated Wh and gCO2e per 1,000 questions, at several target precisions.
 *
 * Both systems use the same retriever and the same OpenAI-protocol endpoint (the fake LLM, in a
 * process of its own, see scripts/lib/fake-llm.ts). Energy follows the ledger's method
 * (docs/energy-method.md): each call EcoLogits' remote-inference estimate from its completion
 * tokens (modelled latency for both, the fake's being meaningless), the asking process's own
 * CPU time × watts per core.
 */
import type { SobreConfig } from '../../src/config';
import { createDeps } from '../../src/deps';
import type { Embedder } from '../../src/embed/types';
import { loadDataset } from '../../src/evaluation/dataset';
import { openDatasetKnowledge } from '../../src/evaluation/prepare';
import { cpuTimeWh, hostImpact, remoteLlmEstimate } from '../../src/ledger/energy';
import { methodFromConfig, type MethodSnapshot } from '../../src/ledger/method';
import { startFakeLlm, type FakeLlm } from '../lib/fake-llm';
import { cpuMs, fmt, log, spread, table } from './common';
import { alwaysGenerateChain } from './rag-chain';

export const TARGETS = [0.8, 0.9, 0.95] as const;
/** Questions asked before counting, so first-call costs (compiling, connecting) are not in the numbers. */
const WARM_UP = 5;

export interface SystemTotals {
  questions: number;
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  /** Per 1,000 questions: the LLM calls (EcoLogits mid) and the asking process's CPU. */
  llmWhPer1k: number;
  llmGco2ePer1k: number;
  pathWhPer1k: number;
  pathGco2ePer1k: number;
  cpuMsPerQuestion: number;
  routes?: Record<string, number>;
}

export interface CompareRow {
  dataset: string;
  target: number;
  sobre: SystemTotals;
  rag: SystemTotals;
  ratios: { llm_calls: number; generator_tokens: number; wh: number; gco2e: number };
}

export interface CompareResult {
  llmModel: string;
  llmParamsB: string;
  rows: CompareRow[];
  /** Pooled over the datasets, per target precision. */
  pooled: CompareRow[];
}

interface Tally {
  questions: number;
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  llmWh: number;
  llmGco2e: number;
  cpuMs: number;
  routes: Record<string, number>;
}

const emptyTally = (): Tally => ({ questions: 0, llmCalls: 0, promptTokens: 0, completionTokens: 0, llmWh: 0, llmGco2e: 0, cpuMs: 0, routes: {} });

function addCall(t: Tally, m: MethodSnapshot, promptTokens: number, completionTokens: number): void {
  const e = remoteLlmEstimate(m, completionTokens);
  t.llmCalls++;
  t.promptTokens += promptTokens;
  t.completionTokens += completionTokens;
  t.llmWh += e.impact.wh.mid;
  t.llmGco2e += e.impact.gco2e.mid;
}

function totals(t: Tally, m: MethodSnapshot, withRoutes: boolean): SystemTotals {
  const k = 1000 / Math.max(1, t.questions);
  const pathWh = cpuTimeWh(t.cpuMs, m.cpuWattsPerCore);
  return {
    questions: t.questions, llmCalls: t.llmCalls, promptTokens: t.promptTokens, completionTokens: t.completionTokens,
    llmWhPer1k: t.llmWh * k, llmGco2ePer1k: t.llmGco2e * k,
    pathWhPer1k: pathWh * k, pathGco2ePer1k: hostImpact(m, pathWh).gco2e.mid * k,
    cpuMsPerQuestion: t.cpuMs / Math.max(1, t.questions),
    ...(withRoutes ? { routes: t.routes } : {}),
  };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);

function row(dataset: string, target: number, sobre: Tally, rag: Tally, m: MethodSnapshot): CompareRow {
  const s = totals(sobre, m, true);
  const r = totals(rag, m, false);
  return {
    dataset, target, sobre: s, rag: r,
    ratios: {
      llm_calls: ratio(s.llmCalls, r.llmCalls),
      generator_tokens: ratio(s.promptTokens + s.completionTokens, r.promptTokens + r.completionTokens),
      wh: ratio(s.llmWhPer1k + s.pathWhPer1k, r.llmWhPer1k + r.pathWhPer1k),
      gco2e: ratio(s.llmGco2ePer1k + s.pathGco2ePer1k, r.llmGco2ePer1k + r.pathGco2ePer1k),
    },
  };
}

function merge(into: Tally, t: Tally): void {
  into.questions += t.questions;
  into.llmCalls += t.llmCalls;
  into.promptTokens += t.promptTokens;
  into.completionTokens += t.completionTokens;
  into.llmWh += t.llmWh;
  into.llmGco2e += t.llmGco2e;
  into.cpuMs += t.cpuMs;
  for (const [k, v] of Object.entries(t.routes)) into.routes[k] = (into.routes[k] ?? 0) + v;
}

async function checkCalls(llm: FakeLlm, before: number, counted: number, who: string): Promise<number> {
  const { calls } = await llm.stats();
  if (calls - before !== counted) throw new Error(`${who}: the fake LLM served ${calls - before} calls, the client counted ${counted}`);
  return calls;
}

export async function compareWithRag(base: SobreConfig, embedder: Embedder, datasetDirs: readonly string[], limit: number): Promise<CompareResult> {
  const llm = await startFakeLlm();
  const rows: CompareRow[] = [];
  const pooledSobre = new Map<number, Tally>(TARGETS.map((t) => [t, emptyTally()]));
  const pooledRag = emptyTally();
  let method: MethodSnapshot | undefined;
  try {
    for (const dir of datasetDirs) {
      const dataset = loadDataset(dir);
      const prepared = await openDatasetKnowledge(base, dataset, embedder, log);
      await prepared.knowledge.close();
      // Known questions off: the targets ask the same questions in turn, and the answer cache
      // would serve one target's generated answers to the next (distinct questions rarely hit it).
      const config: SobreConfig = Object.freeze({
        ...prepared.config, generator: 'openai', llmBaseUrl: llm.baseUrl, llmModel: 'fake-extractive', llmRetries: 0, knownQuestions: false,
      });
      const m = methodFromConfig(config);
      method = m;
      const questions = spread(dataset.questions, limit).map((q) => q.question);

      log(`${dataset.name}: always-generate RAG over ${questions.length} questions`);
      const rag = emptyTally();
      {
        const deps = await createDeps(config, { embedder, ledger: false, generator: null });
        const chain = alwaysGenerateChain(deps.retriever, {
          topK: config.topK, candidateK: config.candidateK, weights: deps.router.calibration.fusion,
          baseUrl: llm.baseUrl, model: config.llmModel, maxTokens: config.llmMaxTokens,
        });
        for (const q of questions.slice(0, WARM_UP)) await chain.invoke(q);
        const before = (await llm.stats()).calls;
        for (const q of questions) {
          const c0 = cpuMs();
          const a = await chain.invoke(q);
          rag.cpuMs += cpuMs() - c0;
          rag.questions++;
          addCall(rag, m, a.promptTokens, a.completionTokens);
        }
        await checkCalls(llm, before, rag.llmCalls, 'always-generate RAG');
        await deps.close();
      }
      merge(pooledRag, rag);

      for (const target of TARGETS) {
        log(`${dataset.name}: Sobre at target precision ${target}`);
        const sobre = emptyTally();
        const deps = await createDeps({ ...config, targetPrecision: target }, { embedder, ledger: false });
        for (const q of questions.slice(0, WARM_UP)) await deps.ask.ask(q);
        const before = (await llm.stats()).calls;
        for (const q of questions) {
          const c0 = cpuMs();
          const r = await deps.ask.ask(q);
          sobre.cpuMs += cpuMs() - c0;
          sobre.questions++;
          sobre.routes[r.route] = (sobre.routes[r.route] ?? 0) + 1;
          if (r.route === 'generate' && r.usage) addCall(sobre, m, r.usage.promptTokens, r.usage.completionTokens);
        }
        await checkCalls(llm, before, sobre.llmCalls, 'Sobre');
        await deps.close();
        rows.push(row(dataset.name, target, sobre, rag, m));
        merge(pooledSobre.get(target) as Tally, sobre);
      }
    }
  } finally {
    await llm.close();
  }
  if (!method) throw new Error('no dataset to compare on');
  const m = method;
  const pooled = TARGETS.map((t) => row('all', t, pooledSobre.get(t) as Tally, pooledRag, m));
  return { llmModel: 'fake-extractive', llmParamsB: `${m.llmParamsB.min}-${m.llmParamsB.max}`, rows, pooled };
}

export function compareTable(r: CompareResult): string {
  const lines = [...r.rows, ...r.pooled].map((x) => [
    x.dataset, String(x.target), String(x.sobre.questions),
    `${x.sobre.llmCalls} / ${x.rag.llmCalls}`, fmt(x.ratios.llm_calls, 3),
    `${x.sobre.promptTokens + x.sobre.completionTokens} / ${x.rag.promptTokens + x.rag.completionTokens}`,
    `${fmt(x.sobre.llmWhPer1k + x.sobre.pathWhPer1k, 2)} / ${fmt(x.rag.llmWhPer1k + x.rag.pathWhPer1k, 2)}`,
    `${fmt(x.sobre.llmGco2ePer1k + x.sobre.pathGco2ePer1k, 2)} / ${fmt(x.rag.llmGco2ePer1k + x.rag.pathGco2ePer1k, 2)}`,
    fmt(x.ratios.wh, 3),
    `${fmt(x.sobre.cpuMsPerQuestion)} / ${fmt(x.rag.cpuMsPerQuestion)}`,
    Object.entries(x.sobre.routes ?? {}).map(([k, v]) => `${k} ${v}`).join(', '),
  ]);
  return table(
    ['dataset', 'target', 'questions', 'LLM calls S / RAG', 'calls ratio', 'gen. tokens S / RAG', 'Wh per 1k S / RAG', 'gCO2e per 1k S / RAG', 'Wh ratio', 'CPU ms/q S / RAG', 'Sobre routes'],
    lines,
  ) + `\n(generator ${r.llmModel} with the energy of a ${r.llmParamsB} B-parameter model, SOBRE_LLM_PARAMS_B; Wh and gCO2e: LLM calls + the asking process's CPU)`;
}


