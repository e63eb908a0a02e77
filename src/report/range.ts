/**
 * Report periods from user input (query string or CLI flags). ISO 8601 only: `2024-05-01`
 * (UTC midnight) or `2024-05-01T12:00[:00[.000]]` with an optional `Z` / `±hh:mm` (UTC when
 * absent). `from` is inclusive and `to` exclusive; `days=N` means the N days before `to`; the
 * default is the 7 days before now.
 */
import { SobreError } from '../errors';
import type { ReportRange } from '../ledger/types';

export const DEFAULT_PERIOD_DAYS = 7;
export const MAX_PERIOD_DAYS = 3700;
const DAY_MS = 86_400_000;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function parseIsoDate(name: string, raw: string): Date {
  const text = raw.trim();
  const m = ISO.exec(text);
  if (!m) throw new SobreError('bad_request', `Invalid ${name}=${JSON.stringify(raw)}: expected an ISO 8601 date such as 2024-05-01 or 2024-05-01T12:00:00Z`);
  const withZone = text.length > 10 && m[1] === undefined ? text + 'Z' : text;
  const d = new Date(withZone.replace(' ', 'T'));
  if (Number.isNaN(d.getTime())) throw new SobreError('bad_request', `Invalid ${name}=${JSON.stringify(raw)}: not a real date`);
  // Reject rolled-over dates such as 2024-02-30.
  const [y, mo, da] = text.slice(0, 10).split('-').map(Number);
  const check = new Date(Date.UTC(y, mo - 1, da));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== da) {
    throw new SobreError('bad_request', `Invalid ${name}=${JSON.stringify(raw)}: not a real date`);
  }
  return d;
}

/** The periods the dashboard offers as links (`?days=N`). */
export const PERIOD_CHOICES: readonly { days: number; label: string }[] = [
  { days: 1, label: '24 hours' }, { days: 7, label: '7 days' }, { days: 30, label: '30 days' }, { days: 90, label: '90 days' }, { days: 365, label: 'year' },
];

export interface RangeInput {
  from?: string;
  to?: string;
  /** The `days` before `to` (instead of `from`): a whole number, 1 to MAX_PERIOD_DAYS. */
  days?: string;
}

function parseDays(raw: string): number {
  const n = /^\d{1,4}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n >= 1 && n <= MAX_PERIOD_DAYS)) throw new SobreError('bad_request', `Invalid days=${JSON.stringify(raw)}: expected a whole number of days from 1 to ${MAX_PERIOD_DAYS}`);
  return n;
}

/** Resolve optional from/to (or days) strings against `now`; throws SobreError('bad_request'). */
export function resolveReportRange(input: RangeInput, now: Date): ReportRange {
  const to = input.to !== undefined && input.to !== '' ? parseIsoDate('to', input.to) : null;
  const from = input.from !== undefined && input.from !== '' ? parseIsoDate('from', input.from) : null;
  const days = input.days !== undefined && input.days !== '' ? parseDays(input.days) : null;
  if (from && days !== null) throw new SobreError('bad_request', 'Give from or days, not both');
  const end = to ?? now;
  const start = from ?? new Date(end.getTime() - (days ?? DEFAULT_PERIOD_DAYS) * DAY_MS);
  if (start.getTime() >= end.getTime()) throw new SobreError('bad_request', `Invalid period: from (${start.toISOString()}) must be before to (${end.toISOString()})`);
  if (end.getTime() - start.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw new SobreError('bad_request', `Invalid period: longer than ${MAX_PERIOD_DAYS} days`);
  }
  return { from: start, to: end };
}
