/**
 * An error answered before the request body was read closes the connection (Connection: close,
 * then the socket is closed after a short grace), so a client that keeps a slow body coming
 * holds no socket for minutes. A real HTTP server, a raw TCP client.
 */
import net from 'node:net';
import { startTestServer, type TestServer, TEST_KEY } from '../server/helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { SOBRE_API_KEYS: `ops:${TEST_KEY}` }, corpus: {} });
});
afterAll(() => s.stop());

/** Send `head` and the start of a body announced as 10 MB, never the rest; resolve with what came back and when the server closed. */
function slowBody(head: string): Promise<{ response: string; closedAfterMs: number | null }> {
  const { port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(port), '127.0.0.1');
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closedAfterMs: null });
    }, 8000);
    socket.on('data', (d: Buffer) => (response += d.toString('utf8')));
    socket.on('error', () => undefined); // a reset after the response is fine
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => {
      socket.write(`${head}\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\n\r\n`);
      socket.write('--zz\r\nContent-Disposition: form-data; name="files"; filename="a.md"\r\n\r\nstart of a long body');
      // ...and nothing more, as a slow client would.
    });
    socket.on('timeout', reject);
  });
}

test.each([
  ['an upload without a key (401)', 'POST /v1/documents HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=zz', 401],
  ['a question without a key (401)', 'POST /v1/ask HTTP/1.1\r\nContent-Type: application/json', 401],
  ['a question in the wrong content type (415)', `POST /v1/ask HTTP/1.1\r\nAuthorization: Bearer ${TEST_KEY}\r\nContent-Type: text/plain`, 415],
])('%s: the response says Connection: close, and the server closes the socket', async (_what, head, status) => {
  const r = await slowBody(head);
  expect(r.response).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
  expect(r.response.toLowerCase()).toContain('connection: close');
  expect(r.closedAfterMs).not.toBeNull();
  expect(r.closedAfterMs).toBeLessThan(5000);
});

test('an error to a request whose body was read, or that has none, keeps the connection alive', async () => {
  const res = await fetch(`${s.url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"question": ""}' });
  expect(res.status).toBe(401);
  expect(res.headers.get('connection')).toBe('keep-alive');
  const get = await fetch(`${s.url}/v1/documents`);
  expect(get.status).toBe(401);
  expect(get.headers.get('connection')).toBe('keep-alive');
});
