/**
 * Two Sobre instances (two `npm start` processes, each with its own data folder and replica) on
 * one PostgreSQL (a throwaway cluster of its own, since the test kills it): what one ingests the
 * other answers with, a deletion through either leaves both, the report counts every question
 * once, a label given through one counts on the other and a calibration put in force on one is
 * in force on the other within SOBRE_CALIBRATION_POLL_SECONDS, and killing PostgreSQL loses no committed document or ledger row — both instances come
 * back without a restart.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadCalibration } from '../../src/answer/calibration';
import { PostgresLabelStore } from '../../src/labels/postgres-store';
import { postgresBinariesInstalled, startCluster, type Cluster } from '../helpers/postgres';
import { postJson, startService, type RunningService } from '../helpers/spawn-service';
import { makeTempDir, removeDir } from '../helpers/temp';

const KEY = 'e2e-admin-key-0123456789';
const admin = { authorization: `Bearer ${KEY}` };

interface Citation {
  documentId: number;
}

async function upload(url: string, name: string, content: string): Promise<{ status: number; json: { files: { status: string; documents: { id: number }[]; reason?: string }[] } }> {
  const form = new FormData();
  form.append('files', new Blob([content]), name);
  const res = await fetch(`${url}/v1/documents`, { method: 'POST', headers: admin, body: form });
  return { status: res.status, json: (await res.json()) as never };
}

async function citedDocuments(url: string, question: string): Promise<number[]> {
  const r = await postJson(`${url}/v1/ask`, { question }, admin);
  expect(r.status).toBe(200);
  return (r.json.citations as Citation[]).map((c) => c.documentId);
}

async function questionsInReport(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/report`, { headers: admin });
  expect(res.status).toBe(200);
  return ((await res.json()) as { totals: { questions: number } }).totals.questions;
}

async function documentIds(url: string): Promise<number[]> {
  const res = await fetch(`${url}/v1/documents`, { headers: admin });
  expect(res.status).toBe(200);
  return ((await res.json()) as { documents: { id: number }[] }).documents.map((d) => d.id).sort((a, b) => a - b);
}

/** The live promise in /v1/report: labels stored and the calibration in force. */
async function promise(url: string): Promise<{ labels: number; calibration: { id: number; note: string } }> {
  const res = await fetch(`${url}/v1/report`, { headers: admin });
  expect(res.status).toBe(200);
  return ((await res.json()) as { promise: { labels: number; calibration: { id: number; note: string } } }).promise;
}

async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

