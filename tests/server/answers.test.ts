/** GET/PUT/DELETE /v1/answers: known answers listed, pinned and cleared by an admin; FAQ pairs stay with their document. */
import { auth, expectProblem, startTestServer, type TestServer, TEST_KEY } from './helpers';

const KEY = auth(TEST_KEY);
const FAQ = { 'faq.md': '# FAQ\n\n## How do I rotate a key?\n\nIssue a new key and remove the old pair from SOBRE_API_KEYS.\n' };

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { SOBRE_API_KEYS: `admin:${TEST_KEY}` }, corpus: { ...FAQ, 'port.md': '# Port\n\nSobre listens on port 3000 by default.\n' } });
});
afterAll(() => s.stop());

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${s.url}${path}`, { method, headers: { ...KEY, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

test('lists the FAQ pairs found at ingest, with their citation', async () => {
  const res = await call('GET', '/v1/answers?kind=faq');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { total: number; answers: { question: string; answer: string; citations: { source: string }[] }[] };
  expect(body.total).toBe(1);
  expect(body.answers[0]).toMatchObject({ question: 'How do I rotate a key?', answer: 'Issue a new key and remove the old pair from SOBRE_API_KEYS.' });
  expect(body.answers[0].citations[0].source).toMatch(/faq\.md$/);
});

test('pins an answer, replaces it for the same question, refuses a missing chunk, and removes it', async () => {
  const docs = (await (await call('GET', '/v1/documents')).json()) as { documents: { id: number; source: string }[] };
  expect(docs.documents.length).toBe(2);
  const first = await call('PUT', '/v1/answers', { question: 'Which port?', answer: 'Port 3000.' });
  expect(first.status).toBe(200);
  const second = (await (await call('PUT', '/v1/answers', { question: 'which port', answer: 'Port 3000, unless PORT is set.' })).json()) as { id: number; kind: string; namespace: string };
  expect(second).toMatchObject({ kind: 'curated', namespace: '' });
  const list = (await (await call('GET', '/v1/answers?kind=curated')).json()) as { total: number; answers: { answer: string }[] };
  expect(list.total).toBe(1);
  expect(list.answers[0].answer).toBe('Port 3000, unless PORT is set.');
  await expectProblem(await call('PUT', '/v1/answers', { question: 'x?', answer: 'y', chunkIds: [999999] }), 404, 'not_found');
  expect(await (await call('DELETE', `/v1/answers/${second.id}`)).json()).toEqual({ removed: 1 });
  await expectProblem(await call('DELETE', `/v1/answers/${second.id}`), 404, 'not_found');
});

test('clearing never removes FAQ pairs; bad filters and unknown fields are 400; admin only', async () => {
  await call('PUT', '/v1/answers', { question: 'Pinned?', answer: 'Yes.' });
  expect(await (await call('DELETE', '/v1/answers')).json()).toEqual({ removed: 1 });
  expect(((await (await call('GET', '/v1/answers')).json()) as { total: number }).total).toBe(1);
  await expectProblem(await call('DELETE', '/v1/answers?kind=faq'), 400, 'bad_request');
  await expectProblem(await call('GET', '/v1/answers?limit=0'), 400, 'bad_request');
  await expectProblem(await call('PUT', '/v1/answers', { question: 'q', answer: 'a', extra: 1 }), 400, 'bad_request');
  expect((await fetch(`${s.url}/v1/answers`)).status).toBe(401);
});
