/**
 * SOBRE_WORKERS=2 on PostgreSQL: the compiled server as a real cluster (a primary, two serving
 * processes with USE-lite sharing one data folder and its replica) over a real PostgreSQL, with
 * an `npm run ingest` on another data folder (as from another machine) writing at the same time.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describePostgres, dropSchema, freshSchema } from '../helpers/postgres';
import { makeTempDir, removeDir } from '../helpers/temp';
import { writeCalibration, writeCorpus } from '../server/helpers';
import { buildServer, REPO, spawnServer, type Spawned } from '../server/process-helpers';
import { ask, Client, clientsOnTwoWorkers, documentNames, note, upload } from '../server/worker-clients';

const KEY = 'pg-workers-key-0123456789abcdef';

describePostgres('two workers on PostgreSQL', (server) => {
  let root: string;
  let schema: string;
  let s: Spawned;
  let a: Client;
  let b: Client;

  beforeAll(async () => {
    buildServer();
    root = makeTempDir('sobre-pg-workers-');
    schema = freshSchema();
    s = await spawnServer({
      SOBRE_WORKERS: '2',
      SOBRE_DATA_DIR: path.join(root, 'data'),
      SOBRE_CORPUS_DIR: writeCorpus(path.join(root, 'corpus')),
      SOBRE_CALIBRATION: writeCalibration(root),
      SOBRE_EMBEDDER: 'use-lite',
      SOBRE_API_KEYS: `test:${KEY}`,
      SOBRE_RATE_LIMIT_KEY_PER_MIN: '0',
      SOBRE_GENERATOR: 'none',
      SOBRE_DATABASE_URL: server(),
      SOBRE_DATABASE_SCHEMA: schema,
    }, 240_000);
    [a, b] = await clientsOnTwoWorkers(s.url, KEY);
  }, 300_000);

  afterAll(async () => {
    a?.close();
    b?.close();
    if (s && s.child.exitCode === null) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
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
    const up = await upload(a, 'lighthouse.md', note('lighthouse', 'The Skerryvore lighthouse keeper feeds the seven grey cats every morning at dawn.'));
    expect(up.status).toBe(200);
    const r = await ask(b, 'Who feeds the grey cats at the Skerryvore lighthouse?');
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.json.citations)).toContain('lighthouse.md');
  });

  it('uploads to both workers and an ingest elsewhere, all at once, all commit', async () => {
    const docs = path.join(root, 'docs');
    fs.mkdirSync(docs);
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(docs, `orchard-${i}.md`), note(`orchard ${i}`, `Orchard ${i} grows ${i + 2} kinds of quince. `.repeat(40)));
    let output = '';
    const ingest = spawn(process.execPath, [path.join(REPO, 'dist/scripts/ingest.js'), docs], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SOBRE_DATA_DIR: path.join(root, 'elsewhere'), SOBRE_DATABASE_URL: server(), SOBRE_DATABASE_SCHEMA: schema },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    ingest.stdout.on('data', (d: Buffer) => (output += d.toString()));
    ingest.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const ingested = new Promise<number | null>((resolve) => ingest.once('exit', resolve));

    const before = await documentNames(a);
    const clients = [a, b, a, b];
    const replies = await Promise.all(clients.map((c, i) => upload(c, `garden-${i}.md`, note(`garden ${i}`, `Garden ${i} grows ${i + 3} kinds of tulips along its northern wall. `.repeat(30)))));
    for (const r of replies) {
      expect([r.status, (r.json.files as { status: string }[])[0].status]).toEqual([200, 'added']);
    }
    expect(new Set(replies.map((r) => r.worker)).size).toBe(2);
    expect(await ingested).toBe(0);
    expect(output).toMatch(/added 8, updated 0, unchanged 0, failed 0/);

    const expected = [...before, ...clients.map((_, i) => `garden-${i}.md`), ...Array.from({ length: 8 }, (_, i) => `orchard-${i}.md`)].sort();
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
});
