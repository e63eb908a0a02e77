/**
 * `npm run ingest` beside a running service over one data folder: the compiled ingest script and
 * server as real processes, USE-lite, SQLite, hnswlib. They take turns with the store's write
 * lease: the ingest waits for an upload the service is embedding (and says who holds the lease),
 * then the service's deletion and upload wait for the whole ingest, which reuses a chunk of the
 * document being deleted. Nothing fails with a busy database or a vanished chunk; everything lands.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeTempDir, removeDir } from '../helpers/temp';
import { formWith } from '../server/helpers';
import { REPO, spawnTestService, stopServer, type Spawned } from '../server/process-helpers';

const INGEST = path.join(REPO, 'dist/scripts/ingest.js');
const KEY = 'lease-admin-key-0123456789';
const headers = { authorization: `Bearer ${KEY}` };
const SHARED = '# Kelp\n\nThe kelp farm off Roscoff harvests 90 tonnes of sugar kelp every April.\n';

interface JobView {
  id: string;
  status: string;
  startedAt?: string;
  result?: unknown;
  error?: unknown;
}

async function submit(url: string, init: RequestInit & { path: string }): Promise<JobView> {
  const res = await fetch(`${url}${init.path}`, { ...init, headers: { ...headers, prefer: 'respond-async' } });
  expect(res.status).toBe(202);
  return (await res.json()) as JobView;
}

async function view(url: string, id: string): Promise<JobView> {
  return (await (await fetch(`${url}/v1/jobs/${id}`, { headers })).json()) as JobView;
}

async function finished(url: string, id: string): Promise<JobView> {
  for (const end = Date.now() + 180_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const v = await view(url, id);
    if (!['queued', 'running'].includes(v.status)) return v;
  }
  throw new Error(`job ${id} did not finish`);
}

async function cited(url: string, question: string): Promise<string> {
  const res = await fetch(`${url}/v1/ask`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ question }) });
  expect(res.status).toBe(200);
  return JSON.stringify(((await res.json()) as { citations: unknown }).citations);
}

/** Documents committed from `folder`, with when each was last committed (ms). */
function committedFrom(dataDir: string, folder: string): number[] {
  const db = new Database(path.join(dataDir, 'sobre.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT updated_at FROM documents WHERE source LIKE ?').pluck().all(`${folder}${path.sep}%`) as string[];
    return rows.map((t) => Date.parse(t));
  } finally {
    db.close();
  }
}

function note(i: number): string {
  const facts = Array.from({ length: 10 }, (_, j) => `Orchard ${i} row ${j} bears ${i * 13 + j} quinces of the variety number ${j + i}.`).join(' ');
  return `# Orchard ${i}\n\n${facts}\n\n${facts.replace(/quinces/g, 'medlars')}\n`;
}

describe('npm run ingest beside a running service', () => {
  let root: string;
  let s: Spawned;

  beforeAll(async () => {
    root = makeTempDir('sobre-lease-');
    s = await spawnTestService(root, {
      SOBRE_API_KEYS: `ops:${KEY}`,
      SOBRE_RATE_LIMIT_IP_PER_MIN: '0',
      SOBRE_RATE_LIMIT_KEY_PER_MIN: '0',
    });
  }, 300_000);

  afterAll(async () => {
    await stopServer(s);
    removeDir(root);
  });

  it('takes turns with uploads and deletions: no busy database, no vanished chunk, everything lands', async () => {
    const dataDir = path.join(root, 'data');
    const shared = await finished(s.url, (await submit(s.url, { path: '/v1/documents', method: 'POST', body: formWith([{ name: 'kelp.md', content: SHARED }]) })).id);
    expect(shared.status).toBe('succeeded');
    const sharedId = (shared.result as { files: { documents: { id: number }[] }[] }).files[0].documents[0].id;

    const docs = path.join(root, 'docs');
    fs.mkdirSync(docs);
    for (let i = 0; i < 24; i++) fs.writeFileSync(path.join(docs, `orchard-${String(i).padStart(2, '0')}.md`), note(i));
    fs.writeFileSync(path.join(docs, 'kelp-copy.md'), SHARED); // its chunk is stored already: the ingest embeds none for it

    // A long upload holds the lease when the ingest starts: the ingest waits, naming the service.
    const big = Array.from({ length: 1500 }, (_, i) => `Ledger line ${i} of the granary lists ${i * 3} sacks of barley from farm ${i % 40}.`).join(' ');
    const longUpload = await submit(s.url, { path: '/v1/documents', method: 'POST', body: formWith([{ name: 'granary.md', content: `# Granary\n\n${big}\n` }]) });
    for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      if ((await view(s.url, longUpload.id)).status === 'running') break; // it holds the lease
    }
    let stderr = '';
    let stdout = '';
    const ingest = spawn(process.execPath, [INGEST, docs], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SOBRE_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    ingest.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    ingest.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => ingest.once('exit', resolve));

    // Once the ingest writes, the service's deletion of the document whose chunk it reuses, and a new upload, wait for it.
    for (const end = Date.now() + 120_000; committedFrom(dataDir, docs).length === 0 && Date.now() < end && ingest.exitCode === null;) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const deletion = await submit(s.url, { path: `/v1/documents/${sharedId}`, method: 'DELETE' });
    const upload = await submit(s.url, { path: '/v1/documents', method: 'POST', body: formWith([{ name: 'lighthouse.md', content: '# Lighthouse\n\nThe Ar-Men lighthouse keeper winds the clock at midnight.\n' }]) });

    expect(await exited).toBe(0);
    expect(stderr).toMatch(/waiting for the write lease, held by service pid \d+ on /);
    expect(stdout).toMatch(/added 25, updated 0, unchanged 0, failed 0/);
    const views = await Promise.all([longUpload, deletion, upload].map((j) => finished(s.url, j.id)));
    expect(views.map((v) => [v.status, v.error])).toEqual([['succeeded', undefined], ['succeeded', undefined], ['succeeded', undefined]]);
    const lastIngestCommit = Math.max(...committedFrom(dataDir, docs));
    for (const v of views.slice(1)) expect(Date.parse(String(v.startedAt))).toBeGreaterThanOrEqual(lastIngestCommit);

    const names = ((await (await fetch(`${s.url}/v1/documents`, { headers })).json()) as { documents: { name: string }[] }).documents.map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(['granary.md', 'lighthouse.md', 'kelp-copy.md', 'orchard-00.md', 'orchard-23.md']));
    expect(names).not.toContain('kelp.md');
    expect(await cited(s.url, 'How many tonnes of sugar kelp does the Roscoff farm harvest?')).toContain('kelp-copy.md');
    expect(await cited(s.url, 'Who winds the clock of the Ar-Men lighthouse?')).toContain('lighthouse.md');
    expect(await cited(s.url, 'How many quinces does orchard 17 row 4 bear?')).toContain('orchard-17.md');
    const ready = (await (await fetch(`${s.url}/readyz`)).json()) as { status: string; storeChunks: number; indexVectors: number };
    expect(ready).toMatchObject({ status: 'ready', storeChunks: ready.indexVectors });
    const logs = `${stderr}${stdout}${s.stderr()}${JSON.stringify(s.lines)}`;
    expect(logs).not.toMatch(/SQLITE_BUSY|database is locked|No vector for new chunk/i);
  }, 400_000);
});

