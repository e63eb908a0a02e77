/**
 * The labels tables' rows as both stores read them (SQLite keeps flags as 0/1, PostgreSQL as
 * booleans; JSON as text in both), and their conversion to the stage's types.
 */
import { KNOWN_KINDS } from '../knowledge/types';
import type { AuditCounts, CalibrationRecord, Label, LabelSource, Observation } from './types';

export interface ObservationRow {
  answer_id: string;
  at_ms: number;
  question_text: string | null;
  question_sha256: string;
  route: string;
  ruled_out: string | null;
  probability: number | null;
  threshold: number;
  calibration_id: number;
  audit: number | boolean;
  candidate: string | null;
  features: string | null;
  language: string;
}

export interface LabelRow {
  answer_id: string;
  source: string;
  by_key: string;
  correct: number | boolean;
  weight: number;
  at_ms: number;
}

export interface CalibrationRow {
  id: number;
  created_at_ms: number;
  active: number | boolean;
  origin: string;
  labels: number;
  base_sha256: string;
  note: string;
  guard_target: number | null;
}

/** Known-question routes: their flagged hits are audited apart from the router's direct answers. */
const sqlList = (routes: readonly string[]): string => `(${routes.map((r) => `'${r}'`).join(', ')})`;
export const KNOWN_ROUTES_SQL = sqlList(KNOWN_KINDS);
export const AUDITED_ROUTES_SQL = sqlList(['direct', ...KNOWN_KINDS]);
/** The counts of a route with no flagged answer. */
export const NO_AUDITS: Readonly<AuditCounts> = { reviewed: 0, correct: 0, pending: 0, skipped: 0 };

export const RECORD_COLUMNS = 'id, created_at_ms, active, origin, labels, base_sha256, note, guard_target';

/** An unbounded threshold (no direct answer) is stored as the largest double both engines keep. */
export function storedThreshold(threshold: number): number {
  return Number.isFinite(threshold) ? threshold : 1e308;
}

/** An observation's column values, in the tables' column order (the flag as 0/1: PostgreSQL reads '1' as true). */
export function observationValues(o: Observation): unknown[] {
  return [
    o.answerId, o.at.getTime(), o.question, o.questionSha256, o.route, o.ruledOut, o.probability, storedThreshold(o.threshold), o.calibrationId,
    o.audit ? 1 : 0, o.candidate ? JSON.stringify(o.candidate) : null, o.features ? JSON.stringify(o.features) : null, o.language,
  ];
}

/** The observation columns, in `observationValues`' order. */
export const OBSERVATION_COLUMNS = 'answer_id, at_ms, question_text, question_sha256, route, ruled_out, probability, threshold, calibration_id, audit, candidate, features, language';

function storedLanguage(s: string): Observation['language'] {
  return s === 'fr' ? 'fr' : 'en';
}

export function toObservation(r: ObservationRow): Observation {
  return {
    answerId: r.answer_id, at: new Date(r.at_ms), question: r.question_text, questionSha256: r.question_sha256, route: r.route,
    ruledOut: r.ruled_out, probability: r.probability, threshold: r.threshold, calibrationId: r.calibration_id, audit: Boolean(r.audit),
    candidate: r.candidate === null ? null : (JSON.parse(r.candidate) as Observation['candidate']),
    features: r.features === null ? null : (JSON.parse(r.features) as Record<string, number>),
    language: storedLanguage(r.language),
  };
}

export function toLabel(r: LabelRow): Label {
  return { answerId: r.answer_id, source: r.source as LabelSource, by: r.by_key === '' ? null : r.by_key, correct: Boolean(r.correct), weight: r.weight, at: new Date(r.at_ms) };
}

export function toRecord(r: CalibrationRow): CalibrationRecord {
  return {
    id: r.id, createdAt: new Date(r.created_at_ms), active: Boolean(r.active), origin: r.origin, labels: r.labels,
    baseSha256: r.base_sha256, note: r.note, guardTarget: r.guard_target,
  };
}

/** Every observation's labels, by answer id. */
export function labelsById(rows: readonly LabelRow[]): Map<string, Label[]> {
  const byId = new Map<string, Label[]>();
  for (const l of rows) {
    const list = byId.get(l.answer_id) ?? [];
    list.push(toLabel(l));
    byId.set(l.answer_id, list);
  }
  return byId;
}
