/**
 * The labels stage's tables in PostgreSQL (`migratePg(db, 'labels', LABEL_PG_MIGRATIONS)`): the
 * same tables and columns as `schema.ts`, flags as booleans, JSON kept as text (read by `rows.ts`).
 * Never edit a shipped step: append.
 */
import type { PgMigration } from '../postgres/migrate';

export const LABEL_PG_MIGRATIONS: readonly PgMigration[] = [
  `
  CREATE TABLE label_observations (
    answer_id TEXT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    question_text TEXT,
    question_sha256 TEXT NOT NULL,
    route TEXT NOT NULL,
    ruled_out TEXT,
    probability DOUBLE PRECISION,
    threshold DOUBLE PRECISION NOT NULL,
    calibration_id BIGINT NOT NULL,
    audit BOOLEAN NOT NULL,
    candidate TEXT,
    features TEXT
  );
  CREATE INDEX label_observations_at ON label_observations (at_ms);
  CREATE INDEX label_observations_audit ON label_observations (calibration_id) WHERE audit;
  CREATE TABLE labels (
    answer_id TEXT NOT NULL REFERENCES label_observations (answer_id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    by_key TEXT NOT NULL,
    correct BOOLEAN NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (answer_id, source, by_key)
  );
  CREATE TABLE label_skips (
    answer_id TEXT NOT NULL REFERENCES label_observations (answer_id) ON DELETE CASCADE,
    by_key TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (answer_id, by_key)
  );
  CREATE TABLE label_calibrations (
    id BIGSERIAL PRIMARY KEY,
    created_at_ms BIGINT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT false,
    origin TEXT NOT NULL,
    labels INTEGER NOT NULL,
    base_sha256 TEXT NOT NULL,
    note TEXT NOT NULL,
    guard_target DOUBLE PRECISION,
    json TEXT NOT NULL
  );
  CREATE UNIQUE INDEX label_calibrations_one_active ON label_calibrations (active) WHERE active;
  CREATE TABLE label_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    labels_at_last_refit BIGINT NOT NULL,
    file_guard_target DOUBLE PRECISION
  );
  INSERT INTO label_state (id, labels_at_last_refit) VALUES (1, 0);
  `,
  "ALTER TABLE label_observations ADD COLUMN language TEXT NOT NULL DEFAULT 'en'",
];
