/** src/postgres/: migrations, notifications and an unreachable server, on a real PostgreSQL. */
import { Client } from 'pg';
import { PgDatabase } from '../../src/postgres/database';
import { migratePg } from '../../src/postgres/migrate';
import { notifyIn, PgListener } from '../../src/postgres/notify';
import { describePostgres, dropSchema, freshSchema } from '../helpers/postgres';

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describePostgres('PostgreSQL plumbing', (server) => {
  let schema: string;
  const open: PgDatabase[] = [];
  const db = async (s = schema) => {
    const d = await PgDatabase.open(server(), s);
    open.push(d);
    return d;
  };
  beforeEach(() => {
    schema = freshSchema();
  });
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    await dropSchema(server(), schema);
  });

  test('migrations run once each, also when two instances start together, and a newer schema is refused', async () => {
    const steps = ['CREATE TABLE a (x INT)', 'INSERT INTO a VALUES (1)', async (q: { query(sql: string): Promise<unknown> }) => void (await q.query('INSERT INTO a VALUES (2)'))];
    const [one, two] = [await db(), await db()];
    expect(await Promise.all([migratePg(one, 'demo', steps), migratePg(two, 'demo', steps)])).toEqual([3, 3]);
    expect(await one.query('SELECT x FROM a ORDER BY x')).toEqual([{ x: 1 }, { x: 2 }]);
    expect(await one.query("SELECT version FROM schema_versions WHERE component = 'demo'")).toEqual([{ version: 3 }]);
    await migratePg(one, 'other', ['CREATE TABLE b (y INT)']);
    await expect(migratePg(one, 'demo', steps.slice(0, 2))).rejects.toMatchObject({ code: 'store_inconsistent', message: expect.stringMatching(/version 3, newer .* \(2\)/) });
  });

  test('a notification arrives at commit, never for a rolled-back transaction, and only for its schema', async () => {
    const d = await db();
    const got: string[] = [];
    const listener = new PgListener(server(), schema);
    listener.on('topic', (p) => got.push(p));
    listener.on('elsewhere', (p) => got.push(`wrong topic ${p}`));
    await listener.start();
    try {
      await expect(d.transaction(async (q) => {
        await notifyIn(q, schema, 'topic', 'rolled back');
        throw new Error('abort');
      })).rejects.toThrow('abort');
      await d.transaction((q) => notifyIn(q, 'another_schema', 'topic', 'other schema'));
      await d.transaction((q) => notifyIn(q, schema, 'topic', 'one\ttwo'));
      await until('the notification', () => got.length > 0);
      await new Promise((r) => setTimeout(r, 200));
      expect(got).toEqual(['one\ttwo']);
    } finally {
      await listener.close();
    }
  });

  test('a listener whose connection is cut reconnects by itself and says so', async () => {
    const d = await db();
    const events: { payload: string; reconnected: boolean }[] = [];
    const listener = new PgListener(server(), schema);
    listener.on('topic', (payload, reconnected) => events.push({ payload, reconnected }));
    await listener.start();
    try {
      const admin = new Client({ connectionString: server() });
      await admin.connect();
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sobre-listener' AND query ILIKE 'LISTEN%'");
      await admin.end();
      await until('the reconnection', () => events.some((e) => e.reconnected));
      await d.transaction((q) => notifyIn(q, schema, 'topic', 'after'));
      await until('a notification after reconnecting', () => events.some((e) => e.payload === 'after'));
      expect(listener.connected).toBe(true);
    } finally {
      await listener.close();
    }
  });

  test('a server that cannot be reached is database_unavailable, with the URL but not the password', async () => {
    const url = 'postgres://sobre:secret-pw@127.0.0.1:1/sobre';
    const e = await PgDatabase.open(url, 'sobre').catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'database_unavailable', message: expect.stringContaining('postgres://sobre@127.0.0.1:1/sobre') });
    expect(String((e as Error).message)).not.toContain('secret-pw');
  });

  test('bad settings are refused before connecting', async () => {
    await expect(PgDatabase.open(server(), 'Bad-Name')).rejects.toMatchObject({ code: 'bad_config' });
    await expect(PgDatabase.open('mysql://x@y/z', 'sobre')).rejects.toMatchObject({ code: 'bad_config' });
  });
});
