/**
 * What the /review page shows next (docs/learning.md): half the draws, an audit-flagged direct
 * answer picked uniformly at random among those not reviewed yet (so the reviewed ones stay a
 * uniform sample of direct answers and the live precision estimate unbiased); the other half,
 * the unreviewed question whose label would most move the operating point: the one whose
 * probability under the calibration in force is nearest the threshold (or, with no threshold,
 * the most confident). When one pool is empty the other is used.
 */
import type { LabelStore, Observation } from '../labels/types';
import { languageSection } from './calibration';
import { FEATURE_NAMES } from './features';
import { predict } from './logistic';
import type { AnswerRouter } from './router';

export const AUDIT_SHARE = 0.5;
/** Recent unreviewed questions rescored for the uncertainty pool. */
const UNCERTAIN_POOL = 500;

export type ReviewPool = 'audit' | 'uncertain';

const logit = (p: number): number => Math.log(Math.max(1e-9, p) / Math.max(1e-9, 1 - p));

function mostUncertain(rows: readonly Observation[], router: AnswerRouter): Observation | null {
  let best: { o: Observation; score: number } | null = null;
  for (const o of rows) {
    const f = o.features;
    if (o.ruledOut !== null || !f || !FEATURE_NAMES.every((n) => typeof f[n] === 'number')) continue;
    // Each question scored by its language's section, against that section's threshold.
    const t = router.pointFor(o.language).threshold;
    const p = predict(languageSection(router.calibration, o.language).model, FEATURE_NAMES.map((n) => f[n]));
    const score = Number.isFinite(t) ? Math.abs(logit(p) - logit(t)) : -p;
    if (!best || score < best.score) best = { o, score };
  }
  return best?.o ?? null;
}

export async function nextForReview(store: LabelStore, router: AnswerRouter, by: string, random: () => number = Math.random): Promise<{ observation: Observation; pool: ReviewPool } | null> {
  const [audit] = await store.pendingAudit(by, 1);
  if (audit && random() < AUDIT_SHARE) return { observation: audit, pool: 'audit' };
  const uncertain = mostUncertain(await store.unreviewed(by, UNCERTAIN_POOL), router);
  if (uncertain) return { observation: uncertain, pool: 'uncertain' };
  return audit ? { observation: audit, pool: 'audit' } : null;
}
