/**
 * The ledger report, pure over the rows of a period: totals, per-bucket series, confidence
 * histogram, latency by route, the content gap and the assumptions.
 * Bounds: `from` inclusive, `to` exclusive; buckets are UTC hours when the period is at most
 * 48 h, UTC days otherwise.
 */
import { SobreError } from '../errors';
import { addEmbodied, addImpact, addRange, pointRange, scaleRange, zeroEmbodied, zeroImpact } from '../ledger/energy';
import { assumptionsOf } from './assumptions';
import { groupContentGap } from './content-gap';
import { EQUIVALENT_FACTORS, type MethodSnapshot } from '../ledger/method';
import {
  ANSWERED_WITHOUT_LLM, CALL_STATUSES, KNOWN_QUESTION_ROUTES, ROUTES, type Equivalent, type HistogramBin, type PathTotals, type Report, type RouteLatency,
  type SeriesPoint, type TokenTotals,
} from './types';
import type { CallStatus, Impact, LedgerRow, Range3, ReportRange, Route } from '../ledger/types';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MAX_BUCKETS = 10_000;

function emptyTokens(): TokenTotals {
  return { calls: 0, promptTokens: 0, completionTokens: 0, tokens: 0, flops: 0, impact: zeroImpact(), embodied: zeroEmbodied() };
}

function countBy<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function addTokens(t: TokenTotals, row: LedgerRow): void {
  if (!row.llm) return;
  t.calls++;
  t.promptTokens += row.llm.promptTokens;
  t.completionTokens += row.llm.completionTokens;
  t.tokens += row.llm.promptTokens + row.llm.completionTokens;
  t.flops += row.llm.flops;
  t.impact = addImpact(t.impact, row.llm.impact);
  if (row.llm.embodied) t.embodied = addEmbodied(t.embodied, row.llm.embodied);
}

function minus(r: Range3, point: number): Range3 {
  return addRange(r, pointRange(-point));
}

function equivalents(net: Impact): Equivalent[] {
  return EQUIVALENT_FACTORS.map((f) => ({
    id: f.id,
    label: f.label,
    value: scaleRange(net[f.quantity], 1 / f.perUnit),
    perUnit: f.perUnit,
    unit: f.unit,
    source: f.source,
  }));
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** A row's end-to-end latency: stageMs.total, or the sum of its stages. */
export function totalMs(row: LedgerRow): number {
  const t = row.stageMs.total;
  return typeof t === 'number' ? t : Object.values(row.stageMs).reduce((a, b) => a + b, 0);
}

export function bucketOf(range: ReportRange): 'hour' | 'day' {
  return range.to.getTime() - range.from.getTime() <= 48 * HOUR_MS ? 'hour' : 'day';
}

function series(rows: readonly LedgerRow[], range: ReportRange): SeriesPoint[] {
  const size = bucketOf(range) === 'hour' ? HOUR_MS : DAY_MS;
  const first = Math.floor(range.from.getTime() / size) * size;
  const count = Math.max(0, Math.ceil((range.to.getTime() - first) / size));
  if (count > MAX_BUCKETS) throw new SobreError('bad_request', `Report period too long: ${count} buckets (max ${MAX_BUCKETS})`);
  const points: SeriesPoint[] = Array.from({ length: count }, (_, i) => ({
    start: new Date(first + i * size).toISOString(), questions: 0, answered: 0, declined: 0, avoided: 0, made: 0, whAvoided: 0, gco2eAvoided: 0, pathWh: 0,
  }));
  for (const row of rows) {
    const p = points[Math.floor((row.at.getTime() - first) / size)];
    if (!p) continue;
    p.questions++;
    p.pathWh += row.path.wh;
    if (ANSWERED_WITHOUT_LLM.includes(row.route)) p.answered++;
    if (row.route === 'abstain') p.declined++;
    if (row.callStatus === 'made') p.made++;
    if (row.callStatus === 'avoided' && row.llm) {
      p.avoided++;
      p.whAvoided += row.llm.impact.wh.mid;
      p.gco2eAvoided += row.llm.impact.gco2e.mid;
    }
  }
  return points;
}

function histogram(rows: readonly LedgerRow[]): { bins: HistogramBin[]; unknown: number } {
  const bins: HistogramBin[] = Array.from({ length: 10 }, (_, i) => ({ from: i / 10, to: (i + 1) / 10, count: 0 }));
  let unknown = 0;
  for (const row of rows) {
    if (row.confidence === null) unknown++;
    else bins[Math.min(9, Math.max(0, Math.floor(row.confidence * 10)))].count++;
  }
  return { bins, unknown };
}

function latencies(rows: readonly LedgerRow[]): RouteLatency[] {
  return ROUTES.map((route) => {
    const ms = rows.filter((r) => r.route === route).map(totalMs).sort((a, b) => a - b);
    return { route, count: ms.length, p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95) };
  });
}

