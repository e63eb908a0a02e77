/**
 * Copying a SQLite table into the PostgreSQL table of the same name and columns, in batches,
 * inside the caller's transaction (`npm run migrate`). PostgreSQL converts each value from its
 * text form to the column's type (SQLite's 0/1 flags become booleans).
 */
import type { Database } from 'better-sqlite3';
import type { Queryable } from './database';

const BATCH = 200;

export function hasTable(source: Database, table: string): boolean {
  return source.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
}

/** Every row of `table` (in `orderBy` order, when given); returns how many. */
export async function copyTable(source: Database, q: Queryable, table: string, orderBy = ''): Promise<number> {
  let n = 0;
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const columns = Object.keys(batch[0]);
    const values = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
    await q.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, batch.flatMap((row) => columns.map((c) => row[c])));
    n += batch.length;
    batch = [];
  };
  for (const row of source.prepare(`SELECT * FROM ${table}${orderBy ? ` ORDER BY ${orderBy}` : ''}`).iterate() as IterableIterator<Record<string, unknown>>) {
    batch.push(row);
    if (batch.length === BATCH) await flush();
  }
  await flush();
  return n;
}
