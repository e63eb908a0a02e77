/**
 * Writes as jobs: a write that outlives its request's deadline answers 202 with its job and
 * still finishes; a write whose request goes away is cancelled (skipped if queued, stopped
 * between embedding batches if running): never a 503 followed by a commit. A real HTTP server
 * and store; the embedder is the hash one, made slow so that writes take seconds.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EmbedRole } from '../../src/embed/types';
import { openKnowledge } from '../../src/knowledge';
import type { JobView } from '../../src/server/jobs';
import { HashEmbedder } from '../helpers/hash-embedder';
import { auth, expectProblem, formWith, startTestServer, type TestServer, TEST_KEY } from './helpers';

/** 40 ms per passage, and it counts them. */
class SlowPassages extends HashEmbedder {
  passages = 0;
  override async embed(texts: readonly string[], role?: EmbedRole): Promise<Float32Array[]> {
    if (role === 'passage') {
      await new Promise((r) => setTimeout(r, 40 * texts.length));
      this.passages += texts.length;
    }
    return super.embed(texts);
  }
}

const ASKER = 'asker-key-0a1b2c3d4e5f';
let s: TestServer;
const embedder = new SlowPassages();
beforeAll(async () => {
  s = await startTestServer({
    embedder,
    env: {
      SOBRE_API_KEYS: `ops:${TEST_KEY},alice:${ASKER}:ask`, SOBRE_CHUNK_SIZE: '200', SOBRE_CHUNK_OVERLAP: '20', SOBRE_EMBED_BATCH: '4',
      SOBRE_UPLOAD_TIMEOUT_MS: '1000', SOBRE_REQUEST_TIMEOUT_MS: '300', SOBRE_EMBED_CACHE_ENTRIES: '0',
    },
  });
});
afterAll(() => s.stop());

/** About `passages` distinct chunks of 200 characters. */
function longDoc(topic: string, passages: number): string {
  const lines = Array.from({ length: passages }, (_, i) => `The ${topic} register, entry ${i}: item ${topic}-${i} weighs ${i * 7} grams and sits on shelf ${i % 13}.`);
  return `# ${topic}\n\n${lines.join('\n\n')}\n`;
}

const upload = (name: string, content: string, init: RequestInit = {}) =>
  fetch(`${s.url}/v1/documents`, { method: 'POST', body: formWith([{ name, content }]), ...init, headers: { ...auth(TEST_KEY), ...(init.headers as Record<string, string>) } });
const documents = async () => ((await (await fetch(`${s.url}/v1/documents`, { headers: auth(TEST_KEY) })).json()) as { documents: { id: number; name: string }[] }).documents;
const job = async (id: string) => (await (await fetch(`${s.url}/v1/jobs/${id}`, { headers: auth(TEST_KEY) })).json()) as JobView;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settled(id: string, timeoutMs = 20_000): Promise<JobView> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(100)) {
    const v = await job(id);
    if (!['queued', 'running'].includes(v.status)) return v;
  }
  throw new Error(`job ${id} did not finish`);
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(20)) if (await cond()) return;
  throw new Error('timed out');
}

test('an upload that outlives its deadline answers 202 with its job, which finishes and is readable', async () => {
  const res = await upload('ledger-a.md', longDoc('alpha', 60)); // about 2.4 s of embedding, deadline 1 s
  expect(res.status).toBe(202);
  const accepted = (await res.json()) as JobView;
  expect(res.headers.get('location')).toBe(`/v1/jobs/${accepted.id}`);
  expect(accepted).toMatchObject({ kind: 'upload', status: 'running', progress: { filesTotal: 1, filesDone: 0 } });
  expect(accepted.progress.passagesEmbedded).toBeGreaterThan(0);
  const done = await settled(accepted.id);
  expect(done).toMatchObject({ status: 'succeeded', progress: { filesDone: 1 }, result: { summary: { added: 1 }, files: [{ name: 'ledger-a.md', status: 'added' }] } });
  expect((await documents()).map((d) => d.name)).toContain('ledger-a.md');
});

test('an upload whose client goes away stops between embedding batches, and commits nothing', async () => {
  const before = embedder.passages;
  const abort = new AbortController();
  const res = upload('ledger-b.md', longDoc('beta', 60), { signal: abort.signal }).catch(() => null);
  await until(() => embedder.passages >= before + 8);
  abort.abort();
  await res;
  await sleep(3000); // longer than the whole document's embedding
  expect(embedder.passages - before).toBeLessThan(30);
  expect((await documents()).map((d) => d.name)).not.toContain('ledger-b.md');
});

