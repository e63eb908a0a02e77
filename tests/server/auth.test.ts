/** API keys: missing, wrong, right, both headers; scopes; weak keys; admin routes without keys; constant-time ring. */
import { KeyRing } from '../../src/server/auth';
import { createService } from '../../src/server/service';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';
import { auth, expectProblem, formWith, postJson, startTestServer, testConfig, type TestServer } from './helpers';

const QUESTION = { question: 'What port does Sobre listen on?' };
const ALICE = 'key-alice-123-9f8e7d6c';
const BOB = 'key-bob-456-a1b2c3d4e5';

describe('KeyRing', () => {
  const ring = new KeyRing([`alice:${ALICE}`, 'bob:s3cret:with:colons:7Qx9', `carol:${BOB}:ask`, `dave:${BOB}x:admin`]);

  it('names the matching key, whatever its length, and nothing else', () => {
    expect(ring.configured).toBe(true);
    expect(ring.identify(ALICE)).toBe('alice');
    expect(ring.identify('s3cret:with:colons:7Qx9')).toBe('bob');
    expect(ring.identify('s3cret')).toBeNull();
    expect(ring.identify('')).toBeNull();
    expect(ring.identify('x'.repeat(10_000))).toBeNull();
    expect(new KeyRing([]).configured).toBe(false);
  });

  it('reads a scope after the key; a pair without one is admin, as before scopes', () => {
    expect(ring.lookup(ALICE)).toEqual({ name: 'alice', scope: 'admin' });
    expect(ring.lookup(BOB)).toEqual({ name: 'carol', scope: 'ask' });
    expect(ring.lookup(`${BOB}x`)).toEqual({ name: 'dave', scope: 'admin' });
    expect(ring.lookup(`${BOB}:ask`)).toBeNull();
  });

  it.each([
    ['a short key', ['ops:short-key-1'], /ops.*at least 16 characters/],
    ['a key of few different characters', ['ops:aaaaaaaabbbbbbbbaaaa'], /ops.*at least 8 different characters/],
    ['a duplicate name', [`ops:${ALICE}`, `ops:${BOB}`], /name ops is used twice/],
    ['the same key twice', [`ops:${ALICE}`, `dev:${ALICE}:ask`], /ops and dev have the same key/],
    ['an unknown scope', [`ops:${ALICE}:root`], null],
  ])('refuses %s at start-up, naming the key but never showing it', (_what, pairs, message) => {
    if (message === null) {
      // `root` is not a scope: it is part of the key, which stays an admin key.
      expect(new KeyRing(pairs).lookup(`${ALICE}:root`)).toEqual({ name: 'ops', scope: 'admin' });
      return;
    }
    let error: Error | undefined;
    try {
      new KeyRing(pairs);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toMatchObject({ code: 'bad_config', message: expect.stringMatching(message) });
    expect(error?.message).toMatch(/SOBRE_API_KEYS/);
    for (const p of pairs) expect(error?.message).not.toContain(p.split(':')[1]);
  });

  it('stops the service before it loads anything', async () => {
    const root = makeTempDir();
    try {
      await expect(createService(testConfig(root, { SOBRE_API_KEYS: 'alice:tooshort' }), { embedder: new HashEmbedder(), generator: null }))
        .rejects.toMatchObject({ code: 'bad_config', message: expect.stringMatching(/SOBRE_API_KEYS.*alice/) });
    } finally {
      removeDir(root);
    }
  });
});

describe('key scopes over HTTP', () => {
  let s: TestServer;
  const ASKER = 'asker-key-0a1b2c3d4e5f';
  const OPS = 'ops-key-9z8y7x6w5v4u';
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: `alice:${ASKER}:ask,ops:${OPS}:admin` } });
  });
  afterAll(() => s.stop());

  it('an ask key asks, and gets 403 on every write, the report, the documents and the metrics', async () => {
    expect((await postJson(`${s.url}/v1/ask`, QUESTION, auth(ASKER))).status).toBe(200);
    const refused: [string, string, RequestInit?][] = [
      ['GET', '/v1/documents'], ['DELETE', '/v1/documents/1'], ['GET', '/v1/report'], ['GET', '/v1/report.csv'], ['GET', '/report'],
      ['GET', '/metrics'], ['POST', '/v1/documents', { body: formWith([{ name: 'x.md', content: 'Anyone may write here.' }]) }],
    ];
    for (const [method, path, init] of refused) {
      const res = await fetch(`${s.url}${path}`, { method, headers: auth(ASKER), ...init });
      const p = await expectProblem(res, 403, 'forbidden');
      expect(p.detail).toMatch(/alice.*ask.*admin key/);
    }
    expect((await (await fetch(`${s.url}/v1/documents`, { headers: auth(OPS) })).json()) as { documents: { source: string }[] })
      .toMatchObject({ documents: expect.not.arrayContaining([expect.objectContaining({ source: expect.stringMatching(/x\.md$/) })]) });
  });

  it('a browser signed in with an ask key has the scope of that key', async () => {
    const signIn = await fetch(`${s.url}/signin`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `key=${ASKER}&next=%2Fmetrics`,
    });
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    const p = await expectProblem(await fetch(`${s.url}/metrics`, { headers: { cookie } }), 403, 'forbidden');
    expect(p.detail).toMatch(/alice.*scope ask/);
    await expectProblem(await fetch(`${s.url}/v1/documents`, { headers: { cookie } }), 403, 'forbidden');
  });

  it('an admin key does everything', async () => {
    for (const path of ['/v1/documents', '/v1/report', '/report', '/metrics']) {
      expect({ path, status: (await fetch(`${s.url}${path}`, { headers: auth(OPS) })).status }).toEqual({ path, status: 200 });
    }
    expect((await postJson(`${s.url}/v1/ask`, QUESTION, auth(OPS))).status).toBe(200);
  });
});

