/** Body size, question length, content types, rate limits (429 + Retry-After), request timeout, generator gate. */
import type { EmbedRole } from '../../src/embed/types';
import type { GenerateEvent, GenerateRequest, GenerateResult, Generator } from '../../src/generate/types';
import { openKnowledge } from '../../src/knowledge';
import { Mutex, Semaphore } from '../../src/server/gate';
import { TurnQueue } from '../../src/server/turns';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';
import { auth, expectProblem, postJson, rawRequest, startTestServer, type TestServer, TEST_KEY } from './helpers';

const QUESTION = { question: 'What port does Sobre listen on?' };

describe('body and question limits', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_MAX_QUESTION_CHARS: '50', SOBRE_MAX_BODY_BYTES: '2048' } });
  });
  afterAll(() => s.stop());

  it('refuses a question over SOBRE_MAX_QUESTION_CHARS with 413', async () => {
    const p = await expectProblem(await postJson(`${s.url}/v1/ask`, { question: 'x'.repeat(51) }), 413, 'too_large');
    expect(p.detail).toMatch(/50 characters/);
    expect((await postJson(`${s.url}/v1/ask`, { question: `  ${'port '.repeat(9)}port  ` })).status).toBe(200); // trimmed first
  });

  it('refuses a body over SOBRE_MAX_BODY_BYTES with 413', async () => {
    const p = await expectProblem(await postJson(`${s.url}/v1/ask`, { question: 'port', pad: 'x'.repeat(4096) }), 413, 'too_large');
    expect(p.detail).toMatch(/2048/);
  });

  it.each([
    ['text/plain', 'What port?'],
    ['application/x-www-form-urlencoded', 'question=port'],
    ['multipart/form-data; boundary=x', '--x--'],
    ['application/xml', '<q/>'],
  ])('refuses Content-Type %s on /v1/ask with 415', async (type, body) => {
    const res = await fetch(`${s.url}/v1/ask`, { method: 'POST', headers: { 'content-type': type }, body });
    await expectProblem(res, 415, 'unsupported_format');
  });

  it('accepts application/json with a utf-8 charset and refuses another charset', async () => {
    expect((await postJson(`${s.url}/v1/ask`, QUESTION, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    const res = await rawRequest(`${s.url}/v1/ask`, 'POST', { 'content-type': 'application/json; charset=ebcdic' }, JSON.stringify(QUESTION));
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('refuses an upload before reading its body when no key is configured (403)', async () => {
    const res = await fetch(`${s.url}/v1/documents`, { method: 'POST', body: new FormData() });
    await expectProblem(res, 403, 'forbidden');
  });
});

describe('upload limits', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: `admin:${TEST_KEY}`, SOBRE_UPLOAD_MAX_BYTES: '1000', SOBRE_UPLOAD_MAX_FILES: '2' } });
  });
  afterAll(() => s.stop());

  const upload = (files: { name: string; content: string }[]) => {
    const form = new FormData();
    for (const f of files) form.append('files', new Blob([f.content]), f.name);
    return fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth(TEST_KEY), body: form });
  };

  it('refuses a file over the size limit with 413', async () => {
    const p = await expectProblem(await upload([{ name: 'big.md', content: 'word '.repeat(300) }]), 413, 'too_large');
    expect(p.detail).toMatch(/1000 bytes/);
  });

  it('refuses more files than the limit with 413', async () => {
    const p = await expectProblem(await upload([1, 2, 3].map((i) => ({ name: `f${i}.md`, content: `file ${i}` }))), 413, 'too_large');
    expect(p.detail).toMatch(/2 files/);
  });
});

