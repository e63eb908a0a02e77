/**
 * The labels stage: what the router saw for each question (an observation), what people and the
 * generator said about its candidate answer (labels), and the calibrations learned from them.
 * `LabelStore` is the only way to them: SQLite (`sqlite-store.ts`) or PostgreSQL (`postgres-store.ts`),
 * chosen by `openLabelStore` (`open-store.ts`).
 */

/** Reviewer (the /review page) > feedback (a client's thumbs) > generator (agreement with the generated answer). */
export type LabelSource = 'reviewer' | 'feedback' | 'generator';

import type { StemLanguage } from '../text/tokens';

/** The router's candidate answer: the sentence (or two) it would answer with, and its passage. */
export interface CandidateAnswer {
  chunkId: number;
  documentId: number;
  title: string;
  source: string;
  /** The passage text and its offset in the document's cleaned text. */
  passage: string;
  passageStart: number;
  /** Document offsets of the sentence, and the answer text given when it goes direct. */
  sentenceStart: number;
  sentenceEnd: number;
  answer: string;
  shortAnswer: { text: string; start: number; end: number } | null;
  /** For a known question's answer (routes faq, curated, cache): the known question it matched. */
  matched?: { question: string; kind: string; probability: number };
}

export interface Observation {
  /** uuid, returned to the client as `answerId`. */
  answerId: string;
  at: Date;
  /** Null when SOBRE_LEDGER_STORE_QUESTIONS=hash or once past the retention period. */
  question: string | null;
  questionSha256: string;
  /** The route the answer took (direct, generate, passages, abstain). */
  route: string;
  /** The rule that decided before the model (abstain, needs reasoning), or null. */
  ruledOut: string | null;
  probability: number | null;
  threshold: number;
  /** The stored calibration in force (0: the calibration file). */
  calibrationId: number;
  /** Flagged at answer time for the uniform audit sample of direct answers (and of known-question hits). */
  audit: boolean;
  candidate: CandidateAnswer | null;
  /** The confidence model's features, by name. */
  features: Record<string, number> | null;
  /** The language the question was matched and judged in (its calibration section). */
  language: StemLanguage;
}

export interface Label {
  answerId: string;
  correct: boolean;
  source: LabelSource;
  weight: number;
  /** Key name of who labelled (null for the generator). One label per answer, source and key. */
  by: string | null;
  at: Date;
}

export interface LabelledObservation {
  observation: Observation;
  labels: Label[];
}

export interface CalibrationRecord {
  id: number;
  createdAt: Date;
  active: boolean;
  /** How it was made: `labels` (a refit) or `file` (imported). */
  origin: string;
  /** Labelled questions it was fitted on. */
  labels: number;
  /** sha256 of the calibration file it was fitted from: another file makes it stale. */
  baseSha256: string;
  /** One line on how it was fitted or why it was made. */
  note: string;
  /** Raised by the live-precision guard (null: not raised). */
  guardTarget: number | null;
}

export interface AuditCounts {
  /** Direct answers flagged for audit and reviewed (skips excluded), correct among them. */
  reviewed: number;
  correct: number;
  /** Flagged and not reviewed yet (question text still kept). */
  pending: number;
  skipped: number;
}

export interface LabelStore {
  readonly writable: boolean;
  addObservation(o: Observation): Promise<void>;
  observation(answerId: string): Promise<Observation | null>;
  /** Insert or replace the label of (answer, source, by). False when no such observation. */
  addLabel(label: Label): Promise<boolean>;
  /** A reviewer passed on this answer: it is not shown to them again. */
  addSkip(answerId: string, by: string, at: Date): Promise<void>;
  /** Labels stored so far (all sources): the refit trigger's clock. */
  labelCount(): Promise<number>;
  /** Every observation with features and at least one label. */
  labelled(): Promise<LabelledObservation[]>;
  /** Audit-flagged direct answers of a calibration, reviewed or not. */
  auditCounts(calibrationId: number): Promise<AuditCounts>;
  /** Reviewed audit-flagged known-question hits (routes faq, curated, cache), by route, all calibrations. */
  knownAuditCounts(): Promise<Record<string, AuditCounts>>;
  /** Flagged direct answers and known-question hits with a question, no reviewer label, not skipped by `by`: a random few. */
  pendingAudit(by: string, limit: number): Promise<Observation[]>;
  /**
   * The latest observations with a question and a candidate, no reviewer label, not skipped by
   * `by`, and not flagged for audit (those are reviewed only in random order, so the audit stays uniform).
   */
  unreviewed(by: string, limit: number): Promise<Observation[]>;
  /** Store a calibration (JSON) and return its id; `activate` makes it the one in force. */
  addCalibration(record: Omit<CalibrationRecord, 'id' | 'active' | 'guardTarget'>, json: string, activate: boolean): Promise<number>;
  /** Make `id` the calibration in force (0: none, the calibration file). False for an unknown id. */
  activate(id: number): Promise<boolean>;
  calibrations(): Promise<CalibrationRecord[]>;
  /** The calibration in force (id 0: none stored, the calibration file) and its guard. Cheap: polled. */
  activeState(): Promise<{ id: number; guardTarget: number | null }>;
  calibration(id: number): Promise<{ record: CalibrationRecord; json: string } | null>;
  /** Raise the guard of a calibration (0: the calibration file) to `target`; never lowers it. */
  raiseGuard(id: number, target: number): Promise<void>;
  /**
   * Claim the next automatic refit: true (once, for one caller across processes) when at least
   * `every` labels arrived since the last claim.
   */
  claimRefit(every: number): Promise<boolean>;
  purgeQuestionText(beforeMs: number): Promise<number>;
  close(): Promise<void>;
}
