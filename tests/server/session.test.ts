/** Browser sign-in: signed stateless sessions, cookie attributes, CSRF, and keys never taken from a query string. */
import { Sessions, SESSION_COOKIE } from '../../src/server/session';
import { auth, expectProblem, formWith, startTestServer, type TestServer } from './helpers';

const KEYS = ['alice:key-alice-123-9f8e7d6c', 'bob:key-bob-456-a1b2c3d4e5'];
const identify = (key: string) => (key === 'key-alice-123-9f8e7d6c' ? { name: 'alice' } : null);

function sessions(opts: Partial<ConstructorParameters<typeof Sessions>[0]> = {}): Sessions {
  return new Sessions({ apiKeys: KEYS, secret: '', ttlMinutes: 60, authenticate: identify, ...opts });
}

describe('Sessions', () => {
  it('verifies its own token in any instance with the same keys and secret, and nothing else', () => {
    const { token } = sessions().issue({ name: 'alice' });
    expect(sessions().verify(token)).toEqual({ name: 'alice' });
    expect(sessions({ apiKeys: [...KEYS].reverse() }).verify(token)).toEqual({ name: 'alice' }); // order does not matter
    expect(sessions({ apiKeys: ['alice:key-alice-999', KEYS[1]] }).verify(token)).toBeNull(); // a key changed
    expect(sessions({ secret: 'other' }).verify(token)).toBeNull();
    const withSecret = sessions({ secret: 's3' }).issue({ name: 'alice', scope: 'admin' }).token;
    expect(sessions({ secret: 's3' }).verify(withSecret)).toEqual({ name: 'alice', scope: 'admin' });
  });

  it('rejects tampered and expired tokens', () => {
    const s = sessions();
    const { token } = s.issue({ name: 'alice' });
    const [payload, sig] = token.split('.');
    const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('alice', 'bobby')).toString('base64url');
    expect(s.verify(`${forged}.${sig}`)).toBeNull();
    expect(s.verify(`${payload}.${sig.slice(0, -2)}AA`)).toBeNull();
    expect(s.verify(`${payload}.${sig}.x`)).toBeNull();
    expect(s.verify('')).toBeNull();
    let now = Date.now();
    const clocked = sessions({ now: () => now });
    const short = clocked.issue({ name: 'alice' }).token;
    expect(clocked.verify(short)).not.toBeNull();
    now += 61 * 60_000;
    expect(clocked.verify(short)).toBeNull();
  });

  it('derives a CSRF token per session', () => {
    const s = sessions();
    const a = s.issue({ name: 'alice' }).token;
    const b = s.issue({ name: 'alice' }).token;
    expect(s.csrfToken(a)).not.toBe(s.csrfToken(b));
    expect(sessions().csrfToken(a)).toBe(s.csrfToken(a));
  });
});

describe('sign-in over HTTP', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: KEYS.join(','), SOBRE_SESSION_TTL_MINUTES: '30' } });
  });
  afterAll(() => s.stop());

  const signIn = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  async function cookie(): Promise<string> {
    const res = await signIn('key=key-alice-123-9f8e7d6c&next=%2Fmetrics');
    expect(res.status).toBe(303);
    return (res.headers.get('set-cookie') ?? '').split(';')[0];
  }

  it('serves the form under a strict CSP', async () => {
    const res = await fetch(`${s.url}/signin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*form-action 'self'/);
    expect(await res.text()).toContain('name="key"');
  });

  it('sets an HttpOnly, SameSite=Strict, expiring cookie for a right key and redirects to next', async () => {
    const res = await signIn('key=key-alice-123-9f8e7d6c&next=%2Fmetrics');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/metrics');
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(new RegExp(`^${SESSION_COOKIE}=[\\w-]+\\.[\\w-]+;`));
    expect(set).toMatch(/; Path=\//);
    expect(set).toMatch(/; HttpOnly/);
    expect(set).toMatch(/; SameSite=Strict/);
    expect(set).toMatch(/; Max-Age=1800/);
    expect(set).not.toMatch(/Secure/); // plain HTTP here
    const metrics = await fetch(`${s.url}/metrics`, { headers: { cookie: set.split(';')[0] } });
    expect(metrics.status).toBe(200);
  });

  it('refuses a wrong key, an off-site next and a cross-site form', async () => {
    const wrong = await signIn('key=key-alice-124');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await signIn('key=key-alice-123-9f8e7d6c&next=%2F%2Fevil.example')).headers.get('location')).toBe('/review');
    expect((await signIn('key=key-alice-123-9f8e7d6c&next=https%3A%2F%2Fevil.example')).headers.get('location')).toBe('/review');
    await expectProblem(await signIn('key=key-alice-123-9f8e7d6c', { origin: 'https://evil.example' }), 403, 'forbidden');
  });

  it('never takes a key from a query string', async () => {
    for (const name of ['key', 'api_key', 'apiKey', 'token', 'access_token', SESSION_COOKIE]) {
      await expectProblem(await fetch(`${s.url}/metrics?${name}=key-alice-123-9f8e7d6c`), 401, 'unauthorized');
    }
    const viaQuery = await fetch(`${s.url}/signin?key=key-alice-123-9f8e7d6c`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(viaQuery.status).toBe(401);
    expect(viaQuery.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a tampered cookie', async () => {
    const c = await cookie();
    await expectProblem(await fetch(`${s.url}/metrics`, { headers: { cookie: `${c.slice(0, -3)}abc` } }), 401, 'unauthorized');
  });

  it('sends a browser without a session to the form', async () => {
    const res = await fetch(`${s.url}/report`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/signin?next=%2Freport');
  });

  it("refuses a state-changing request by cookie without the session's CSRF token, accepts it with the token", async () => {
    const c = await cookie();
    const token = c.slice(c.indexOf('=') + 1);
    const csrf = new Sessions({ apiKeys: KEYS, secret: '', ttlMinutes: 30, authenticate: identify }).csrfToken(token);
    const upload = (headers: Record<string, string>) => fetch(`${s.url}/v1/documents`, { method: 'POST', headers, body: formWith([{ name: 'x.md', content: '# X\n\nSobre keeps a ledger.\n' }]) });
    await expectProblem(await upload({ cookie: c }), 403, 'csrf');
    await expectProblem(await upload({ cookie: c, 'x-csrf-token': 'wrong' }), 403, 'csrf');
    expect((await upload({ cookie: c, 'x-csrf-token': csrf })).status).toBe(200);
    expect((await upload(auth('key-bob-456-a1b2c3d4e5'))).status).toBe(200); // a key header needs no CSRF token
    const out = (body: string) => fetch(`${s.url}/signout`, { method: 'POST', redirect: 'manual', headers: { cookie: c, 'content-type': 'application/x-www-form-urlencoded' }, body });
    await expectProblem(await out(''), 403, 'csrf');
    const signedOut = await out(`_csrf=${encodeURIComponent(csrf)}`);
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
  });
});

describe('sign-in over TLS (behind a trusted proxy)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: KEYS.join(','), SOBRE_TRUST_PROXY: 'loopback' } });
  });
  afterAll(() => s.stop());

  it('marks the cookie Secure', async () => {
    const res = await fetch(`${s.url}/signin`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' }, body: 'key=key-alice-123-9f8e7d6c',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
  });
});

describe('sign-in without SOBRE_API_KEYS', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.stop());

  it('is refused', async () => {
    const res = await fetch(`${s.url}/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=anything' });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});
