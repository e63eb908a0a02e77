/**
 * Out of the box (no API keys, bound to 127.0.0.1) the report and the dashboard are open to the
 * person at this machine; with no keys on any other address, or through a proxy, they stay closed
 * (403 saying what to do). Real service over HTTP.
 */
import os from 'node:os';
import { isLoopbackAddress, reportOpenLocally } from '../../src/server/local-access';
import { expectProblem, startTestServer, type TestServer } from './helpers';

const REPORT_PATHS = ['/report', '/v1/report', '/v1/report.csv'];

describe('no keys, bound to 127.0.0.1', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ corpus: {}, env: { HOST: '127.0.0.1' } });
  });
  afterAll(() => s.stop());

  it('opens the report and the dashboard to this machine, without a sign-in', async () => {
    for (const path of REPORT_PATHS) {
      const res = await fetch(`${s.url}${path}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
    const html = await (await fetch(`${s.url}/report`)).text();
    expect(html).toContain('Answered without an LLM');
    expect(html).not.toContain('Sign out');
  });

  it('keeps the other admin routes closed', async () => {
    await expectProblem(await fetch(`${s.url}/v1/documents`), 403, 'forbidden');
    await expectProblem(await fetch(`${s.url}/metrics`), 403, 'forbidden');
  });

  it('refuses a request that came through a proxy', async () => {
    const p = await expectProblem(await fetch(`${s.url}/report`, { headers: { 'x-forwarded-for': '203.0.113.9' } }), 403, 'forbidden');
    expect(p.detail).toMatch(/SOBRE_API_KEYS/);
  });
});

describe('no keys, bound to another address', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ corpus: {}, env: { HOST: '0.0.0.0' } });
  });
  afterAll(() => s.stop());

  it('keeps the report closed with 403, saying what to do, even asked from this machine', async () => {
    for (const path of REPORT_PATHS) {
      const p = await expectProblem(await fetch(`${s.url}${path}`, { headers: { accept: 'text/html' }, redirect: 'manual' }), 403, 'forbidden');
      expect(p.detail).toMatch(/SOBRE_API_KEYS/);
    }
  });
});

describe('listening on every address with the loopback rule', () => {
  // Config says loopback but the server listens on all addresses: a peer from another address is refused.
  const external = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  const maybe = external ? it : it.skip;
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ corpus: {}, env: { HOST: '127.0.0.1' } });
  });
  afterAll(() => s.stop());

  maybe('refuses a peer that is not this machine through loopback', async () => {
    const server = s.service.app.listen(0, '0.0.0.0');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const port = (server.address() as { port: number }).port;
    await expectProblem(await fetch(`http://${external}:${port}/report`), 403, 'forbidden');
    expect((await fetch(`http://127.0.0.1:${port}/report`)).status).toBe(200);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

test('which addresses are loopback, and when the report opens', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost']) expect({ a, loop: isLoopbackAddress(a) }).toEqual({ a, loop: true });
  for (const a of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '', undefined]) expect({ a, loop: isLoopbackAddress(a) }).toEqual({ a, loop: false });
  expect(reportOpenLocally(false, '127.0.0.1')).toBe(true);
  expect(reportOpenLocally(true, '127.0.0.1')).toBe(false);
  expect(reportOpenLocally(false, '0.0.0.0')).toBe(false);
});