async function until(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const POLL_SECONDS = 1;

const run = postgresBinariesInstalled() ? describe : describe.skip;
if (!postgresBinariesInstalled()) {
  if (process.env.CI) test('PostgreSQL binaries are required in CI', () => expect(postgresBinariesInstalled()).toBe(true));
  else console.warn('Skipping the two-instance PostgreSQL test: no PostgreSQL binaries (apt-get install postgresql)');
}

run('two instances on one PostgreSQL', () => {
  let cluster: Cluster;
  let root: string;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    cluster = startCluster();
    root = makeTempDir();
    const corpus = path.join(root, 'corpus');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, 'tea.md'), '# Tea\n\nGreen tea is steeped at 80 degrees for two minutes.\n');
    const env = (name: string) => ({
      SOBRE_DATA_DIR: path.join(root, name), SOBRE_CORPUS_DIR: corpus, SOBRE_DATABASE_URL: cluster.url,
      SOBRE_API_KEYS: `ops:${KEY}`, SOBRE_GENERATOR: 'none', SOBRE_RATE_LIMIT_IP_PER_MIN: '0', SOBRE_RATE_LIMIT_KEY_PER_MIN: '0',
      SOBRE_CALIBRATION_POLL_SECONDS: String(POLL_SECONDS),
    });
    a = await startService(env('a')); // ingests the corpus into PostgreSQL
    b = await startService(env('b')); // finds it there, builds its replica
  }, 300_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    cluster?.stop();
    if (root) removeDir(root);
  });

  const FACT = 'The Zorblax turbine at Quimper harbour produces 42 megawatts from the tides.';
  const QUESTION = 'How many megawatts does the Zorblax turbine at Quimper harbour produce?';

  test('a document uploaded through A is cited by B; deleted through B, it leaves A', async () => {
    expect(await documentIds(b.url)).toEqual(await documentIds(a.url));
    const up = await upload(a.url, 'zorblax.md', `# Zorblax\n\n${FACT}\n`);
    expect(up.status).toBe(200);
    const id = up.json.files[0].documents[0].id;
    expect(await citedDocuments(b.url, QUESTION)).toContain(id);
    const del = await fetch(`${b.url}/v1/documents/${id}`, { method: 'DELETE', headers: admin });
    expect(del.status).toBe(200);
    expect(await citedDocuments(a.url, QUESTION)).not.toContain(id);
    expect(await documentIds(a.url)).not.toContain(id);
  });

  test("the report counts both instances' questions once, from either instance", async () => {
    const before = await questionsInReport(a.url);
    await citedDocuments(a.url, 'At what temperature is green tea steeped?');
    await citedDocuments(b.url, 'How long is green tea steeped?');
    await citedDocuments(b.url, 'Is green tea steeped at 80 degrees?');
    expect(await questionsInReport(a.url)).toBe(before + 3);
    expect(await questionsInReport(b.url)).toBe(before + 3);
  });

  test('a label given through B counts on A; a calibration put in force through A is in force on B within the poll', async () => {
    const before = await promise(a.url);
    const asked = await postJson(`${a.url}/v1/ask`, { question: 'At what temperature is green tea steeped?' }, admin);
    expect(asked.status).toBe(200);
    const form = new URLSearchParams({ answerId: String(asked.json.answerId), verdict: 'right' });
    // A writes its observation off the answer's path: B finds it once that write lands.
    await until('the review through B to be taken', async () => {
      const res = await fetch(`${b.url}/review`, { method: 'POST', headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' });
      return res.status === 303;
    }, 10_000);
    expect((await promise(a.url)).labels).toBe(before.labels + 1);
    expect((await promise(b.url)).labels).toBe(before.labels + 1);

    // A calibration as a refit stores it (fitted from the shipped file the instances use), not yet in force.
    const base = loadCalibration();
    const store = await PostgresLabelStore.open(cluster.url, 'sobre');
    const id = await store.addCalibration({
      createdAt: new Date(), origin: 'labels', labels: 1, note: 'stored by the test',
      baseSha256: createHash('sha256').update(JSON.stringify(base)).digest('hex'),
    }, JSON.stringify(base), false).finally(() => store.close());
    expect((await promise(b.url)).calibration.id).toBe(0);
    const activated = await fetch(`${a.url}/v1/calibrations/${id}/activate`, { method: 'POST', headers: admin });
    expect(activated.status).toBe(200);
    expect((await promise(a.url)).calibration).toMatchObject({ id, note: 'stored by the test' });
    // Within the poll (and some slack for a loaded machine), else `until` fails.
    await until('B to switch', async () => (await promise(b.url)).calibration.id === id, POLL_SECONDS * 1000 + 5_000);

    const restored = await fetch(`${b.url}/v1/calibrations/0/activate`, { method: 'POST', headers: admin });
    expect(restored.status).toBe(200);
    await until('A to go back to the file', async () => (await promise(a.url)).calibration.id === 0, POLL_SECONDS * 1000 + 5_000);
  });

  test('killing PostgreSQL loses nothing committed; both instances say so, then recover without a restart', async () => {
    const docs = await documentIds(a.url);
    const questions = await questionsInReport(a.url);

    cluster.kill();
    for (const s of [a, b]) {
      await until('readyz to fail', async () => (await readyStatus(s.url)) === 503);
      // Answered from the replica; its ledger row cannot be written, which does not fail the answer.
      const ask = await postJson(`${s.url}/v1/ask`, { question: 'At what temperature is green tea steeped?' }, admin);
      expect(ask.status).toBe(200);
      expect(ask.json.compute).toBeUndefined();
      const list = await fetch(`${s.url}/v1/documents`, { headers: admin });
      expect(list.status).toBe(503);
      // The upload cannot take the write lease: refused like a deletion, before its file is read.
      const up = (await upload(s.url, 'outage.md', '# Outage\n\nWritten while the database was down.\n')) as unknown as { status: number; json: { code: string; detail: string } };
      expect(up.status).toBe(503);
      expect(up.json).toMatchObject({ code: 'database_unavailable', detail: expect.stringMatching(/PostgreSQL .* cannot be reached/) });
      expect(s.child.exitCode).toBeNull();
    }

    cluster.restart();
    for (const s of [a, b]) await until('readyz to recover', async () => (await readyStatus(s.url)) === 200);
    expect(await documentIds(a.url)).toEqual(docs);
    expect(await questionsInReport(b.url)).toBe(questions);

    const up = await upload(b.url, 'zorblax.md', `# Zorblax\n\n${FACT}\n`);
    expect(up.status).toBe(200);
    const id = up.json.files[0].documents[0].id;
    expect(await citedDocuments(a.url, QUESTION)).toContain(id);
    expect(await questionsInReport(b.url)).toBe(questions + 1);
  });
});
