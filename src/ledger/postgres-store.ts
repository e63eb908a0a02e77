/**
 * The ledger's rows in PostgreSQL: the same `ledger_questions` and completion statistics as the
 * SQLite store (`sqlite-store.ts`), shared by every Sobre instance, so the report counts each
 * instance's questions once. Selected with SOBRE_DATABASE_URL (see `open-store.ts`).
 */
import { SobreError } from '../errors';
import { PgDatabase } from '../postgres/database';
import { migratePg, readVersion, type PgMigration } from '../postgres/migrate';
import type { CompletionStats } from './estimate';
import { fromDbRow, toDbParams } from './rows';
import type { LedgerStore } from './store';
import type { LedgerRow } from './types';

/** Never edit a shipped step: append. Columns match `schema.ts` (JSON kept as text, read by `rows.ts`). */
export const LEDGER_PG_MIGRATIONS: readonly PgMigration[] = [
  `
  CREATE TABLE ledger_questions (
    id BIGSERIAL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    route TEXT NOT NULL,
    call_status TEXT NOT NULL,
    confidence DOUBLE PRECISION,
    question_text TEXT,
    question_sha256 TEXT NOT NULL,
    stage_ms TEXT NOT NULL,
    cited_chunk_ids TEXT NOT NULL,
    llm_basis TEXT,
    llm_kind TEXT,
    llm_model TEXT,
    llm_params_b DOUBLE PRECISION,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    token_source TEXT,
    flops DOUBLE PRECISION,
    llm_energy_source TEXT,
    llm_latency_ms DOUBLE PRECISION,
    wh_low DOUBLE PRECISION, wh_mid DOUBLE PRECISION, wh_high DOUBLE PRECISION,
    gco2e_low DOUBLE PRECISION, gco2e_mid DOUBLE PRECISION, gco2e_high DOUBLE PRECISION,
    water_l_low DOUBLE PRECISION, water_l_mid DOUBLE PRECISION, water_l_high DOUBLE PRECISION,
    path_cpu_ms DOUBLE PRECISION NOT NULL,
    path_wh DOUBLE PRECISION NOT NULL,
    path_gco2e DOUBLE PRECISION NOT NULL,
    path_water_l DOUBLE PRECISION NOT NULL,
    path_energy_source TEXT NOT NULL,
    generator_error TEXT,
    method TEXT NOT NULL
  );
  CREATE INDEX ledger_questions_at ON ledger_questions (at_ms);
  CREATE TABLE ledger_completion_stats (id INTEGER PRIMARY KEY CHECK (id = 1), calls BIGINT NOT NULL, tokens BIGINT NOT NULL);
  INSERT INTO ledger_completion_stats (id, calls, tokens) VALUES (1, 0, 0);
  `,
  // Embodied (hardware manufacturing) impacts of the LLM call, apart from usage; NULL on older rows.
  ['embodied_gco2e', 'embodied_adpe_kg_sb', 'embodied_pe_mj']
    .flatMap((metric) => ['low', 'mid', 'high'].map((bound) => `ALTER TABLE ledger_questions ADD COLUMN ${metric}_${bound} DOUBLE PRECISION;`))
    .join('\n'),
];

type DbRow = Parameters<typeof fromDbRow>[0];

export class PostgresLedgerStore implements LedgerStore {
  private constructor(
    private readonly db: PgDatabase,
    readonly writable: boolean,
    /** False when a read-only store finds no ledger tables yet: it reads as empty. */
    private readonly hasTables: boolean,
  ) {}

  /** The ledger in `schema`; read-only for reports (no migration, no writes). */
  static async open(url: string, schema: string, { readonly = false }: { readonly?: boolean } = {}): Promise<PostgresLedgerStore> {
    const db = await PgDatabase.open(url, schema, { max: 4, createSchema: !readonly });
    try {
      if (!readonly) {
        await migratePg(db, 'ledger', LEDGER_PG_MIGRATIONS);
        return new PostgresLedgerStore(db, true, true);
      }
      const version = await db.transaction((q) => readVersion(q, 'ledger'));
      if (version > LEDGER_PG_MIGRATIONS.length) {
        throw new SobreError('store_inconsistent', `The ledger schema in ${db.location} is version ${version}, newer than this Sobre knows (${LEDGER_PG_MIGRATIONS.length}): upgrade Sobre`);
      }
      return new PostgresLedgerStore(db, false, version > 0);
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  async insert(row: Omit<LedgerRow, 'id'>, completionTokens: number | null): Promise<number> {
    if (!this.writable) throw new SobreError('internal', 'The ledger was opened read-only');
    const params = toDbParams(row);
    const columns = Object.keys(params);
    return this.db.transaction(async (q) => {
      const [{ id }] = await q.query<{ id: number }>(
        `INSERT INTO ledger_questions (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
        Object.values(params),
      );
      if (completionTokens !== null) await q.query('UPDATE ledger_completion_stats SET calls = calls + 1, tokens = tokens + $1 WHERE id = 1', [completionTokens]);
      return id;
    });
  }

  async completionStats(): Promise<CompletionStats> {
    if (!this.hasTables) return { calls: 0, tokens: 0 };
    const rows = await this.db.query<CompletionStats>('SELECT calls, tokens FROM ledger_completion_stats WHERE id = 1');
    return rows[0] ?? { calls: 0, tokens: 0 };
  }

  async rows(fromMs: number, toMs: number): Promise<LedgerRow[]> {
    if (!this.hasTables) return [];
    const rows = await this.db.query<DbRow>('SELECT * FROM ledger_questions WHERE at_ms >= $1 AND at_ms < $2 ORDER BY at_ms, id', [fromMs, toMs]);
    return rows.map(fromDbRow);
  }

  async purgeQuestionText(beforeMs: number): Promise<number> {
    if (!this.writable) return 0;
    const rows = await this.db.query('UPDATE ledger_questions SET question_text = NULL WHERE question_text IS NOT NULL AND at_ms < $1 RETURNING id', [beforeMs]);
    return rows.length;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