describe('with SOBRE_API_KEYS set', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: `alice:${ALICE},bob:${BOB}` } });
  });
  afterAll(() => s.stop());

  it('refuses a question without a key (401 with a challenge)', async () => {
    const res = await postJson(`${s.url}/v1/ask`, QUESTION);
    const p = await expectProblem(res, 401, 'unauthorized');
    expect(p.detail).toMatch(/Authorization: Bearer/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it.each([
    ['a wrong bearer key', { authorization: `Bearer ${ALICE}x` }],
    ['a wrong x-api-key', { 'x-api-key': 'nope' }],
    ['another scheme', { authorization: 'Basic a2V5LWFsaWNlLTEyMw==' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['two different keys', { authorization: `Bearer ${ALICE}`, 'x-api-key': BOB }],
  ])('refuses %s', async (_what, headers) => {
    await expectProblem(await postJson(`${s.url}/v1/ask`, QUESTION, headers), 401, 'unauthorized');
  });

  it.each([
    ['Authorization: Bearer', { authorization: `Bearer ${ALICE}` }],
    ['lower-case bearer', { authorization: `bearer ${BOB}` }],
    ['x-api-key', { 'x-api-key': BOB }],
    ['both headers with the same key', { authorization: `Bearer ${ALICE}`, 'x-api-key': ALICE }],
  ])('answers with %s', async (_what, headers) => {
    const res = await postJson(`${s.url}/v1/ask`, QUESTION, headers);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { route: string }).route).toBe('direct');
  });

  it('needs a key for admin routes and accepts any configured key', async () => {
    for (const path of ['/v1/documents', '/v1/report', '/report', '/metrics']) {
      await expectProblem(await fetch(`${s.url}${path}`), 401, 'unauthorized');
      const ok = await fetch(`${s.url}${path}`, { headers: auth(BOB) });
      expect({ path, status: ok.status }).toEqual({ path, status: 200 });
    }
  });

  it('keeps health, readiness and the OpenAPI document public', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json']) expect((await fetch(`${s.url}${path}`)).status).toBe(200);
  });
});

describe('without SOBRE_API_KEYS', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.stop());

  it('lets anyone ask', async () => {
    expect((await postJson(`${s.url}/v1/ask`, QUESTION)).status).toBe(200);
  });

  it('refuses admin routes with 403, saying to set SOBRE_API_KEYS, even from loopback and with a key', async () => {
    // The report is the exception on loopback (tests/server/local-access.test.ts).
    for (const [method, path] of [['GET', '/v1/documents'], ['POST', '/v1/documents'], ['DELETE', '/v1/documents/1'], ['GET', '/metrics']]) {
      const p = await expectProblem(await fetch(`${s.url}${path}`, { method, headers: auth('anything') }), 403, 'forbidden');
      expect(p.detail).toMatch(/SOBRE_API_KEYS/);
    }
  });
});
