/** The shape of a ledger report, as served at /v1/report and rendered by render.ts. */
import { KNOWN_KINDS } from '../knowledge/types';
import type { ContentGap } from './content-gap';
import type { CallStatus, EmbodiedImpact, Impact, PathEnergySource, Range3, Route } from '../ledger/types';

export interface TokenTotals {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  tokens: number;
  flops: number;
  /** Usage impacts. */
  impact: Impact;
  /** Embodied (hardware manufacturing) impacts, apart from usage; rows without them count 0. */
  embodied: EmbodiedImpact;
}

export interface PathTotals {
  cpuMs: number;
  wh: number;
  gco2e: number;
  waterL: number;
  /** Rows per energy source (cpu-time or rapl). */
  sources: Partial<Record<PathEnergySource, number>>;
}

export interface Equivalent {
  id: string;
  label: string;
  /** How many of them the net saving equals. */
  value: Range3;
  perUnit: number;
  unit: string;
  source: string;
}

export interface ReportTotals {
  questions: number;
  byRoute: Record<Route, number>;
  byCallStatus: Record<CallStatus, number>;
  /** Answers given without an LLM: routes direct, faq, curated and cache. */
  answeredWithoutLlm: number;
  /** answeredWithoutLlm / questions (0 when there are no questions): the headline share. */
  answeredWithoutLlmShare: number;
  /** Known-question hits among them (faq, curated, cache). */
  knownQuestionHits: number;
  /** Abstentions: declined, out of scope (no answer, and no LLM call). */
  declined: number;
  /**
   * LLM calls a conventional RAG would have made and Sobre did not: answers without an LLM plus
   * abstentions (the energy saved counts both; docs/energy-method.md).
   */
  llmCallsAvoided: number;
  llmCallsMade: number;
  /** Counterfactual calls Sobre did not make. */
  avoided: TokenTotals;
  /** Real generator calls. */
  generated: TokenTotals;
  /** Sobre's own path (embedding + search + routing) for every question. */
  path: PathTotals;
  /** avoided − path, per bound (the path is a point value); usage impacts only. */
  net: Impact;
  equivalents: Equivalent[];
}

export interface SeriesPoint {
  /** Bucket start, ISO (UTC). */
  start: string;
  questions: number;
  /** Answered without an LLM (direct, faq, curated, cache). */
  answered: number;
  /** Abstentions. */
  declined: number;
  /** LLM calls avoided (answered + declined). */
  avoided: number;
  made: number;
  whAvoided: number;
  gco2eAvoided: number;
  pathWh: number;
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

export interface RouteLatency {
  route: Route;
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface Assumption {
  name: string;
  value: number | string;
  unit: string;
  source: string;
}

export interface Report {
  period: { from: string; to: string; bucket: 'hour' | 'day'; bounds: 'from inclusive, to exclusive'; timezone: 'UTC' };
  generatedAt: string;
  totals: ReportTotals;
  series: SeriesPoint[];
  confidenceHistogram: { bins: HistogramBin[]; unknown: number };
  latencyByRoute: RouteLatency[];
  contentGap: ContentGap;
  assumptions: Assumption[];
  /** Distinct method versions among the rows of the period (each row keeps its own constants). */
  methodVersions: string[];
}

export const ROUTES: readonly Route[] = ['direct', 'cache', 'faq', 'curated', 'generate', 'passages', 'abstain'];
/** Routes that answer without an LLM: a passage's sentence, or a known question. */
export const KNOWN_QUESTION_ROUTES: readonly Route[] = KNOWN_KINDS;
export const ANSWERED_WITHOUT_LLM: readonly Route[] = ['direct', ...KNOWN_KINDS];
export const CALL_STATUSES: readonly CallStatus[] = ['avoided', 'made', 'failed', 'unavailable'];