export interface ReportInput {
  rows: readonly LedgerRow[];
  range: ReportRange;
  /** The current method, for the assumptions block (rows keep their own). */
  method: MethodSnapshot;
  /** SOBRE_LEDGER_GAP_THRESHOLD (content-gap.ts). */
  contentGapThreshold: number;
  generatedAt: Date;
}

export function buildReport({ rows, range, method, contentGapThreshold, generatedAt }: ReportInput): Report {
  const inRange = rows.filter((r) => r.at >= range.from && r.at < range.to);
  const avoided = emptyTokens();
  const generated = emptyTokens();
  const path: PathTotals = { cpuMs: 0, wh: 0, gco2e: 0, waterL: 0, sources: {} };
  for (const row of inRange) {
    if (row.callStatus === 'avoided') addTokens(avoided, row);
    if (row.callStatus === 'made') addTokens(generated, row);
    path.cpuMs += row.path.cpuMs;
    path.wh += row.path.wh;
    path.gco2e += row.path.gco2e;
    path.waterL += row.path.waterL;
    path.sources[row.path.source] = (path.sources[row.path.source] ?? 0) + 1;
  }
  const net: Impact = {
    wh: minus(avoided.impact.wh, path.wh),
    gco2e: minus(avoided.impact.gco2e, path.gco2e),
    waterL: minus(avoided.impact.waterL, path.waterL),
  };
  const byCallStatus = countBy<CallStatus>(CALL_STATUSES, inRange.map((r) => r.callStatus));
  const questions = inRange.length;
  const byRoute = countBy<Route>(ROUTES, inRange.map((r) => r.route));
  const sum = (routes: readonly Route[]) => routes.reduce((n, route) => n + byRoute[route], 0);
  const answeredWithoutLlm = sum(ANSWERED_WITHOUT_LLM);
  return {
    period: { from: range.from.toISOString(), to: range.to.toISOString(), bucket: bucketOf(range), bounds: 'from inclusive, to exclusive', timezone: 'UTC' },
    generatedAt: generatedAt.toISOString(),
    totals: {
      questions,
      byRoute,
      byCallStatus,
      answeredWithoutLlm,
      answeredWithoutLlmShare: questions === 0 ? 0 : answeredWithoutLlm / questions,
      knownQuestionHits: sum(KNOWN_QUESTION_ROUTES),
      declined: byRoute.abstain,
      llmCallsAvoided: byCallStatus.avoided,
      llmCallsMade: byCallStatus.made,
      avoided,
      generated,
      path,
      net,
      equivalents: equivalents(net),
    },
    series: series(inRange, range),
    confidenceHistogram: histogram(inRange),
    latencyByRoute: latencies(inRange),
    contentGap: groupContentGap(inRange, { threshold: contentGapThreshold }),
    assumptions: assumptionsOf(method),
    methodVersions: [...new Set(inRange.map((r) => r.method.version))].sort(),
  };
}
