/**
 * The compiled server as a process, with the real USE-lite embedder: graceful shutdown on
 * SIGTERM during an in-flight upload, and a `kill -9` in the middle of a multi-file upload
 * followed by a restart on the same data dir.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeTempDir, removeDir } from '../helpers/temp';
import { formWith, writeCalibration, writeCorpus } from './helpers';
import { buildServer, spawnServer, type Spawned } from './process-helpers';

const KEY = 'proc-key-0123456789abcdef';
const headers = { authorization: `Bearer ${KEY}` };
let root: string;

beforeAll(() => {
  buildServer();
});

beforeEach(() => {
  root = makeTempDir('sobre-proc-');
});

afterEach(() => {
  removeDir(root);
});

function env(): Record<string, string> {
  return {
    SOBRE_DATA_DIR: path.join(root, 'data'),
    SOBRE_CORPUS_DIR: writeCorpus(path.join(root, 'corpus')),
    SOBRE_CALIBRATION: fs.existsSync(path.join(root, 'calibration.json')) ? path.join(root, 'calibration.json') : writeCalibration(root),
    SOBRE_EMBEDDER: 'use-lite',
    SOBRE_API_KEYS: `test:${KEY}`,
    SOBRE_GENERATOR: 'none',
  };
}

/** A document of about `chunks` chunks (1,000 characters each by default). */
function bigDoc(topic: string, chunks: number): string {
  const sentence = (i: number) => `The ${topic} report, section ${i}, says that item ${i} of the ${topic} inventory weighs ${i * 3} kilograms and is stored in room ${i % 17}. `;
  let text = `# ${topic}\n\n`;
  for (let i = 0; text.length < chunks * 950; i++) text += sentence(i) + (i % 6 === 5 ? '\n\n' : '');
  return text;
}

async function stopHard(s: Spawned): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await s.exited;
}

test('SIGTERM: in-flight upload finishes, new connections are refused, the index is saved, exit 0', async () => {
  const s = await spawnServer(env());
  try {
    const content = bigDoc('inventory', 20);
    const upload = fetch(`${s.url}/v1/documents`, { method: 'POST', headers, body: formWith([{ name: 'inventory.md', content }]) });
    // Once the whole body is on disk the server is ingesting it (about 20 passages to embed, seconds).
    const incoming = path.join(root, 'data', 'uploads', '.incoming');
    const received = () => fs.existsSync(incoming) && fs.readdirSync(incoming).some((d) => fs.statSync(path.join(incoming, d, 'inventory.md'), { throwIfNoEntry: false })?.size === Buffer.byteLength(content));
    for (let i = 0; i < 500 && !received(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(received()).toBe(true);
    s.child.kill('SIGTERM');
    await s.waitFor((l) => l.msg === 'shutting down: finishing in-flight requests');
    const res = await upload;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    const body = (await res.json()) as { files: { status: string; documents: { chunks: number }[] }[] };
    expect(body.files[0].status).toBe('added');
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.lines.find((l) => l.msg === 'stopped')).toMatchObject({ clean: true });
    // Saved on the way out: a restart needs no repair and has the document.
    const db = new Database(path.join(root, 'data', 'sobre.db'), { readonly: true });
    const generation = Number((db.prepare("SELECT value FROM meta WHERE key = 'generation'").get() as { value: string }).value);
    const docs = db.prepare("SELECT COUNT(*) AS n FROM documents WHERE source LIKE '%inventory.md'").get() as { n: number };
    db.close();
    expect(docs.n).toBe(1);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'data', 'vectors.json'), 'utf8')) as { generation: number };
    expect(manifest.generation).toBe(generation);
  } finally {
    await stopHard(s);
  }
});

test('kill -9 during a multi-file upload: on restart every committed document is whole and /readyz is green', async () => {
  const first = await spawnServer(env());
  let committed: { id: number; chunks: number; source: string }[] = [];
  const baseline = await listDocs(first.url);
  try {
    const files = Array.from({ length: 10 }, (_, i) => ({ name: `part-${i}.md`, content: bigDoc(`topic${i}`, 12) }));
    const upload = fetch(`${first.url}/v1/documents`, { method: 'POST', headers, body: formWith(files) }).catch(() => null);
    // Wait until some, not all, of the upload is committed, then pull the plug.
    for (let i = 0; i < 600; i++) {
      committed = await listDocs(first.url);
      if (committed.length >= baseline.length + 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await upload;
    expect(committed.length).toBeGreaterThanOrEqual(baseline.length + 3);
    expect(committed.length).toBeLessThan(baseline.length + 10);
  } finally {
    await stopHard(first);
  }

  const dbFile = path.join(root, 'data', 'sobre.db');
  const second = await spawnServer(env());
  try {
    const ready = await fetch(`${second.url}/readyz`);
    const readiness = (await ready.json()) as { status: string; storeChunks: number; indexVectors: number };
    expect(ready.status).toBe(200);
    expect(readiness.storeChunks).toBe(readiness.indexVectors);
    const after = await listDocs(second.url);
    for (const d of committed) expect(after).toContainEqual(d);
    const db = new Database(dbFile, { readonly: true });
    try {
      const q = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      expect(q('SELECT COUNT(*) AS n FROM documents WHERE id NOT IN (SELECT document_id FROM document_chunks)')).toBe(0);
      expect(q('SELECT COUNT(*) AS n FROM chunks WHERE id NOT IN (SELECT chunk_id FROM document_chunks)')).toBe(0);
      expect(q('SELECT COUNT(*) AS n FROM chunks WHERE vector IS NULL OR length(vector) != 512 * 4')).toBe(0);
    } finally {
      db.close();
    }
    expect(fs.existsSync(path.join(root, 'data', 'uploads', '.incoming'))).toBe(false);
    // The rest of the upload can simply be sent again.
    const again = await fetch(`${second.url}/v1/documents`, { method: 'POST', headers, body: formWith([{ name: 'part-9.md', content: bigDoc('topic9', 12) }]) });
    expect(again.status).toBe(200);
  } finally {
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }
});

async function listDocs(url: string): Promise<{ id: number; chunks: number; source: string }[]> {
  const res = await fetch(`${url}/v1/documents`, { headers });
  const body = (await res.json()) as { documents: { id: number; chunks: number; source: string }[] };
  return body.documents.map(({ id, chunks, source }) => ({ id, chunks, source }));
}
