/**
 * SOBRE_WORKERS=2 on PostgreSQL: the compiled server as a real cluster (a primary, two serving
 * processes with USE-lite sharing one data folder and its replica) over a real PostgreSQL, with
 * an `npm run ingest` on another data folder (as from another machine) holding the write lease
 * while uploads arrive at both workers.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describePostgres, dropSchema, freshSchema } from '../helpers/postgres';
import { makeTempDir, removeDir } from '../helpers/temp';
import { formWith } from '../server/helpers';
import { REPO, spawnTestService, stopServer, type Spawned } from '../server/process-helpers';
import { ask, Client, clientsOnTwoWorkers, documentNames, expectUploadAnsweredElsewhere, note } from '../server/worker-clients';

const KEY = 'pg-workers-key-0123456789abcdef';

describePostgres('PostgreSQL with SOBRE_WORKERS', (server) => describe('two workers on PostgreSQL', () => {
  let root: string;
  let schema: string;
  let s: Spawned;
  let a: Client;
  let b: Client;

  beforeAll(async () => {
    root = makeTempDir('sobre-pg-workers-');
    schema = freshSchema();
    s = await spawnTestService(root, {
      SOBRE_WORKERS: '2',
      SOBRE_API_KEYS: `test:${KEY}`,
      SOBRE_RATE_LIMIT_KEY_PER_MIN: '0',
      SOBRE_DATABASE_URL: server(),
      SOBRE_DATABASE_SCHEMA: schema,
    });
    [a, b] = await clientsOnTwoWorkers(s.url, KEY);
  }, 300_000);

  afterAll(async () => {
    a?.close();
    b?.close();
    await stopServer(s);
    if (schema) await dropSchema(server(), schema);
    removeDir(root);
  });

  it('answers from the corpus on both workers', async () => {
    for (const c of [a, b]) {
      const r = await ask(c, 'What port does Sobre listen on by default?');
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.json.citations)).toContain('port.md');
    }
  });

  it('an upload through one worker is answered from by the other', async () => {
    await expectUploadAnsweredElsewhere(a, b);
  });

  it('uploads to both workers wait for an ingest elsewhere, then all commit', async () => {
    const docs = path.join(root, 'docs');
    fs.mkdirSync(docs);
    for (let i = 0; i < 16; i++) fs.writeFileSync(path.join(docs, `orchard-${i}.md`), note(`orchard ${i}`, `Orchard ${i} grows ${i + 2} kinds of quince in row ${i}. `.repeat(90)));
    let output = '';
    const ingest = spawn(process.execPath, [path.join(REPO, 'dist/scripts/ingest.js'), docs], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SOBRE_DATA_DIR: path.join(root, 'elsewhere'), SOBRE_DATABASE_URL: server(), SOBRE_DATABASE_SCHEMA: schema },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    ingest.stdout.on('data', (d: Buffer) => (output += d.toString()));
    ingest.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const ingested = new Promise<number | null>((resolve) => ingest.once('exit', resolve));
    const before = await documentNames(a);
    for (let i = 0; i < 1200 && !(await documentNames(a)).some((n) => n.startsWith('orchard-')) && ingest.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));

    // The ingest writes: uploads to both workers wait for its lease (as jobs), then commit one at a time.
    const clients = [a, b, a, b];
    const jobs = await Promise.all(clients.map(async (c, i) => {
      const form = formWith([{ name: `garden-${i}.md`, content: note(`garden ${i}`, `Garden ${i} grows ${i + 3} kinds of tulips along its northern wall. `.repeat(30)) }]);
      const r = await c.request('POST', '/v1/documents', { form }, { prefer: 'respond-async' });
      expect([r.status, r.json.status]).toEqual([202, 'queued']);
      return { c, id: String(r.json.id), worker: r.worker };
    }));
    expect(new Set(jobs.map((j) => j.worker)).size).toBe(2);
    expect(await ingested).toBe(0);
    expect(output).toMatch(/added 16, updated 0, unchanged 0, failed 0/);
    const views = [];
    for (const j of jobs) {
      let v: Record<string, unknown> = {};
      for (let i = 0; i < 600 && !['succeeded', 'failed', 'cancelled'].includes(String(v.status)); i++) {
        v = (await j.c.request('GET', `/v1/jobs/${j.id}`)).json;
        if (v.status !== 'succeeded') await new Promise((r) => setTimeout(r, 100));
      }
      views.push(v);
    }
    expect(views.map((v) => [v.status, (v.result as { files: { status: string }[] } | undefined)?.files[0].status])).toEqual(jobs.map(() => ['succeeded', 'added']));

    const listed = (await a.request('GET', '/v1/documents')).json.documents as { name: string; updatedAt: string }[];
    const lastIngestCommit = Math.max(...listed.filter((d) => d.name.startsWith('orchard-')).map((d) => Date.parse(d.updatedAt)));
    for (const v of views) expect(Date.parse(String(v.startedAt))).toBeGreaterThanOrEqual(lastIngestCommit);
    const expected = [...before, ...clients.map((_, i) => `garden-${i}.md`), ...Array.from({ length: 16 }, (_, i) => `orchard-${i}.md`)].sort();
    expect(await documentNames(a)).toEqual(expected);
    expect(await documentNames(b)).toEqual(expected);
    for (const c of [a, b]) {
      expect(JSON.stringify((await ask(c, 'How many kinds of quince does orchard 5 grow?')).json.citations)).toContain('orchard-5.md');
      expect(JSON.stringify((await ask(c, 'How many kinds of tulips does garden 2 grow?')).json.citations)).toContain('garden-2.md');
    }
    const logs = `${output}${s.stderr()}${JSON.stringify(s.lines)}`;
    expect(logs).not.toMatch(/SQLITE_BUSY|database is locked|No vector for new chunk|"level":"error"/i);
  }, 300_000);

  it('SIGTERM stops every worker gracefully and the primary exits 0', async () => {
    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
  });
}));
