/**
 * The ledger's rows in SQLite: `ledger_questions` (one row per question) and the running
 * completion statistics, in the data folder's `sobre.db` on a connection of its own.
 */
import path from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { SobreError } from '../errors';
import { DATABASE_FILE, openDatabase } from '../sqlite/database';
import { migrate } from '../sqlite/migrate';
import type { CompletionStats } from './estimate';
import { INSERT_SQL, selectRows, toDbParams } from './rows';
import { LEDGER_MIGRATIONS } from './schema';
import type { LedgerStore } from './store';
import type { LedgerRow } from './types';

/** The ledger's schema version in a database opened read-only (0 when it has no ledger yet). */
function readLedgerVersion(db: Database): number {
  try {
    const row = db.prepare("SELECT version FROM schema_versions WHERE component = 'ledger'").get() as { version: number } | undefined;
    return row?.version ?? 0;
  } catch {
    return 0;
  }
}

export class SqliteLedgerStore implements LedgerStore {
  readonly writable: boolean;
  private readonly insertRow: Statement | null;
  private readonly readStats: Statement | null;
  private readonly addCompletion: Statement | null;

  private constructor(
    private readonly db: Database,
    /** False when a read-only database has no ledger tables yet: it reads as empty. */
    private readonly hasTables: boolean,
    private readonly ownsDb: boolean,
  ) {
    this.writable = !db.readonly;
    this.insertRow = this.writable ? db.prepare(INSERT_SQL) : null;
    this.readStats = hasTables ? db.prepare('SELECT calls, tokens FROM ledger_completion_stats WHERE id = 1') : null;
    this.addCompletion = this.writable ? db.prepare('UPDATE ledger_completion_stats SET calls = calls + 1, tokens = tokens + ? WHERE id = 1') : null;
  }

  /** The ledger in `<dataDir>/sobre.db`; read-only for reports (no migration, no writes). */
  static open(dataDir: string, { readonly = false }: { readonly?: boolean } = {}): SqliteLedgerStore {
    return SqliteLedgerStore.onDatabase(openDatabase(path.join(dataDir, DATABASE_FILE), { readonly }), true);
  }

  /** On a database the caller opened (and closes, unless `owns`): migrated unless read-only. */
  static onDatabase(db: Database, owns = false): SqliteLedgerStore {
    try {
      let hasTables = true;
      if (db.readonly) {
        const version = readLedgerVersion(db);
        if (version > LEDGER_MIGRATIONS.length) {
          throw new SobreError('store_inconsistent', `The ledger schema is version ${version}, newer than this Sobre knows (${LEDGER_MIGRATIONS.length}): upgrade Sobre`);
        }
        hasTables = version > 0;
      } else {
        migrate(db, 'ledger', LEDGER_MIGRATIONS);
      }
      return new SqliteLedgerStore(db, hasTables, owns);
    } catch (e) {
      if (owns) db.close();
      throw e;
    }
  }

  async insert(row: Omit<LedgerRow, 'id'>, completionTokens: number | null): Promise<number> {
    const { insertRow, addCompletion } = this;
    if (!insertRow || !addCompletion) throw new SobreError('internal', 'The ledger was opened read-only');
    return this.db.transaction(() => {
      const id = Number(insertRow.run(toDbParams(row)).lastInsertRowid);
      if (completionTokens !== null) addCompletion.run(completionTokens);
      return id;
    })();
  }

  async completionStats(): Promise<CompletionStats> {
    return (this.readStats?.get() as CompletionStats | undefined) ?? { calls: 0, tokens: 0 };
  }

  async rows(fromMs: number, toMs: number): Promise<LedgerRow[]> {
    return this.hasTables ? selectRows(this.db, fromMs, toMs) : [];
  }

  async purgeQuestionText(beforeMs: number): Promise<number> {
    if (!this.writable) return 0;
    return this.db.prepare('UPDATE ledger_questions SET question_text = NULL WHERE question_text IS NOT NULL AND at_ms < ?').run(beforeMs).changes;
  }

  async close(): Promise<void> {
    if (this.ownsDb && this.db.open) this.db.close();
  }
}