/** Start a long upload (not awaited) and wait until it holds the writer lock, embedding. */
async function holdWriter(name: string, topic: string): Promise<Promise<Response>> {
  const before = embedder.passages;
  const res = upload(name, longDoc(topic, 160)); // 80 passages: over 3 s of embedding
  await until(() => embedder.passages > before);
  return res;
}

test('a deletion that waits behind a long upload answers 202, and deletes when its turn comes', async () => {
  const [target] = (await documents()).filter((d) => d.name === 'port.md');
  const held = await holdWriter('ledger-c.md', 'gamma');
  const del = await fetch(`${s.url}/v1/documents/${target.id}`, { method: 'DELETE', headers: auth(TEST_KEY) });
  expect(del.status).toBe(202);
  const deletion = (await del.json()) as JobView;
  expect(deletion).toMatchObject({ kind: 'delete', status: 'queued' });
  expect((await settled(deletion.id)).result).toEqual({ id: target.id, deleted: true, chunksRemoved: expect.any(Number) });
  expect([200, 202]).toContain((await held).status);
  expect((await documents()).map((d) => d.id)).not.toContain(target.id);
});

test('a queued deletion whose request is gone is skipped', async () => {
  const [target] = (await documents()).filter((d) => d.name === 'ledger.md');
  const held = await holdWriter('ledger-d.md', 'delta');
  const abort = new AbortController();
  const del = fetch(`${s.url}/v1/documents/${target.id}`, { method: 'DELETE', headers: auth(TEST_KEY), signal: abort.signal }).catch(() => null);
  await sleep(100);
  abort.abort();
  await del;
  const upload = await held;
  if (upload.status === 202) await settled(((await upload.json()) as JobView).id);
  await sleep(300);
  expect((await documents()).map((d) => d.id)).toContain(target.id);
});

test('Prefer: respond-async answers 202 at once; jobs are admin-only, unknown ones 404', async () => {
  const res = await upload('ledger-e.md', 'Ledger entry e: a short note.', { headers: { prefer: 'respond-async' } });
  expect(res.status).toBe(202);
  expect(res.headers.get('preference-applied')).toBe('respond-async');
  const { id } = (await res.json()) as JobView;
  expect((await settled(id)).status).toBe('succeeded');
  await expectProblem(await fetch(`${s.url}/v1/jobs/${id}`, { headers: auth(ASKER) }), 403, 'forbidden');
  await expectProblem(await fetch(`${s.url}/v1/jobs/00000000-0000-4000-8000-000000000000`, { headers: auth(TEST_KEY) }), 404, 'not_found');
  await expectProblem(await fetch(`${s.url}/v1/jobs/nope`, { headers: auth(TEST_KEY) }), 400, 'bad_request');
});

test("while another process holds the store's write lease, uploads wait queued (202); one whose client leaves never runs; the other commits once it is released", async () => {
  const other = await openKnowledge(s.config, embedder); // as `npm run ingest` would open it
  const release = await other.writeLease({ holder: 'npm run ingest' });
  let waiting: JobView;
  try {
    const res = await upload('ledger-g.md', 'Ledger entry g: the lamp oil is kept in the cellar.');
    expect(res.status).toBe(202); // the upload deadline is 1 s
    waiting = (await res.json()) as JobView;
    expect(waiting).toMatchObject({ status: 'queued' });
    const abort = new AbortController();
    const gone = upload('ledger-h.md', 'Ledger entry h: a note that is never committed.', { signal: abort.signal }).catch(() => null);
    await sleep(300);
    abort.abort();
    await gone;
    expect((await job(waiting.id)).status).toBe('queued');
  } finally {
    await release();
    await other.close();
  }
  expect((await settled(waiting.id)).status).toBe('succeeded');
  await sleep(200);
  const names = (await documents()).map((d) => d.name);
  expect(names).toContain('ledger-g.md');
  expect(names).not.toContain('ledger-h.md');
});

test('shutdown cancels, at its deadline, a write that outlived its request (last: it stops the server)', async () => {
  const { id } = (await (await upload('ledger-f.md', longDoc('epsilon', 150), { headers: { prefer: 'respond-async' } })).json()) as JobView;
  await until(async () => (await job(id)).status === 'running');
  const started = Date.now();
  const { clean } = await s.service.shutdown(500);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(clean).toBe(false);
  const db = new Database(path.join(s.config.dataDir, 'sobre.db'), { readonly: true });
  try {
    expect(db.prepare("SELECT COUNT(*) FROM documents WHERE name = 'ledger-f.md'").pluck().get()).toBe(0);
  } finally {
    db.close();
  }
});
