/** POST/GET/DELETE /v1/documents: every format, bad files, hostile file names, re-uploads, deletion. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { safeUploadName } from '../../src/server/upload-names';
import { makePdf } from '../helpers/pdf';
import { auth, expectProblem, formWith, multipartBody, postJson, rawRequest, startTestServer, type TestServer, TEST_KEY } from './helpers';

interface FileResult { name: string; status: string; code?: string; reason?: string; documents: { id: number; title: string; outcome: string; chunks: number }[]; pruned?: number; lineFailures?: { where: string; reason: string }[] }
interface UploadBody { files: FileResult[]; summary: Record<string, number> }

describe('safeUploadName', () => {
  it.each([
    ['guide.md', 'guide.md'],
    ['docs/sub/guide.md', 'docs/sub/guide.md'],
    ['docs\\sub\\guide.md', 'docs/sub/guide.md'],
    ['./a//b/./c.md', 'a/b/c.md'],
    ['.git/x.md', '_git/x.md'],
    ['résumé été.md', 'résumé été.md'],
    ['x*y?z|.md', 'x_y_z_.md'],
    ['notes:v2.md', 'notes_v2.md'],
    ['.hidden.md', '_hidden.md'],
    ['...md', '___md'],
  ])('%j → %j', (given, expected) => {
    expect(safeUploadName(given)).toEqual({ ok: true, name: expected });
  });

  it.each([
    ['../../etc/passwd'], ['..\\x.md'], ['a/../../b.md'], ['docs/..'], ['..'], ['/etc/passwd.md'], ['\\\\server\\share\\x.md'],
    ['C:\\Windows\\x.md'], ['c:x.md'], ['a\u0000.md'], ['a\nb.md'], [''], ['dir/'], ['___'],
  ])('refuses %j', (given) => {
    expect(safeUploadName(given).ok).toBe(false);
  });

  it('keeps names under 200 bytes with their extension', () => {
    const r = safeUploadName(`${'é'.repeat(300)}.md`);
    expect(r.ok && Buffer.byteLength(r.name) <= 200 && r.name.endsWith('.md')).toBe(true);
  });
});

describe('over HTTP', () => {
  let s: TestServer;
  const KEY = auth(TEST_KEY);
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: `admin:${TEST_KEY}` } });
  });
  afterAll(() => s.stop());

  const upload = async (files: { name: string; content: string | Buffer }[]) =>
    fetch(`${s.url}/v1/documents`, { method: 'POST', headers: KEY, body: formWith(files) });
  const uploadsDir = () => path.join(s.config.dataDir, 'uploads');
  const ask = async (question: string) => (await (await postJson(`${s.url}/v1/ask`, { question }, KEY)).json()) as { route: string; citations: { documentId: number; chunkId: number; name: string }[] };

  it('ingests every supported format through the same code as the ingest script', async () => {
    const res = await upload([
      { name: 'whales.md', content: '# Whales\n\nThe blue whale is the largest animal ever known.\n' },
      { name: 'tea.txt', content: 'Green tea is made from unoxidised leaves of Camellia sinensis.\n' },
      { name: 'volcano.html', content: '<html><head><title>Volcanoes</title><script>alert(1)</script></head><body><p>Mauna Loa is the largest active volcano on Earth.</p></body></html>' },
      { name: 'comet.pdf', content: makePdf(['Halley comet returns every 76 years on average.'], { title: 'Comets' }) },
      { name: 'facts.jsonl', content: '{"id":"a","title":"Saturn","text":"Saturn has the most moons of any planet."}\n{"id":"b","text":"Mercury is the closest planet to the Sun."}\nnot json\n' },
    ]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as UploadBody;
    expect(body.files.map((f) => [f.name, f.status])).toEqual([
      ['whales.md', 'added'], ['tea.txt', 'added'], ['volcano.html', 'added'], ['comet.pdf', 'added'], ['facts.jsonl', 'added'],
    ]);
    expect(body.summary).toEqual({ added: 5, updated: 0, unchanged: 0, failed: 0 });
    expect(body.files[2].documents[0].title).toBe('Volcanoes');
    expect(body.files[3].documents[0].title).toBe('Comets');
    expect(body.files[4].documents.map((d) => d.title)).toEqual(['Saturn', 'b']);
    expect(body.files[4].lineFailures).toEqual([{ where: 'facts.jsonl:3', reason: expect.any(String) }]);
    for (const f of body.files) for (const d of f.documents) expect(d.chunks).toBeGreaterThan(0);
    expect(fs.readdirSync(uploadsDir()).sort()).toEqual(['.incoming', 'comet.pdf', 'facts.jsonl', 'tea.txt', 'volcano.html', 'whales.md'].sort());
    expect(fs.readdirSync(path.join(uploadsDir(), '.incoming'))).toEqual([]);
    const a = await ask('What is the largest animal ever known?');
    expect(a.citations[0].name).toBe('whales.md');
  });

  it('reports unchanged and updated re-uploads, and prunes JSON Lines documents that are gone', async () => {
    const again = (await (await upload([{ name: 'whales.md', content: '# Whales\n\nThe blue whale is the largest animal ever known.\n' }])).json()) as UploadBody;
    expect(again.files[0].status).toBe('unchanged');
    const changed = (await (await upload([{ name: 'whales.md', content: '# Whales\n\nThe blue whale can weigh 150 tonnes.\n' }])).json()) as UploadBody;
    expect(changed.files[0].status).toBe('updated');
    expect(changed.files[0].documents[0].id).toBe(again.files[0].documents[0].id);
    const fewer = (await (await upload([{ name: 'facts.jsonl', content: '{"id":"a","title":"Saturn","text":"Saturn has the most moons of any planet."}\n' }])).json()) as UploadBody;
    expect(fewer.files[0]).toMatchObject({ status: 'unchanged', pruned: 1 });
  });

  it('reports bad files per file (200 when some succeed, 422 problem when none does)', async () => {
    const mixed = await upload([
      { name: 'ok.md', content: 'Kiwis are flightless birds from New Zealand.' },
      { name: 'binary.md', content: Buffer.from([0, 1, 2, 3, 0, 255, 254, 0, 0, 7]) },
      { name: 'program.exe', content: 'MZ' },
      { name: 'empty.txt', content: '' },
      { name: 'broken.pdf', content: 'not a pdf at all' },
    ]);
    expect(mixed.status).toBe(200);
    const body = (await mixed.json()) as UploadBody;
    expect(body.files.map((f) => [f.name, f.status, f.code])).toEqual([
      ['ok.md', 'added', undefined], ['binary.md', 'failed', 'bad_file'], ['program.exe', 'failed', 'unsupported_format'],
      ['empty.txt', 'failed', 'bad_file'], ['broken.pdf', 'failed', 'bad_file'],
    ]);
    for (const f of body.files.slice(1)) {
      expect(f.reason).toBeTruthy();
      expect(f.reason).not.toContain('.incoming');
    }
    expect(fs.existsSync(path.join(uploadsDir(), 'binary.md'))).toBe(false);
    const allBad = await upload([{ name: 'program.exe', content: 'MZ' }]);
    const p = await expectProblem(allBad, 422, 'ingest_failed');
    expect((p.files as FileResult[])[0]).toMatchObject({ name: 'program.exe', status: 'failed', code: 'unsupported_format' });
  });

  it('never writes outside the uploads folder, whatever the file name', async () => {
    const names = ['../../etc/passwd', '..\\x.md', '../../../x.md', '/etc/passwd.md', 'C:\\evil.md', 'a/../../b.md', '..', 'ok/../../../c.md'];
    const { body, contentType } = multipartBody(names.map((n) => ({ filename: n, content: 'Penguins live in the southern hemisphere.' })));
    const res = await rawRequest(`${s.url}/v1/documents`, 'POST', { ...KEY, 'content-type': contentType }, body);
    expect(res.status).toBe(422);
    const p = JSON.parse(res.body) as { files: FileResult[] };
    expect(p.files.map((f) => f.code)).toEqual(names.map(() => 'unsafe_name'));
    const nul = multipartBody([{ filename: 'x\u0000.md', content: 'abc def' }]);
    const r2 = await rawRequest(`${s.url}/v1/documents`, 'POST', { ...KEY, 'content-type': nul.contentType }, nul.body);
    expect([400, 422]).toContain(r2.status);
    // A plain folder prefix is kept, inside the uploads folder.
    const sub = multipartBody([{ filename: 'docs/sub/owls.md', content: 'Owls hunt at night.' }]);
    const r3 = JSON.parse((await rawRequest(`${s.url}/v1/documents`, 'POST', { ...KEY, 'content-type': sub.contentType }, sub.body)).body) as UploadBody;
    expect(r3.files[0]).toMatchObject({ name: 'docs/sub/owls.md', status: 'added' });
    const everything: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (f: string) => everything.push(f))(path.join(d, e.name));
    };
    walk(s.root);
    const outside = everything.filter((f) => !f.startsWith(uploadsDir() + path.sep) && !/(sobre\.db.*|vectors\.(hnsw|json)|calibration\.json)$/.test(f) && !f.startsWith(s.config.corpusDir));
    expect(outside).toEqual([]);
  });

  it('415 for a non-multipart body, 400 for a form without files or a malformed one', async () => {
    await expectProblem(await postJson(`${s.url}/v1/documents`, { file: 'x' }, KEY), 415, 'unsupported_format');
    const form = new FormData();
    form.append('note', 'no files here');
    await expectProblem(await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: KEY, body: form }), 400, 'bad_request');
    const bad = await rawRequest(`${s.url}/v1/documents`, 'POST', { ...KEY, 'content-type': 'multipart/form-data; boundary=zzz' }, '--zzz\r\nContent-Disposition: form-data; name="files"; filename="a.md"\r\n\r\nunterminated');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
  });

  it('lists documents and deletes one through the store and the index', async () => {
    const list = (await (await fetch(`${s.url}/v1/documents`, { headers: KEY })).json()) as { documents: { id: number; source: string }[] };
    const owls = list.documents.find((d) => d.source.endsWith(`${path.sep}owls.md`));
    expect(owls).toBeDefined();
    const before = (await ask('When do owls hunt?')).citations;
    expect(before.some((c) => c.documentId === owls?.id)).toBe(true);
    const del = await fetch(`${s.url}/v1/documents/${owls?.id}`, { method: 'DELETE', headers: KEY });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ id: owls?.id, deleted: true, chunksRemoved: 1 });
    expect((await ask('When do owls hunt?')).citations.some((c) => c.documentId === owls?.id)).toBe(false);
    expect(fs.existsSync(path.join(uploadsDir(), 'docs'))).toBe(false); // docs/sub/owls.md, and its emptied folders
    await expectProblem(await fetch(`${s.url}/v1/documents/${owls?.id}`, { method: 'DELETE', headers: KEY }), 404, 'not_found');
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    const saved = JSON.parse(fs.readFileSync(path.join(s.config.dataDir, 'vectors.json'), 'utf8')) as { generation: number };
    const db = new Database(path.join(s.config.dataDir, 'sobre.db'), { readonly: true });
    try {
      expect(saved.generation).toBe(Number(db.prepare("SELECT value FROM meta WHERE key = 'generation'").pluck().get()));
    } finally {
      db.close();
    }
  });
});
