/**
 * The ledger's contract with the ask pipeline (`AskOutcome` in, `LedgerRow` out) and the value
 * types shared by the estimate, the store and the report. The class itself is in `ledger.ts`.
 */
import type { MethodSnapshot } from './method';

/**
 * The routes a question can take: a known question (`cache`: a generated answer kept; `faq`: a
 * document's own question and answer; `curated`: an admin's pinned answer), a `direct` answer
 * from a passage, a generated one, passages only, or an abstention. Declared here, below the
 * router, because the ledger records them; `answer/` re-exports it.
 */
export type Route = 'direct' | 'cache' | 'faq' | 'curated' | 'generate' | 'passages' | 'abstain';

/** What the pipeline tells the ledger about one answered question. */
export interface AskOutcome {
  at: Date;
  question: string;
  route: Route;
  confidence: number | null;
  /** Wall clock per stage, e.g. { embed, search, route, generate, total }. */
  stageMs: Record<string, number>;
  /** Process CPU time (user+system) of embedding+search+routing for this question, measured by the caller. */
  pathCpuMs: number;
  /**
   * Optional: energy of the same path read from RAPL (`startPathMeter` in `path-meter.ts`), in Wh.
   * When given, the ledger records it instead of pathCpuMs × watts per core.
   */
  pathRaplWh?: number;
  citedChunkIds: number[];
  /** Tokens of the prompt a conventional RAG would have sent for these passages. */
  counterfactualPromptTokens: number;
  /** Completion tokens of the avoided call when known (a cached answer: what its generation spent). */
  counterfactualCompletionTokens?: number;
  generation?: GenerationOutcome;
  /** Set when the generator failed / timed out / circuit open (route 'passages'). */
  generatorError?: string;
}

export interface GenerationOutcome {
  kind: 'openai' | 'local';
  model: string;
  promptTokens: number;
  completionTokens: number;
  tokenSource: 'server' | 'tokenizer' | 'estimate';
  latencyMs: number;
  cpuMs?: number;
}

/**
 * What happened to the LLM call a conventional RAG would have made for this question:
 * - `avoided`: Sobre answered without it (route direct, cache or abstain); counted as a saving.
 * - `made`: the generator ran (route generate); real tokens, real cost.
 * - `failed`: the generator was called and failed, timed out or its circuit was open (route
 *   passages with generatorError); neither a saving nor a known cost.
 * - `unavailable`: route passages with no generator configured; not counted as a saving either
 *   (the user got passages, not an answer, by configuration rather than by the router's decision).
 */
export type CallStatus = 'avoided' | 'made' | 'failed' | 'unavailable';

export interface Range3 {
  low: number;
  mid: number;
  high: number;
}

/** Usage impacts: energy at the wall (facility, PUE included), carbon and water of one piece of work. */
export interface Impact {
  wh: Range3;
  gco2e: Range3;
  waterL: Range3;
}

/**
 * Embodied impacts: this work's share of the manufacturing footprint of the hardware it ran on
 * (EcoLogits' GWP, ADPe and PE, in its units), kept apart from usage.
 */
export interface EmbodiedImpact {
  gco2e: Range3;
  /** Abiotic depletion potential, kg antimony equivalent. */
  adpeKgSbEq: Range3;
  /** Primary energy, MJ. */
  peMj: Range3;
}

/** How an LLM energy figure was obtained. */
export type LlmEnergySource = 'ecologits' | 'cpu-time' | 'latency-one-core';
/** How the retrieval path's energy was obtained. */
export type PathEnergySource = 'cpu-time' | 'rapl';

/** The LLM side of a row: the real call (`made`) or the counterfactual one (`avoided`). */
export interface LlmAccount {
  basis: 'real' | 'counterfactual';
  kind: 'openai' | 'local' | null;
  model: string;
  /** Active parameters, billions (the middle of the range when SOBRE_LLM_PARAMS_B is one). */
  paramsB: number;
  promptTokens: number;
  completionTokens: number;
  tokenSource: 'server' | 'tokenizer' | 'estimate' | 'caller' | 'ledger-mean' | 'default';
  flops: number;
  energySource: LlmEnergySource;
  latencyMs: number | null;
  impact: Impact;
  /** Null when not estimated: a `local` generation, embodied impacts switched off, or a row older than them. */
  embodied: EmbodiedImpact | null;
}

/** The measured cost of Sobre's own path (embedding + search + routing). */
export interface PathAccount {
  cpuMs: number;
  wh: number;
  gco2e: number;
  waterL: number;
  source: PathEnergySource;
}

/** One stored ledger row, as `record` returns it and `report` reads it. */
export interface LedgerRow {
  id: number;
  at: Date;
  route: Route;
  callStatus: CallStatus;
  confidence: number | null;
  /** Question text, or null when only the hash is kept (setting) or the text expired. */
  question: string | null;
  /** sha256 (hex) of the normalised question (see `normalizeQuestion`). */
  questionSha256: string;
  stageMs: Record<string, number>;
  citedChunkIds: number[];
  /** Null for `failed` and `unavailable` rows. */
  llm: LlmAccount | null;
  path: PathAccount;
  generatorError: string | null;
  /** Method version and every constant used for this row, so old rows stay interpretable. */
  method: MethodSnapshot;
}

/** A report period: `from` inclusive, `to` exclusive. */
export interface ReportRange {
  from: Date;
  to: Date;
}