describe('rate limits', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: 'a:key-a-0123456789ab,b:key-b-0123456789ab', SOBRE_RATE_LIMIT_KEY_PER_MIN: '3', SOBRE_RATE_LIMIT_IP_PER_MIN: '10' } });
  });
  afterAll(() => s.stop());

  it('limits each key, then the address, with a 429 problem and Retry-After; probes are not counted', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postJson(`${s.url}/v1/ask`, QUESTION, auth('key-a-0123456789ab'))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await postJson(`${s.url}/v1/ask`, QUESTION, auth('key-a-0123456789ab'));
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const p = await expectProblem(limited, 429, 'rate_limited');
    expect(p.detail).toMatch(/per minute with this API key/);
    // Another key has its own budget (the address has used 5 of 10 so far).
    expect((await postJson(`${s.url}/v1/ask`, QUESTION, auth('key-b-0123456789ab'))).status).toBe(200);
    for (let i = 0; i < 20; i++) expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const more: number[] = [];
    for (let i = 0; i < 6; i++) more.push((await fetch(`${s.url}/openapi.json`)).status);
    expect(more.slice(0, 4)).toEqual([200, 200, 200, 200]);
    const byAddress = await fetch(`${s.url}/openapi.json`);
    expect((await expectProblem(byAddress, 429, 'rate_limited')).detail).toMatch(/from this address/);
    expect(byAddress.headers.get('retry-after')).toBeTruthy();
  });
});

