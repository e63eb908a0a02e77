/**
 * What a client sees of where a document comes from: its name relative to the corpus folder or
 * the uploads folder, never a server path; uploads keep the client's file name as title (unless
 * the document has its own) and their folders; ids beyond 2^53 are refused, not rounded.
 */
import path from 'node:path';
import { makePdf } from '../helpers/pdf';
import { auth, expectProblem, multipartBody, postJson, rawRequest, startTestServer, type TestServer, TEST_KEY } from './helpers';

interface Citation { documentId: number; name: string; title: string }
interface Listed { id: number; name: string; title: string; source: string }

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    env: { SOBRE_API_KEYS: `ops:${TEST_KEY}` },
    corpus: {}, // ingested below, from a folder with a subfolder
  });
});
afterAll(() => s.stop());

const ask = async (question: string) => (await postJson(`${s.url}/v1/ask`, { question }, auth(TEST_KEY))).text();
const list = async () => ((await (await fetch(`${s.url}/v1/documents`, { headers: auth(TEST_KEY) })).json()) as { documents: Listed[] }).documents;
const upload = async (parts: { filename: string; content: string | Buffer }[]) => {
  const { body, contentType } = multipartBody(parts);
  const res = await rawRequest(`${s.url}/v1/documents`, 'POST', { ...auth(TEST_KEY), 'content-type': contentType }, body);
  return { status: res.status, json: JSON.parse(res.body) as { files: { name: string; status: string; documents: { id: number; title: string }[] }[] } };
};

test('citations name the document relative to the folder it was ingested from, and show no server path', async () => {
  const fs = await import('node:fs');
  const corpus = s.config.corpusDir;
  fs.mkdirSync(path.join(corpus, 'guides', 'en'), { recursive: true });
  fs.writeFileSync(path.join(corpus, 'guides', 'en', 'network.md'), '# Network\n\nSobre listens on port 3000 by default.\n');
  await s.service.ingest([corpus]);
  const text = await ask('What port does Sobre listen on?');
  const body = JSON.parse(text) as { citations: Citation[] };
  expect(body.citations[0]).toMatchObject({ name: 'guides/en/network.md', title: 'Network' });
  expect(text).not.toContain(s.root);
  expect(body.citations[0]).not.toHaveProperty('source');
  expect((await list()).find((d) => d.name === 'guides/en/network.md')?.source).toBe(path.join(corpus, 'guides', 'en', 'network.md'));
});

test('an untitled upload is titled with the client file name, not a temporary one', async () => {
  const r = await upload([
    { filename: 'tea notes.txt', content: 'Green tea is made from unoxidised leaves.\n' },
    { filename: 'comet.pdf', content: makePdf(['Halley comet returns every 76 years on average.']) },
    { filename: 'titled.md', content: '# Whales\n\nThe blue whale is the largest animal.\n' },
  ]);
  expect(r.status).toBe(200);
  expect(r.json.files.map((f) => [f.name, f.status, f.documents[0]?.title])).toEqual([
    ['tea notes.txt', 'added', 'tea notes.txt'], ['comet.pdf', 'added', 'comet.pdf'], ['titled.md', 'added', 'Whales'],
  ]);
  const citation = (JSON.parse(await ask('What is green tea made from?')) as { citations: Citation[] }).citations[0];
  expect(citation).toMatchObject({ name: 'tea notes.txt', title: 'tea notes.txt' });
});

test('uploads with the same file name in different folders do not collide', async () => {
  const r = await upload([
    { filename: 'sub/x.md', content: 'Lynxes hunt hares in the boreal forest.\n' },
    { filename: 'other/x.md', content: 'Otters use stones to open shellfish.\n' },
  ]);
  expect(r.json.files.map((f) => [f.name, f.status])).toEqual([['sub/x.md', 'added'], ['other/x.md', 'added']]);
  const names = (await list()).map((d) => d.name);
  expect(names).toEqual(expect.arrayContaining(['sub/x.md', 'other/x.md']));
  expect((JSON.parse(await ask('What do lynxes hunt?')) as { citations: Citation[] }).citations[0].name).toBe('sub/x.md');
  expect((JSON.parse(await ask('How do otters open shellfish?')) as { citations: Citation[] }).citations[0].name).toBe('other/x.md');
  // Each stays in its own folder under uploads/.
  const docs = await list();
  expect(docs.find((d) => d.name === 'sub/x.md')?.source).toBe(path.join(s.config.dataDir, 'uploads', 'sub', 'x.md'));
});

test('a document id beyond 2^53 is refused, not rounded to another document', async () => {
  for (const id of ['9007199254740993', '9999999999999999']) {
    const p = await expectProblem(await fetch(`${s.url}/v1/documents/${id}`, { method: 'DELETE', headers: auth(TEST_KEY) }), 400, 'bad_request');
    expect(p.detail).toMatch(/9007199254740991/);
  }
});
