/** Route metrics with bootstrap intervals, over per-question outcomes. */
import { seededRandom } from '../answer/calibration';
import type { Route } from '../answer/types';

export interface QuestionOutcome {
  route: Route;
  answerable: boolean;
  correct: boolean;
  latencyMs: number;
}

export interface RouteMetrics {
  n: number;
  answerable: number;
  direct: number;
  /** Direct answers to answerable questions that contain a gold answer, over direct answers to answerable questions. */
  precision: number | null;
  /** The same over all direct answers (a direct answer to an unanswerable question is wrong). */
  precisionAll: number | null;
  /** Share of answerable questions answered directly. */
  coverage: number;
  directRateUnanswerable: number | null;
  generateRate: number;
  abstainRate: number;
}

export function routeMetrics(outcomes: readonly QuestionOutcome[]): RouteMetrics {
  const answerable = outcomes.filter((o) => o.answerable);
  const unanswerable = outcomes.filter((o) => !o.answerable);
  const directAnswerable = answerable.filter((o) => o.route === 'direct');
  const direct = outcomes.filter((o) => o.route === 'direct');
  const n = Math.max(1, outcomes.length);
  return {
    n: outcomes.length,
    answerable: answerable.length,
    direct: direct.length,
    precision: directAnswerable.length ? directAnswerable.filter((o) => o.correct).length / directAnswerable.length : null,
    precisionAll: direct.length ? direct.filter((o) => o.correct && o.answerable).length / direct.length : null,
    coverage: answerable.length ? directAnswerable.length / answerable.length : 0,
    directRateUnanswerable: unanswerable.length ? unanswerable.filter((o) => o.route === 'direct').length / unanswerable.length : null,
    generateRate: outcomes.filter((o) => o.route === 'generate' || o.route === 'passages').length / n,
    abstainRate: outcomes.filter((o) => o.route === 'abstain').length / n,
  };
}

/** 95% percentile-bootstrap interval of a statistic over questions. */
export function bootstrapInterval(
  outcomes: readonly QuestionOutcome[],
  stat: (sample: QuestionOutcome[]) => number | null,
  { replicates = 1000, seed = 11 }: { replicates?: number; seed?: number } = {},
): [number, number] | null {
  if (outcomes.length === 0) return null;
  const rand = seededRandom(seed);
  const values: number[] = [];
  for (let r = 0; r < replicates; r++) {
    const sample = Array.from({ length: outcomes.length }, () => outcomes[Math.floor(rand() * outcomes.length)]);
    const v = stat(sample);
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return [values[Math.floor(0.025 * (values.length - 1))], values[Math.floor(0.975 * (values.length - 1))]];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}
