/**
 * The SQLite write lease's timing, with a short TTL (the contract suite covers waiting, giving up
 * and a dead holder): a holder that renews keeps it past its TTL; one that stops renewing on
 * another host (where its pid cannot be checked) loses it when it lapses.
 */
import path from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import { STORE_MIGRATIONS } from '../../src/knowledge/sqlite/schema';
import { SqliteWriteLease } from '../../src/knowledge/sqlite/write-lease';
import type { LeaseHolder } from '../../src/knowledge/types';
import { openDatabase } from '../../src/sqlite/database';
import { migrate } from '../../src/sqlite/migrate';
import { makeTempDir, removeDir } from '../helpers/temp';

const TIMING = { ttlMs: 300, renewMs: 50 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SQLite write lease timing', () => {
  let dir: string;
  let dbs: Db[];
  beforeEach(() => {
    dir = makeTempDir();
    const file = path.join(dir, 'sobre.db');
    dbs = [openDatabase(file), openDatabase(file)];
    migrate(dbs[0], 'store', STORE_MIGRATIONS);
  });
  afterEach(() => {
    for (const db of dbs) db.close();
    removeDir(dir);
  });

  it('a holder that renews keeps the lease long past its TTL', async () => {
    const [a, b] = dbs.map((db) => new SqliteWriteLease(db, TIMING));
    const release = await a.acquire({ holder: 'long ingest' });
    let taken = false;
    const waiting = b.acquire().then((r) => ((taken = true), r));
    await sleep(5 * TIMING.ttlMs);
    expect(taken).toBe(false);
    await release();
    await (await waiting)();
    expect(taken).toBe(true);
  });

  it('a holder on another host that stops renewing loses the lease when it lapses', async () => {
    dbs[0].prepare('INSERT INTO write_lease (id, token, holder, pid, host, expires_ms) VALUES (1, ?, ?, ?, ?, ?)')
      .run('gone', 'npm run ingest pid 42 on elsewhere', 42, 'elsewhere.invalid', Date.now() + TIMING.ttlMs);
    const told: LeaseHolder[] = [];
    const started = Date.now();
    const release = await new SqliteWriteLease(dbs[1], TIMING).acquire({ onWait: (h) => told.push(h) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMING.ttlMs - 50);
    expect(told.map((h) => h.description)).toEqual(['npm run ingest pid 42 on elsewhere']);
    await release();
    expect(dbs[0].prepare('SELECT COUNT(*) FROM write_lease').pluck().get()).toBe(0);
  });
});
