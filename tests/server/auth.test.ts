/** API keys: missing, wrong, right, both headers; admin routes without keys; constant-time ring. */
import { KeyRing } from '../../src/server/auth';
import { auth, expectProblem, postJson, startTestServer, type TestServer } from './helpers';

const QUESTION = { question: 'What port does Sobre listen on?' };

describe('KeyRing', () => {
  const ring = new KeyRing(['alice:s3cret-a', 'bob:s3cret:with:colons']);

  it('names the matching key, whatever its length, and nothing else', () => {
    expect(ring.configured).toBe(true);
    expect(ring.identify('s3cret-a')).toBe('alice');
    expect(ring.identify('s3cret:with:colons')).toBe('bob');
    expect(ring.identify('s3cret')).toBeNull();
    expect(ring.identify('')).toBeNull();
    expect(ring.identify('x'.repeat(10_000))).toBeNull();
    expect(new KeyRing([]).configured).toBe(false);
  });
});

describe('with SOBRE_API_KEYS set', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: 'alice:key-alice-123,bob:key-bob-456' } });
  });
  afterAll(() => s.stop());

  it('refuses a question without a key (401 with a challenge)', async () => {
    const res = await postJson(`${s.url}/v1/ask`, QUESTION);
    const p = await expectProblem(res, 401, 'unauthorized');
    expect(p.detail).toMatch(/Authorization: Bearer/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it.each([
    ['a wrong bearer key', { authorization: 'Bearer key-alice-124' }],
    ['a wrong x-api-key', { 'x-api-key': 'nope' }],
    ['another scheme', { authorization: 'Basic a2V5LWFsaWNlLTEyMw==' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['two different keys', { authorization: 'Bearer key-alice-123', 'x-api-key': 'key-bob-456' }],
  ])('refuses %s', async (_what, headers) => {
    await expectProblem(await postJson(`${s.url}/v1/ask`, QUESTION, headers), 401, 'unauthorized');
  });

  it.each([
    ['Authorization: Bearer', { authorization: 'Bearer key-alice-123' }],
    ['lower-case bearer', { authorization: 'bearer key-bob-456' }],
    ['x-api-key', { 'x-api-key': 'key-bob-456' }],
    ['both headers with the same key', { authorization: 'Bearer key-alice-123', 'x-api-key': 'key-alice-123' }],
  ])('answers with %s', async (_what, headers) => {
    const res = await postJson(`${s.url}/v1/ask`, QUESTION, headers);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { route: string }).route).toBe('direct');
  });

  it('needs a key for admin routes and accepts any configured key', async () => {
    for (const path of ['/v1/documents', '/v1/report', '/report', '/metrics']) {
      await expectProblem(await fetch(`${s.url}${path}`), 401, 'unauthorized');
      const ok = await fetch(`${s.url}${path}`, { headers: auth('key-bob-456') });
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
