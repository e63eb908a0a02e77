/**
 * The promise measured live: precision of direct answers on the audit sample (each direct answer
 * is flagged with probability SOBRE_AUDIT_RATE when it is given, and reviewers draw flagged
 * answers uniformly at random), with a Wilson score 95% interval, and the guard that raises the
 * threshold when the interval's upper bound falls below the target (docs/learning.md).
 */
import { KNOWN_KINDS } from '../knowledge/types';
import type { AuditCounts } from '../labels/types';
import { operatingPoint, type Calibration } from './calibration';

export const AUDIT_METHOD = 'Wilson score interval, 95%, over reviewed audit-sample direct answers';
const Z = 1.959964;

/** Wilson score interval for k successes in n trials. */
export function wilsonInterval(k: number, n: number, z = Z): [number, number] | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

export interface AuditEstimate extends AuditCounts {
  precision: number | null;
  interval95: [number, number] | null;
  method: string;
}

export function auditEstimate(counts: AuditCounts): AuditEstimate {
  return {
    ...counts,
    precision: counts.reviewed > 0 ? counts.correct / counts.reviewed : null,
    interval95: wilsonInterval(counts.correct, counts.reviewed),
    method: AUDIT_METHOD,
  };
}

export interface KnownHitAudit {
  /** faq, curated or cache. */
  route: string;
  reviewed: number;
  wrong: number;
  pending: number;
  skipped: number;
  /** Wrong among reviewed, with its Wilson 95% interval (null before the first review). */
  wrongHitRate: number | null;
  interval95: [number, number] | null;
}

/** Known-question hits are flagged for audit like direct answers; reviewers measure how often a hit was wrong. */
export function knownHitAudits(counts: Record<string, AuditCounts>): KnownHitAudit[] {
  return KNOWN_KINDS.filter((route) => counts[route]).map((route) => {
    const c = counts[route];
    const wrong = c.reviewed - c.correct;
    return {
      route, reviewed: c.reviewed, wrong, pending: c.pending, skipped: c.skipped,
      wrongHitRate: c.reviewed > 0 ? wrong / c.reviewed : null, interval95: wilsonInterval(wrong, c.reviewed),
    };
  });
}

/**
 * The stricter target the guard reads the threshold for, or null when the audit does not show
 * the promise broken. The curve claimed precision p_c at the target's operating point and the
 * audit measured p̂ < p_c: the curve overstates precision by p̂ / p_c, so the threshold becomes
 * the operating point for target × p_c / p̂ (capped at 1: the curve's most certain point).
 */
export function guardTarget(calibration: Calibration, targetPrecision: number, audit: AuditEstimate): number | null {
  if (!audit.interval95 || audit.precision === null || audit.interval95[1] >= targetPrecision) return null;
  const claimed = operatingPoint(calibration.curve, targetPrecision).precision;
  if (audit.precision <= 0) return 1;
  return Math.min(1, (targetPrecision * claimed) / audit.precision);
}