class SlowQueries extends HashEmbedder {
  delayMs = 0;
  override async embed(texts: readonly string[], role?: EmbedRole): Promise<Float32Array[]> {
    if (role === 'query' && this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return super.embed(texts);
  }
}

describe('request timeout', () => {
  let s: TestServer;
  const embedder = new SlowQueries();
  beforeAll(async () => {
    s = await startTestServer({ embedder, env: { SOBRE_REQUEST_TIMEOUT_MS: '300' } });
  });
  afterAll(() => s.stop());

  it('answers 503 with Retry-After when a question takes longer than SOBRE_REQUEST_TIMEOUT_MS, and keeps serving', async () => {
    embedder.delayMs = 1000;
    const started = Date.now();
    const res = await postJson(`${s.url}/v1/ask`, QUESTION);
    expect(Date.now() - started).toBeLessThan(900);
    expect(res.headers.get('retry-after')).toBe('5');
    await expectProblem(res, 503, 'timeout');
    embedder.delayMs = 0;
    await new Promise((r) => setTimeout(r, 800)); // the abandoned question finishes without writing
    expect((await postJson(`${s.url}/v1/ask`, QUESTION)).status).toBe(200);
  });
});

function fakeGenerator(delayMs: number): Generator & { maxConcurrent: number } {
  let running = 0;
  const result = (req: GenerateRequest): GenerateResult => ({
    text: 'An answer [1].', citedPassageIds: req.passages.slice(0, 1).map((p) => p.id), usage: { promptTokens: 10, completionTokens: 5, source: 'estimate' },
    model: 'fake', kind: 'openai', latencyMs: delayMs, passagesSent: req.passages.length,
  });
  const g = {
    kind: 'openai' as const,
    model: 'fake',
    maxConcurrent: 0,
    async generate(req: GenerateRequest): Promise<GenerateResult> {
      running++;
      g.maxConcurrent = Math.max(g.maxConcurrent, running);
      await new Promise((r) => setTimeout(r, delayMs));
      running--;
      return result(req);
    },
    async *stream(req: GenerateRequest): AsyncIterable<GenerateEvent> {
      yield { type: 'done', result: await g.generate(req) };
    },
  };
  return g;
}

describe('generator concurrency', () => {
  it('Semaphore: FIFO, bounded queue, abort while waiting', async () => {
    const sem = new Semaphore(1, 3);
    const order: number[] = [];
    const r1 = await sem.acquire();
    const w2 = sem.acquire().then((r) => (order.push(2), r));
    const ac = new AbortController();
    const w3 = sem.acquire(ac.signal);
    const w4 = sem.acquire().then((r) => (order.push(4), r));
    await expect(sem.acquire()).rejects.toMatchObject({ code: 'circuit_open' });
    ac.abort();
    await expect(w3).rejects.toMatchObject({ code: 'generator_failed' });
    r1();
    (await w2)();
    (await w4)();
    expect(order).toEqual([2, 4]);
    expect(sem.inFlight).toBe(0);
  });

  it('TurnQueue: first come first served, one per event-loop turn, bounded, abortable; quiet and drained for writers', async () => {
    const turns = new TurnQueue(3);
    const order: string[] = [];
    const ac = new AbortController();
    const a = turns.turn().then((release) => (order.push('a'), release));
    const b = turns.turn(ac.signal).then(() => order.push('b'), () => order.push('b aborted'));
    const c = turns.turn().then((release) => (order.push('c'), release));
    await expect(turns.turn()).rejects.toMatchObject({ code: 'circuit_open' });
    let quietAt = -1;
    const quiet = turns.quiet(10_000).then(() => (quietAt = order.length));
    ac.abort();
    // Between two turns, timers and I/O run: an immediate scheduled now fires before 'c'.
    setImmediate(() => order.push('immediate'));
    const [releaseA, , releaseC] = await Promise.all([a, b, c, quiet]);
    expect(order).toEqual(['b aborted', 'a', 'immediate', 'c']);
    expect(quietAt).toBe(4);
    // A writer waits until every question in flight is released.
    expect(turns.inFlight).toBe(2);
    let drained = false;
    const writer = turns.drained(10_000).then(() => (drained = true));
    (releaseA as () => void)();
    (releaseA as () => void)(); // idempotent
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    (releaseC as () => void)();
    await writer;
    expect(turns.inFlight).toBe(0);
    const t0 = Date.now();
    await turns.quiet(10_000); // nothing waits: the next turn
    await turns.drained(10_000); // nothing in flight: at once
    expect(Date.now() - t0).toBeLessThan(100);
    void turns.turn();
    void turns.turn();
    await turns.quiet(1); // bounded even if questions keep coming
    await turns.drained(1);
  });

  it('Mutex: one at a time, in order, and survives a failure', async () => {
    const m = new Mutex();
    const log: string[] = [];
    const job = (name: string, ms: number, fail = false) => m.run(async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
    const results = await Promise.allSettled([job('a', 30), job('b', 5, true), job('c', 1)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    await m.idle();
    expect(m.pending).toBe(0);
  });

  it("Mutex with leases: takes them in order, gives them back in reverse; a turn given up while a lease is held elsewhere never runs", async () => {
    const dir = makeTempDir();
    const config = { dataDir: dir, hnswM: 16, hnswEfConstruction: 200, hnswEfSearch: 64 };
    const embedder = new HashEmbedder();
    const [mine, elsewhere] = [await openKnowledge(config, embedder), await openKnowledge(config, embedder)];
    try {
      const log: string[] = [];
      const traced = (name: string) => async (signal?: AbortSignal) => {
        log.push(`take ${name}`);
        const release = await mine.writeLease({ signal, holder: name });
        return async () => {
          log.push(`give ${name}`);
          await release();
        };
      };
      const m = new Mutex([async () => (log.push('take outer'), () => void log.push('give outer')), traced('store')]);
      expect(await m.run(async () => (log.push('work'), 1))).toBe(1);
      expect(log).toEqual(['take outer', 'take store', 'work', 'give store', 'give outer']);

      const release = await elsewhere.writeLease({ holder: 'npm run ingest' });
      const gaveUp = new AbortController();
      let ran = 0;
      const waiting = m.run(async () => void ran++, gaveUp.signal);
      const next = m.run(async () => void ran++);
      setTimeout(() => gaveUp.abort(), 200);
      await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
      expect(ran).toBe(0);
      await release();
      await next;
      expect(ran).toBe(1);
    } finally {
      await mine.close();
      await elsewhere.close();
      removeDir(dir);
    }
  });

  it('caps generator calls at SOBRE_GENERATOR_CONCURRENCY and answers passages with a notice when the queue is full', async () => {
    const gen = fakeGenerator(300);
    const s = await startTestServer({ generator: gen, env: { SOBRE_GENERATOR_CONCURRENCY: '2', SOBRE_GENERATOR_QUEUE: '1' } });
    try {
      const asks = Array.from({ length: 6 }, () => postJson(`${s.url}/v1/ask`, { question: 'Does the ledger record one row per question?' }));
      const bodies = await Promise.all(asks.map(async (r) => ({ status: (await r).status, body: (await (await r).json()) as { route: string; notice?: string } })));
      expect(bodies.every((b) => b.status === 200)).toBe(true);
      expect(gen.maxConcurrent).toBe(2);
      const routes = bodies.map((b) => b.body.route).sort();
      expect(routes.filter((r) => r === 'generate')).toHaveLength(3);
      const busy = bodies.filter((b) => b.body.route === 'passages');
      expect(busy).toHaveLength(3);
      for (const b of busy) expect(b.body.notice).toMatch(/busy/);
    } finally {
      await s.stop();
    }
  });
});
