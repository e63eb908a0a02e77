/**
 * The promise measured live, as a section of the report (CLI table, JSON, the /report dashboard):
 * the precision of direct answers on the audit sample with its Wilson 95% interval, next to the
 * target, the calibration in force and the guard (docs/learning.md).
 */
import type { KnownHitAudit } from '../answer/audit';
import type { LearningStatus } from '../answer/learner';
import { escapeHtml } from '../report/svg';

const f3 = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : x.toFixed(3));

function knownHitText(k: KnownHitAudit): string {
  const interval = k.interval95 ? ` (95% interval ${f3(k.interval95[0])} – ${f3(k.interval95[1])})` : '';
  return `${k.route} ${k.reviewed} reviewed, wrong-hit rate ${f3(k.wrongHitRate)}${interval}, ${k.pending} waiting`;
}

export function promiseLines(s: LearningStatus): string[] {
  const a = s.audit;
  const interval = a.interval95 ? ` (95% interval ${f3(a.interval95[0])} – ${f3(a.interval95[1])}, Wilson)` : '';
  const calibration = s.calibration.id === 0 ? 'the calibration file' : `calibration ${s.calibration.id}, learned from ${s.calibration.labels} labels on ${s.calibration.createdAt.slice(0, 10)}`;
  return [
    `Promise: direct answers at precision ${s.targetPrecision}; in force: ${calibration}, threshold ${s.threshold === null ? 'none (nothing goes direct)' : f3(s.threshold)}.`,
    `Measured on the audit sample (${Math.round(a.rate * 100)}% of direct answers flagged when given): ${a.reviewed} reviewed, precision ${f3(a.precision)}${interval}; ${a.pending} waiting for review, ${a.skipped} skipped.`,
    `Guard: ${s.guard.note}. Labels stored: ${s.labels}.${s.lastRefit ? ` Last refit: ${s.lastRefit.note}.` : ''}`,
    `Known-question hits audited (same rate): ${s.knownHits.length === 0 ? 'none flagged yet' : s.knownHits.map(knownHitText).join('; ')}.`,
  ];
}

export function promiseHtml(s: LearningStatus): string {
  const a = s.audit;
  const value = (id: string, x: number | null) => `<span data-metric="${id}" data-value="${x ?? ''}">${f3(x)}</span>`;
  return `<section id="promise"><h2>The promise, measured</h2><table><tbody>
<tr><td>Target precision of direct answers</td><td class="num">${value('target_precision', s.targetPrecision)}</td></tr>
<tr><td>Live precision (reviewed audit sample, ${a.reviewed} answers; Wilson 95% interval)</td><td class="num">${value('live_precision', a.precision)} [${f3(a.interval95?.[0])}, ${f3(a.interval95?.[1])}]</td></tr>
<tr><td>Calibration in force</td><td>${escapeHtml(s.calibration.id === 0 ? 'the calibration file' : `#${s.calibration.id}, ${s.calibration.labels} labels`)}; threshold ${value('threshold', s.threshold)}</td></tr>
<tr><td>Guard</td><td>${escapeHtml(s.guard.note)}</td></tr>
${s.knownHits.map((k) => `<tr><td>Wrong-hit rate of ${escapeHtml(k.route)} answers (reviewed audit sample, ${k.reviewed} hits; Wilson 95% interval)</td><td class="num">${value(`wrong_hit_rate_${k.route}`, k.wrongHitRate)} [${f3(k.interval95?.[0])}, ${f3(k.interval95?.[1])}]</td></tr>`).join('\n')}
</tbody></table><p class="muted">Method: docs/learning.md. ${a.pending} audit answers wait for review at /review.</p></section>`;
}
