/**
 * The learning loop's state as the report, the dashboard and /metrics show it: the promise, the
 * calibration in force, the audit estimate and the guard (docs/learning.md).
 */
import { knownHitAudits, type AuditEstimate, type KnownHitAudit } from './audit';
import type { Learner } from './learner';

export interface LearningStatus {
  targetPrecision: number;
  /** Null: nothing is answered directly (no threshold keeps the promise). */
  threshold: number | null;
  calibration: { id: number; origin: string; labels: number; createdAt: string; note: string };
  guard: { active: boolean; target: number | null; note: string };
  audit: AuditEstimate & { rate: number };
  /** Known-question hits flagged at the same rate and reviewed: the wrong-hit rate per source. */
  knownHits: KnownHitAudit[];
  labels: number;
  refitEvery: number;
  lastRefit: { at: string; status: string; note: string; calibrationId: number | null } | null;
  observationFailures: number;
}

export async function learningStatus(learner: Learner): Promise<LearningStatus> {
  const router = learner.router;
  const record = router.calibrationId === 0 ? null : (await learner.store.calibration(router.calibrationId))?.record ?? null;
  const audit = await learner.audit();
  const target = learner.settings.targetPrecision;
  return {
    targetPrecision: target,
    threshold: Number.isFinite(router.point.threshold) ? router.point.threshold : null,
    calibration: record
      ? { id: record.id, origin: record.origin, labels: record.labels, createdAt: record.createdAt.toISOString(), note: record.note }
      : { id: 0, origin: 'file', labels: 0, createdAt: router.calibration.createdAt, note: 'the calibration file (SOBRE_CALIBRATION or the shipped one)' },
    guard: router.guardTarget === null
      ? { active: false, target: null, note: 'not raised' }
      : {
        active: true, target: router.guardTarget,
        note: `raised: the audit's 95% upper bound fell below ${target}, so the threshold is the curve's operating point for ${router.guardTarget.toFixed(3)} until a new calibration is in force`,
      },
    audit: { ...audit, rate: learner.settings.auditRate },
    knownHits: knownHitAudits(await learner.store.knownAuditCounts()),
    labels: await learner.store.labelCount(),
    refitEvery: learner.settings.refitEvery,
    lastRefit: learner.lastRefit ? { ...learner.lastRefit, at: learner.lastRefit.at.toISOString() } : null,
    observationFailures: learner.observationFailures,
  };
}
