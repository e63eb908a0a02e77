/**
 * The labels stage's tables (its own migrations: `migrate(db, 'labels', LABEL_MIGRATIONS)`).
 * Never edit a shipped step: append.
 */
import type { Migration } from '../sqlite/migrate';

export const LABEL_MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE label_observations (
        answer_id TEXT PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        question_text TEXT,
        question_sha256 TEXT NOT NULL,
        route TEXT NOT NULL,
        ruled_out TEXT,
        probability REAL,
        threshold REAL NOT NULL,
        calibration_id INTEGER NOT NULL,
        audit INTEGER NOT NULL,
        candidate TEXT,
        features TEXT
      );
      CREATE INDEX label_observations_at ON label_observations (at_ms);
      CREATE INDEX label_observations_audit ON label_observations (calibration_id) WHERE audit = 1;
      CREATE TABLE labels (
        answer_id TEXT NOT NULL REFERENCES label_observations (answer_id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        by_key TEXT NOT NULL,
        correct INTEGER NOT NULL,
        weight REAL NOT NULL,
        at_ms INTEGER NOT NULL,
        PRIMARY KEY (answer_id, source, by_key)
      );
      CREATE TABLE label_skips (
        answer_id TEXT NOT NULL REFERENCES label_observations (answer_id) ON DELETE CASCADE,
        by_key TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        PRIMARY KEY (answer_id, by_key)
      );
      CREATE TABLE label_calibrations (
        id INTEGER PRIMARY KEY,
        created_at_ms INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 0,
        origin TEXT NOT NULL,
        labels INTEGER NOT NULL,
        base_sha256 TEXT NOT NULL,
        note TEXT NOT NULL,
        guard_target REAL,
        json TEXT NOT NULL
      );
      CREATE UNIQUE INDEX label_calibrations_one_active ON label_calibrations (active) WHERE active = 1;
      CREATE TABLE label_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        labels_at_last_refit INTEGER NOT NULL,
        file_guard_target REAL
      );
      INSERT INTO label_state (id, labels_at_last_refit) VALUES (1, 0);
    `);
  },
  // The language the question was judged in: a refit learns one language's section only.
  (db) => {
    db.exec("ALTER TABLE label_observations ADD COLUMN language TEXT NOT NULL DEFAULT 'en'");
  },
];
