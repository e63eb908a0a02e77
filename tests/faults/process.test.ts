/**
 * The compiled service as a process (USE-lite, SQLite, hnswlib, HTTP): faults only a process
 * shows. A closed stdout at shutdown; a store older than the index; kill -9 at each step of an
 * upload; a read-only ledger and a disk that fills up (a small tmpfs, when the tests run as root).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openKnowledge } from '../../src/knowledge';
import { makeTempDir, removeDir } from '../helpers/temp';
import { formWith, writeCalibration, writeCorpus } from '../server/helpers';
import { buildServer, MAIN, spawnServer, type Spawned } from '../server/process-helpers';

const KEY = 'fault-key-0123456789abcdef';
const headers = { authorization: `Bearer ${KEY}` };
let root: string;

beforeAll(() => {
  buildServer();
});
beforeEach(() => {
  root = makeTempDir('sobre-faults-');
});
afterEach(() => removeDir(root));

function env(dataDir = path.join(root, 'data')): Record<string, string> {
  return {
    SOBRE_DATA_DIR: dataDir,
    SOBRE_CORPUS_DIR: writeCorpus(path.join(root, 'corpus')),
    SOBRE_CALIBRATION: fs.existsSync(path.join(root, 'calibration.json')) ? path.join(root, 'calibration.json') : writeCalibration(root),
    SOBRE_API_KEYS: `ops:${KEY}`,
    SOBRE_GENERATOR: 'none',
  };
}

async function expectExitWithinGrace(s: Awaited<ReturnType<typeof spawnServer>>): Promise<void> {
  const started = Date.now();
  s.child.kill('SIGTERM');
  const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000));
  const exit = await Promise.race([s.exited, timeout]);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(Date.now() - started).toBeLessThan(12_000);
}

const ask = (url: string) => fetch(`${url}/v1/ask`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"question":"What port?"}' });

test('shutdown exits within its grace period when stdout is a closed pipe', async () => {
  const s = await spawnServer(env());
  try {
    expect((await ask(s.url)).status).toBe(200);
    s.child.stdout?.destroy(); // the log reader is gone: the next write to stdout fails with EPIPE
    await expectExitWithinGrace(s);
  } finally {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});

test('shutdown exits within its grace period when nobody reads stdout any more', async () => {
  const s = await spawnServer({ ...env(), SOBRE_LOG_QUESTIONS: 'true' });
  try {
    s.child.stdout?.pause(); // the reader stalls: the pipe fills (about 1 KB per request line), and writes to it block
    const question = JSON.stringify({ question: 'What port does Sobre listen on? '.repeat(30) });
    for (let i = 0; i < 12; i++) {
      await Promise.all(Array.from({ length: 25 }, () => fetch(`${s.url}/v1/ask`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: question })));
    }
    await expectExitWithinGrace(s);
  } finally {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});

test('a store older than the index: the service refuses to start, says why and what to do, and changes nothing', async () => {
  const dataDir = path.join(root, 'data');
  const k = await openKnowledge({ dataDir, hnswM: 16, hnswEfConstruction: 200, hnswEfSearch: 64 }, { id: 'use-lite@0.2.0', dimension: 512 });
  const vector = Float32Array.from({ length: 512 }, (_, i) => (i === 0 ? 1 : 0));
  await k.commitDocument({ source: '/docs/a.md', name: 'a.md', title: 'A', format: 'md', contentHash: 'a', size: 1 }, [{ ordinal: 0, hash: 'h', text: 'text', start: 0, end: 4 }], new Map([['h', vector]]));
  await k.close();
  for (const f of fs.readdirSync(dataDir)) if (f.startsWith('sobre.db')) fs.rmSync(path.join(dataDir, f)); // the store is lost
  const manifest = fs.readFileSync(path.join(dataDir, 'vectors.json'), 'utf8');
  const r = spawnSync(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', PORT: '0', SOBRE_LOG_LEVEL: 'info', ...env(dataDir) }, encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/sobre\.db is missing, but the vector index beside it .* was saved at generation 1/);
  expect(r.stderr).toMatch(/Restore sobre\.db .* from a backup/);
  expect(r.stdout).not.toMatch(/ingesting the corpus/);
  expect(fs.existsSync(path.join(dataDir, 'sobre.db'))).toBe(false);
  expect(fs.readFileSync(path.join(dataDir, 'vectors.json'), 'utf8')).toBe(manifest);
});

/** The store as a reader sees it (WAL: safe while the service writes). */
function stored(dataDir: string): { name: string; chunks: number }[] {
  const file = path.join(dataDir, 'sobre.db');
  if (!fs.existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT d.name, (SELECT COUNT(*) FROM document_chunks dc WHERE dc.document_id = d.id) AS chunks FROM documents d ORDER BY d.id').all() as { name: string; chunks: number }[];
  } finally {
    db.close();
  }
}

function uploadedFiles(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) (e.isDirectory() ? walk : (f: string) => out.push(path.relative(path.join(dataDir, 'uploads'), f)))(path.join(d, e.name));
  };
  walk(path.join(dataDir, 'uploads'));
  return out.sort();
}

async function killHard(s: Spawned): Promise<void> {
  s.child.kill('SIGKILL');
  await s.exited;
}

