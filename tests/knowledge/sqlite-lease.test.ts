/**
 * The SQLite write lease's timing, with a short TTL (the contract suite covers waiting, giving up
 * and a dead holder): a holder that renews keeps it past its TTL; one that stops renewing on
 * another host (where its pid cannot be checked) loses it when it lapses.
 */
import path from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import { STORE_MIGRATIONS } from '../../src/knowledge/sqlite/schema';
import { openKnowledge } from '../../src/knowledge';
import { SqliteWriteLease } from '../../src/knowledge/sqlite/write-lease';
import type { Knowledge, LeaseHolder } from '../../src/knowledge/types';
import { openDatabase } from '../../src/sqlite/database';
import { migrate } from '../../src/sqlite/migrate';
import { HashEmbedder } from '../helpers/hash-embedder';
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
    const [a, b] = dbs.map((db) => new SqliteWriteLease(db, undefined, TIMING));
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
    const release = await new SqliteWriteLease(dbs[1], undefined, TIMING).acquire({ onWait: (h) => told.push(h) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMING.ttlMs - 50);
    expect(told.map((h) => h.description)).toEqual(['npm run ingest pid 42 on elsewhere']);
    await release();
    expect(dbs[0].prepare('SELECT COUNT(*) FROM write_lease').pluck().get()).toBe(0);
  });
});

describe('SQLite knowledge under a write lease', () => {
  const embedder = new HashEmbedder(32);
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));
  const open = () => openKnowledge({ dataDir: dir, hnswM: 16, hnswEfConstruction: 100, hnswEfSearch: 64 }, embedder);
  const commit = async (k: Knowledge, source: string) => {
    const text = `The ${source} text.`;
    const [vector] = await embedder.embed([text]);
    return k.commitDocument({ source, name: source, title: source, format: 'md', contentHash: `c:${source}`, size: 1 }, [{ ordinal: 0, hash: `h:${source}`, text, start: 0, end: text.length }], new Map([[`h:${source}`, vector]]));
  };

  it('a holder whose lease another writer took (it stalled past the expiry) commits nothing', async () => {
    const k = await open();
    try {
      const release = await k.writeLease({ holder: 'stalled ingest' });
      await commit(k, '/a.md');
      // What a writer elsewhere does once the stalled holder's row has expired: take it over.
      const db = openDatabase(path.join(dir, 'sobre.db'));
      db.prepare("UPDATE write_lease SET token = 'theirs', holder = 'npm run ingest pid 7 on elsewhere'").run();
      db.close();
      const before = (await k.stats()).documents;
      await expect(commit(k, '/b.md')).rejects.toMatchObject({ code: 'lease_lost' });
      await expect(k.deleteDocument(1)).rejects.toMatchObject({ code: 'lease_lost' });
      expect((await k.stats()).documents).toBe(before);
      expect(await k.findDocument('/b.md')).toBeUndefined();
      await release();
    } finally {
      await k.close();
    }
  });

  it('closing gives back a lease still held', async () => {
    const k = await open();
    await k.writeLease({ holder: 'forgetful' });
    await k.close();
    const other = await open();
    try {
      const started = Date.now();
      await (await other.writeLease())();
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await other.close();
    }
  });
});