describe('a service started while npm run ingest fills its empty store', () => {
  it('serves what the ingest commits meanwhile, and leaves its own corpus out of the filled store', async () => {
    const root = makeTempDir('sobre-lease-start-');
    const dataDir = path.join(root, 'data');
    const docs = path.join(root, 'docs');
    fs.mkdirSync(docs);
    // The first document is long: the ingest holds the lease for a while before its first commit.
    const ledger = Array.from({ length: 2500 }, (_, i) => `Ledger line ${i} of the granary lists ${i * 3} sacks of barley from farm ${i % 40}.`).join(' ');
    fs.writeFileSync(path.join(docs, 'a-granary.md'), `# Granary\n\n${ledger}\n`);
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(docs, `orchard-${String(i).padStart(3, '0')}.md`), note(i));
    const ingest = spawn(process.execPath, [INGEST, docs], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SOBRE_DATA_DIR: dataDir }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => ingest.once('exit', resolve));
    let s: Spawned | undefined;
    try {
      // The ingest holds the store's lease once its row is there.
      const leaseHolder = () => {
        if (!fs.existsSync(path.join(dataDir, 'sobre.db'))) return undefined;
        const db = new Database(path.join(dataDir, 'sobre.db'), { readonly: true });
        try {
          return db.prepare('SELECT holder FROM write_lease').pluck().get() as string | undefined;
        } catch {
          return undefined; // not migrated yet
        } finally {
          db.close();
        }
      };
      for (const end = Date.now() + 120_000; !leaseHolder() && Date.now() < end && ingest.exitCode === null;) await new Promise((r) => setTimeout(r, 50));
      expect(leaseHolder()).toMatch(/ingest pid \d+/);

      s = await spawnTestService(root, { SOBRE_API_KEYS: `ops:${KEY}` });
      expect(ingest.exitCode).toBeNull(); // listening while the ingest still runs
      expect(committedFrom(dataDir, docs)).toEqual([]); // and before its first commit
      expect(s.lines.map((l) => l.msg)).toContain('store is empty and another process is writing to it: serving meanwhile; the corpus goes in only if the store is still empty after');

      expect(await exited).toBe(0);
      await s.waitFor((l) => l.msg === 'another process filled the store meanwhile: the corpus is not ingested');
      expect(await cited(s.url, 'How many medlars does orchard 17 row 2 bear?')).toContain('orchard-017.md');
      const names = ((await (await fetch(`${s.url}/v1/documents`, { headers })).json()) as { documents: { name: string }[] }).documents.map((d) => d.name);
      expect(names).toHaveLength(21);
      expect(names).not.toContain('port.md'); // nothing of the service's own corpus
    } finally {
      if (ingest.exitCode === null) ingest.kill('SIGKILL');
      await stopServer(s);
      removeDir(root);
    }
  }, 400_000);
});
