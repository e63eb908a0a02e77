/**
 * The ledger's tables (its own migrations, run with `migrate(db, 'ledger', LEDGER_MIGRATIONS)`).
 * One row per question; the estimate is flattened into columns so plain SQL can sum it, and the
 * method snapshot (version + every constant) is a JSON column. Never edit a shipped step: append.
 */
import type { Migration } from '../sqlite/migrate';

export const LEDGER_MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE ledger_questions (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        route TEXT NOT NULL,
        call_status TEXT NOT NULL,
        confidence REAL,
        question_text TEXT,
        question_sha256 TEXT NOT NULL,
        stage_ms TEXT NOT NULL,
        cited_chunk_ids TEXT NOT NULL,
        llm_basis TEXT,
        llm_kind TEXT,
        llm_model TEXT,
        llm_params_b REAL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        token_source TEXT,
        flops REAL,
        llm_energy_source TEXT,
        llm_latency_ms REAL,
        wh_low REAL, wh_mid REAL, wh_high REAL,
        gco2e_low REAL, gco2e_mid REAL, gco2e_high REAL,
        water_l_low REAL, water_l_mid REAL, water_l_high REAL,
        path_cpu_ms REAL NOT NULL,
        path_wh REAL NOT NULL,
        path_gco2e REAL NOT NULL,
        path_water_l REAL NOT NULL,
        path_energy_source TEXT NOT NULL,
        generator_error TEXT,
        method TEXT NOT NULL
      );
      CREATE INDEX ledger_questions_at ON ledger_questions (at_ms);
      CREATE TABLE ledger_completion_stats (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        calls INTEGER NOT NULL,
        tokens INTEGER NOT NULL
      );
      INSERT INTO ledger_completion_stats (id, calls, tokens) VALUES (1, 0, 0);
    `);
  },
  // Embodied (hardware manufacturing) impacts of the LLM call, apart from usage; NULL on older rows.
  (db) => {
    for (const metric of ['embodied_gco2e', 'embodied_adpe_kg_sb', 'embodied_pe_mj']) {
      for (const bound of ['low', 'mid', 'high']) db.exec(`ALTER TABLE ledger_questions ADD COLUMN ${metric}_${bound} REAL`);
    }
  },
];
