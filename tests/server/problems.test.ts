/** Every error is an RFC 9457 problem document from the one error middleware; 405 and 404 on routes. */
import type { EmbedRole } from '../../src/embed/types';
import { HashEmbedder } from '../helpers/hash-embedder';
import { auth, expectProblem, postJson, startTestServer, type TestServer, TEST_KEY } from './helpers';

class FailingQueries extends HashEmbedder {
  fail = false;
  override async embed(texts: readonly string[], role?: EmbedRole): Promise<Float32Array[]> {
    if (this.fail && role === 'query') throw new Error('secret internal detail /srv/sobre/x.ts:12');
    return super.embed(texts);
  }
}

let s: TestServer;
const embedder = new FailingQueries();
beforeAll(async () => {
  s = await startTestServer({ embedder, env: { SOBRE_API_KEYS: `admin:${TEST_KEY}` } });
});
afterAll(() => s.stop());
const ask = (body: unknown, headers: Record<string, string> = {}) => postJson(`${s.url}/v1/ask`, body, { ...auth(TEST_KEY), ...headers });

describe('validation', () => {
  it.each([
    ['malformed JSON', '{"question": ', /not valid JSON/],
    ['a JSON string', '"What port?"', /not valid JSON/],
    ['an empty object', {}, /question/],
    ['a number question', { question: 42 }, /question/],
    ['an empty question', { question: '   ' }, /must not be empty/],
    ['an unknown field', { question: 'port?', temperature: 2 }, /temperature/],
    ['a string stream flag', { question: 'port?', stream: 'yes' }, /stream/],
    ['an array body', [{ question: 'port?' }], /body/],
    ['null', 'null', /not valid JSON|body/],
  ])('400 for %s', async (_what, body, detail) => {
    const p = await expectProblem(await ask(body), 400, 'bad_request');
    expect(p.detail).toMatch(detail);
    expect(p.type).toBe('https://sobre.invalid/problems/bad_request');
    expect(p.title).toBe('Bad Request');
  });

  it('400 for a bad explain query value', async () => {
    await expectProblem(await postJson(`${s.url}/v1/ask?explain=maybe`, { question: 'port?' }, auth(TEST_KEY)), 400, 'bad_request');
  });

  it('400 problem (not the report router\'s own JSON) for a bad report period', async () => {
    for (const q of ['from=yesterday', 'from=2024-05-05&to=2024-05-01', 'to=2024-02-31']) {
      const p = await expectProblem(await fetch(`${s.url}/v1/report?${q}`, { headers: auth(TEST_KEY) }), 400, 'bad_request');
      expect(p.detail).toMatch(/Invalid/);
    }
  });

  it('400 for a document id that is not a positive integer', async () => {
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      await expectProblem(await fetch(`${s.url}/v1/documents/${id}`, { method: 'DELETE', headers: auth(TEST_KEY) }), 400, 'bad_request');
    }
  });
});

describe('routes', () => {
  it('404 for an unknown path', async () => {
    const p = await expectProblem(await fetch(`${s.url}/v2/ask`), 404, 'not_found');
    expect(p.detail).toMatch(/No route for GET \/v2\/ask/);
  });

  it.each([
    ['GET', '/v1/ask', 'OPTIONS, POST'],
    ['PUT', '/v1/ask', 'OPTIONS, POST'],
    ['DELETE', '/healthz', 'GET, HEAD, OPTIONS'],
    ['POST', '/metrics', 'GET, HEAD, OPTIONS'],
    ['PATCH', '/v1/documents/3', 'DELETE, OPTIONS'],
    ['PUT', '/v1/documents', 'GET, HEAD, OPTIONS, POST'],
    ['POST', '/report', 'GET, HEAD, OPTIONS'],
  ])('405 with Allow for %s %s', async (method, path, allow) => {
    const res = await fetch(`${s.url}${path}`, { method, headers: auth(TEST_KEY) });
    expect(res.headers.get('allow')).toBe(allow);
    await expectProblem(res, 405, 'method_not_allowed');
  });

  it('OPTIONS lists the methods; HEAD works where GET does', async () => {
    const o = await fetch(`${s.url}/v1/ask`, { method: 'OPTIONS' });
    expect(o.status).toBe(204);
    expect(o.headers.get('allow')).toBe('OPTIONS, POST');
    expect((await fetch(`${s.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('internal errors', () => {
  it('500 problem without the message or a stack, with the request id', async () => {
    embedder.fail = true;
    try {
      const res = await ask({ question: 'What port does Sobre listen on?' }, { 'x-request-id': 'test-req-42' });
      const text = await res.clone().text();
      const p = await expectProblem(res, 500, 'internal');
      expect(p.detail).toBe('Internal error');
      expect(p.requestId).toBe('test-req-42');
      expect(text).not.toMatch(/secret|srv\/sobre/);
    } finally {
      embedder.fail = false;
    }
  });

  it('streams an error event when a streamed answer fails', async () => {
    embedder.fail = true;
    try {
      const res = await ask({ question: 'What port does Sobre listen on?', stream: true });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/event: error\ndata: {"code":"internal","detail":"Internal error"}/);
      expect(text).not.toMatch(/secret/);
    } finally {
      embedder.fail = false;
    }
  });
});

describe('success shapes', () => {
  it('sends a fresh request id, or keeps a well-formed one', async () => {
    const a = await fetch(`${s.url}/healthz`);
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const b = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(b.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('streams server-sent events: route, answer, done', async () => {
    const res = await ask({ question: 'What port does Sobre listen on?' }, { accept: 'text/event-stream' });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = [...(await res.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events).toEqual(['route', 'answer', 'done']);
  });
});
