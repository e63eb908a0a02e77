/**
 * Copying a SQLite ledger (`ledger_questions` and the completion statistics) into PostgreSQL,
 * ids kept, inside the caller's transaction; the target must be empty. Used by `npm run migrate`.
 */
import type { Database } from 'better-sqlite3';
import type { Queryable } from '../postgres/database';

const BATCH = 200;

export async function copyLedger(source: Database, q: Queryable): Promise<number> {
  const has = source.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_questions'").get() !== undefined;
  if (!has) return 0;
  let n = 0;
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const columns = Object.keys(batch[0]);
    const values = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
    await q.query(`INSERT INTO ledger_questions (${columns.join(', ')}) VALUES ${values.join(', ')}`, batch.flatMap((row) => columns.map((c) => row[c])));
    n += batch.length;
    batch = [];
  };
  for (const row of source.prepare('SELECT * FROM ledger_questions ORDER BY id').iterate() as IterableIterator<Record<string, unknown>>) {
    batch.push(row);
    if (batch.length === BATCH) await flush();
  }
  await flush();
  const stats = source.prepare('SELECT calls, tokens FROM ledger_completion_stats WHERE id = 1').get() as { calls: number; tokens: number } | undefined;
  if (stats) await q.query('UPDATE ledger_completion_stats SET calls = $1, tokens = $2 WHERE id = 1', [stats.calls, stats.tokens]);
  await q.query("SELECT setval(pg_get_serial_sequence('ledger_questions', 'id'), GREATEST((SELECT MAX(id) FROM ledger_questions), 1))");
  return n;
}