/** What every restart after a kill -9 must show: ready and consistent, no temp file, no orphan upload. */
async function restartAndCheck(dataDir: string): Promise<Spawned> {
  const s = await spawnServer(env(dataDir));
  const ready = await fetch(`${s.url}/readyz`);
  const r = (await ready.json()) as { status: string; storeChunks: number; indexVectors: number };
  expect({ status: ready.status, ready: r.status }).toEqual({ status: 200, ready: 'ready' });
  expect(r.storeChunks).toBe(r.indexVectors);
  expect(fs.existsSync(path.join(dataDir, 'uploads', '.incoming'))).toBe(false);
  const inStore = new Set(stored(dataDir).map((d) => d.name));
  for (const f of uploadedFiles(dataDir)) expect({ file: f, inStore: inStore.has(f) }).toEqual({ file: f, inStore: true });
  return s;
}

/** A document of about `chunks` chunks (1,000 characters each): seconds of USE-lite embedding. */
function bigDoc(topic: string, chunks: number): string {
  let text = `# ${topic}\n\n`;
  for (let i = 0; text.length < chunks * 950; i++) text += `The ${topic} log, line ${i}, records that crate ${i} holds ${i * 3} ${topic} parts for bay ${i % 17}. ` + (i % 6 === 5 ? '\n\n' : '');
  return text;
}

async function until(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) if (cond()) return;
  throw new Error('timed out');
}

test('kill -9 at each step of an upload: every restart is consistent, committed documents whole, nothing half-done, no orphan file', async () => {
  const dataDir = path.join(root, 'data');
  const small = { name: 'notes/small.md', content: '# Small\n\nThe small note says the kettle is in the blue cupboard.\n' };
  const big = { name: 'notes/big.md', content: bigDoc('warehouse', 25) };
  const baseline = (s: Spawned) => s; // (for readability below)

  // 1. While the body is arriving: a partial file in the incoming folder.
  let s = baseline(await spawnServer(env(dataDir)));
  const corpusDocs = stored(dataDir).length;
  const socket = net.connect(Number(new URL(s.url).port), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(`POST /v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 1000000\r\n\r\n`);
  socket.write('--zz\r\nContent-Disposition: form-data; name="files"; filename="partial.md"\r\n\r\nThe first bytes of a file that never ends');
  const incoming = path.join(dataDir, 'uploads', '.incoming');
  await until(() => fs.existsSync(incoming) && fs.readdirSync(incoming).length > 0);
  await killHard(s);
  socket.destroy();

  // 2 and 3. A first file committed (the index not saved yet), the second moved into uploads/ and embedding.
  s = await restartAndCheck(dataDir);
  const upload = fetch(`${s.url}/v1/documents`, { method: 'POST', headers, body: formWith([small, big]) }).catch(() => null);
  await until(() => stored(dataDir).some((d) => d.name === 'notes/small.md') && uploadedFiles(dataDir).includes('notes/big.md'));
  expect(stored(dataDir).some((d) => d.name === 'notes/big.md')).toBe(false);
  await killHard(s);
  await upload;

  // 4. After the upload answered.
  s = await restartAndCheck(dataDir);
  expect(stored(dataDir).find((d) => d.name === 'notes/small.md')?.chunks).toBe(1);
  expect(stored(dataDir).some((d) => d.name === 'notes/big.md')).toBe(false);
  expect(uploadedFiles(dataDir)).toEqual(['notes/small.md']);
  const third = { name: 'third.md', content: '# Third\n\nThe third note says the ladder is behind the shed.\n' };
  expect((await fetch(`${s.url}/v1/documents`, { method: 'POST', headers, body: formWith([third]) })).status).toBe(200);
  await killHard(s);

  // Nothing committed was lost; the rest can simply be sent again.
  s = await restartAndCheck(dataDir);
  try {
    expect(stored(dataDir).map((d) => d.name)).toEqual(expect.arrayContaining(['notes/small.md', 'third.md']));
    const again = await fetch(`${s.url}/v1/documents`, { method: 'POST', headers, body: formWith([small, big, third]) });
    const body = (await again.json()) as { files: { name: string; status: string }[] };
    expect(body.files.map((f) => [f.name, f.status])).toEqual([['notes/small.md', 'unchanged'], ['notes/big.md', 'added'], ['third.md', 'unchanged']]);
    expect(stored(dataDir).length).toBe(corpusDocs + 3);
    const ready = (await (await fetch(`${s.url}/readyz`)).json()) as { storeChunks: number; indexVectors: number };
    expect(ready.storeChunks).toBe(ready.indexVectors);
  } finally {
    s.child.kill('SIGTERM');
    expect((await s.exited).code).toBe(0);
  }
});

test('a ledger that cannot be written (another process holds the write lock): questions are still answered, /readyz says degraded, then ready again', async () => {
  // A read-only file system cannot be switched on under a running process here (the remount is
  // refused while files are open for writing): tests/faults/ledger.test.ts raises SQLite's
  // read-only error in-process, start-up on a read-only folder is in startup.test.ts.
  const dataDir = path.join(root, 'data');
  const s = await spawnServer(env(dataDir));
  const db = new Database(path.join(dataDir, 'sobre.db'));
  try {
    expect((await ask(s.url)).status).toBe(200);
    db.prepare('BEGIN IMMEDIATE').run(); // every other writer now waits 5 s (busy timeout), then fails
    const res = await ask(s.url);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { answer: string }).answer).toMatch(/3000/);
    expect(await (await fetch(`${s.url}/readyz`)).json()).toMatchObject({ status: 'degraded', checks: { ledger: false } });
    await s.waitFor((l) => l.msg === 'ledger row not written');
    db.prepare('ROLLBACK').run();
    expect((await ask(s.url)).status).toBe(200);
    expect(await (await fetch(`${s.url}/readyz`)).json()).toMatchObject({ status: 'ready', checks: { ledger: true } });
  } finally {
    if (db.inTransaction) db.prepare('ROLLBACK').run();
    db.close();
    s.child.kill('SIGTERM');
    await s.exited;
  }
});
