/**
 * Copying a SQLite ledger (`ledger_questions` and the completion statistics) into PostgreSQL,
 * ids kept, inside the caller's transaction; the target must be empty. Used by `npm run migrate`.
 */
import type { Database } from 'better-sqlite3';
import { copyTable, hasTable } from '../postgres/copy';
import type { Queryable } from '../postgres/database';

export async function copyLedger(source: Database, q: Queryable): Promise<number> {
  if (!hasTable(source, 'ledger_questions')) return 0;
  const n = await copyTable(source, q, 'ledger_questions', 'id');
  const stats = source.prepare('SELECT calls, tokens FROM ledger_completion_stats WHERE id = 1').get() as { calls: number; tokens: number } | undefined;
  if (stats) await q.query('UPDATE ledger_completion_stats SET calls = $1, tokens = $2 WHERE id = 1', [stats.calls, stats.tokens]);
  await q.query("SELECT setval(pg_get_serial_sequence('ledger_questions', 'id'), GREATEST((SELECT MAX(id) FROM ledger_questions), 1))");
  return n;
}
