/**
 * 1,200 malformed or hostile requests over real HTTP, from a seeded PRNG: bad JSON, wrong types,
 * huge and empty strings, invalid UTF-8, deep nesting, wrong methods and content types, hostile
 * upload names and bodies, bad keys, odd paths and queries. No 5xx, every error a problem
 * document, and the service still healthy and consistent afterwards.
 */
import http from 'node:http';
import { seededRandom as prng } from '../../src/answer/calibration';
import { multipartBody, startTestServer, type TestServer } from './helpers';

const KEY = 'fuzz-key-0123456789';
const TOTAL = 1200;
const PARALLEL = 12;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  what: string;
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, n: number) => Math.floor(r() * n);

function randomBytes(r: Rand, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(r, 256);
  return b;
}

function randomString(r: Rand, n: number): string {
  const alphabet = ['a', 'é', '漢', '😀', ' ', '"', '\\', '\n', '\u0000', '\u202e', '<', '>', '{', '}', '%', '/', '..', 'port', 'Sobre'];
  let s = '';
  for (let i = 0; i < n; i++) s += pick(r, alphabet);
  return s;
}

function nested(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

const PATHS = ['/v1/ask', '/v1/documents', '/v1/documents/1', '/v1/documents/999999', '/v1/report', '/v1/report.csv', '/report', '/metrics', '/healthz', '/readyz', '/openapi.json'];
const ODD_PATHS = [
  '/v1/documents/%E0%A4%A', '/v1/documents/..%2F..%2Fetc%2Fpasswd', '/v1/../v1/ask', '/%00', '/v1/ask%00', '/v1//ask', '/V1/ASK',
  '/v1/documents/1/extra', '/v1/documents/%20', '/report?from=%ZZ', '/v1/report?from[]=1&from=2', '/v1/report?to=9999-99-99',
  `/v1/${'a'.repeat(3000)}`, '/v1/ask?explain=1&explain=0', '/v1/ask?explain=%FF', '/.env', '/v1/documents/00001',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/json; charset=latin1', 'application/json; charset=utf-16', '*/*', 'application/problem+json', 'garbage'];
const UPLOAD_NAMES = ['../../etc/passwd', '..\\x.md', '/abs/x.md', 'C:\\x.md', 'a/../../b.md', 'ok.md', 'x.pdf', 'y.jsonl', 'z.html', 'w.txt', '.md', '', 'a%2F..%2Fb.md', '💥.md', 'CON.md', 'x'.repeat(400) + '.md'];

function keyHeaders(r: Rand): Record<string, string> {
  // Mostly a valid key, so the bodies get past authentication and are really parsed.
  if (r() < 0.6) return int(r, 2) ? { authorization: `Bearer ${KEY}` } : { 'x-api-key': KEY };
  switch (int(r, 7)) {
    case 0: return {};
    case 1: return { authorization: `Bearer ${KEY}` };
    case 2: return { 'x-api-key': KEY };
    case 3: return { authorization: `Bearer ${KEY}x` };
    case 4: return { authorization: pick(r, ['Bearer', 'Basic Zm9vOmJhcg==', 'Bearer  ', `bearer ${KEY}`, 'Digest x', 'B'.repeat(2000)]) };
    case 5: return { authorization: `Bearer ${KEY}`, 'x-api-key': 'other' };
    default: return { 'x-api-key': randomBytes(r, 12).toString('base64') };
  }
}

function askBody(r: Rand): { body: Buffer; what: string } {
  const text = (s: string, what: string) => ({ body: Buffer.from(s), what });
  switch (int(r, 16)) {
    case 0: return { body: randomBytes(r, int(r, 300)), what: 'random bytes' };
    case 1: return text(JSON.stringify({ question: randomString(r, int(r, 40)) }).slice(0, int(r, 30)), 'truncated JSON');
    case 2: return { body: Buffer.concat([Buffer.from('{"question":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('"}')]), what: 'invalid UTF-8' };
    case 3: return text(nested(1000 + int(r, 20000), '[', ']'), 'deep arrays');
    case 4: return text(`{"question":"x","a":${nested(500 + int(r, 5000), '{"a":', '}')}}`, 'deep objects');
    case 5: return text(JSON.stringify({ question: 'x'.repeat(1001 + int(r, 3000)) }), 'question too long');
    case 6: return text(JSON.stringify({ question: 'y'.repeat(70_000) }), 'body too large');
    case 7: return text('', 'empty body');
    case 8: return text(JSON.stringify({ question: pick(r, [null, 1, true, [], {}, [1, 2], -0, 1e308]) }), 'wrong question type');
    case 9: return text(JSON.stringify({ question: 'port?', stream: pick(r, ['true', 1, null, {}]) }), 'wrong stream type');
    case 10: return text(JSON.stringify({ question: '', explain: true }), 'empty question');
    case 11: return text(JSON.stringify({ question: ' \n\t ' }), 'blank question');
    case 12: return text(JSON.stringify({ question: randomString(r, 1 + int(r, 200)), extra: 1 }), 'unknown field');
    case 13: return text('{"question": "a", "question": 5}', 'duplicate key');
    case 14: return text(JSON.stringify({ question: randomString(r, 1 + int(r, 300)) }), 'odd question');
    default: return text(JSON.stringify({ __proto__: { polluted: true }, constructor: { prototype: { x: 1 } }, question: 'port?' }), 'prototype keys');
  }
}

function uploadRequest(r: Rand): { body: Buffer; contentType: string; what: string } {
  if (int(r, 5) === 0) {
    const boundary = 'b' + int(r, 1e6);
    const raw = pick(r, [
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.md"\r\n\r\nabc`,
      `--${boundary}--`,
      `garbage${randomString(r, 50)}`,
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename*=UTF-8''%E2%82%AC.md\r\n\r\nEuro\r\n--${boundary}--\r\n`,
      `--${boundary}\r\n${'X-H: v\r\n'.repeat(100)}\r\nx\r\n--${boundary}--\r\n`,
    ]);
    return { body: Buffer.from(raw), contentType: `multipart/form-data; boundary=${boundary}`, what: 'broken multipart' };
  }
  const parts = Array.from({ length: 1 + int(r, 3) }, () => ({
    filename: pick(r, UPLOAD_NAMES).replace(/"/g, ''),
    content: int(r, 2) ? randomBytes(r, int(r, 400)) : Buffer.from(randomString(r, int(r, 200))),
  }));
  const { body, contentType } = multipartBody(parts);
  return { body, contentType, what: `upload ${parts.map((p) => p.filename.slice(0, 30)).join(',')}` };
}

function fuzzRequest(r: Rand): FuzzRequest {
  const headers = keyHeaders(r);
  switch (int(r, 6)) {
    case 0:
    case 1: {
      const { body, what } = askBody(r);
      const ct = int(r, 4) === 0 ? pick(r, CONTENT_TYPES) : 'application/json';
      return { method: 'POST', path: int(r, 8) ? '/v1/ask' : pick(r, ['/v1/ask?explain=1', '/v1/ask?explain=yes', '/v1/ask?stream=1']), headers: { ...headers, 'content-type': ct, ...(int(r, 6) ? {} : { accept: 'text/event-stream' }) }, body, what };
    }
    case 2: {
      const u = uploadRequest(r);
      return { method: 'POST', path: '/v1/documents', headers: { ...headers, 'content-type': int(r, 8) ? u.contentType : pick(r, CONTENT_TYPES) }, body: u.body, what: u.what };
    }
    case 3:
      return { method: pick(r, METHODS), path: pick(r, PATHS), headers, what: 'method' };
    case 4:
      return { method: pick(r, METHODS), path: pick(r, ODD_PATHS), headers, what: 'odd path' };
    default: {
      const method = pick(r, ['POST', 'PUT', 'DELETE', 'PATCH']);
      const body = int(r, 2) ? randomBytes(r, int(r, 2000)) : Buffer.from(randomString(r, int(r, 500)));
      return { method, path: pick(r, PATHS), headers: { ...headers, 'content-type': pick(r, CONTENT_TYPES) }, body, what: 'random body' };
    }
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });

function send(base: string, req: FuzzRequest): Promise<{ status: number; type: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body) headers['content-length'] = req.body.length;
    const r = http.request(`${base}${req.path}`, { method: req.method, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? '') }));
      res.on('error', () => resolve({ status: -1, type: '' }));
    });
    r.on('error', () => resolve({ status: -1, type: '' }));
    if (req.body) r.write(req.body);
    r.end();
  });
}

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { SOBRE_API_KEYS: `fuzz:${KEY}`, SOBRE_UPLOAD_MAX_BYTES: '4096' } });
});
afterAll(async () => {
  agent.destroy();
  await s.stop();
});

test(`${TOTAL} hostile requests: no 5xx, problem documents, still healthy`, async () => {
  const r = prng(20240611);
  const requests = Array.from({ length: TOTAL }, () => fuzzRequest(r));
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  const started = Date.now();
  for (let i = 0; i < requests.length; i += PARALLEL) {
    const batch = requests.slice(i, i + PARALLEL);
    const results = await Promise.all(batch.map((q) => send(s.url, q)));
    results.forEach((res, j) => {
      const q = batch[j];
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const label = `${q.method} ${q.path.slice(0, 60)} (${q.what}) → ${res.status} ${res.type}`;
      if (res.status >= 500 || res.status < 100) failures.push(label);
      else if (res.status >= 400 && q.method !== 'HEAD' && !res.type.startsWith('application/problem+json')) failures.push(`not a problem document: ${label}`);
    });
  }
  expect(failures).toEqual([]);
  expect(Date.now() - started).toBeLessThan(60_000);
  // The mix really covered errors and successes.
  for (const status of [200, 400, 401, 404, 405, 413, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
  expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  expect((await fetch(`${s.url}/v1/ask`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ question: 'What port does Sobre listen on?' }) })).status).toBe(200);
  expect((await s.service.deps.knowledge.check()).consistent).toBe(true);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
