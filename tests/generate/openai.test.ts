/**
 * OpenAICompatibleGenerator (LangChain ChatOpenAI + the openai SDK, unmocked) against a local fake
 * OpenAI-compatible server (tests/helpers/fake-openai-server.ts) that stands in for Ollama / llama.cpp /
 * vLLM / a hosted API, none of which can run here.
 */
import { createGenerator } from '../../src/generate';
import { CircuitBreaker } from '../../src/generate/circuit';
import { OpenAICompatibleGenerator, type OpenAIGeneratorOptions } from '../../src/generate/openai';
import type { GenerateEvent, GenerateResult, GeneratorPassage } from '../../src/generate/types';
import { reply, startFakeOpenAIServer, type FakeOpenAIServer } from '../helpers/fake-openai-server';
import { caught } from './caught';

const passages: GeneratorPassage[] = [
  { id: 101, title: 'Capitals', text: 'Paris is the capital of France.' },
  { id: 202, title: 'Rivers', text: 'The Seine flows through Paris.' },
];
const question = 'What is the capital of France?';

let server: FakeOpenAIServer;
beforeEach(async () => {
  server = await startFakeOpenAIServer();
});
afterEach(async () => {
  await server.close();
});

function make(opts: Partial<OpenAIGeneratorOptions> = {}): OpenAICompatibleGenerator {
  return new OpenAICompatibleGenerator({
    baseUrl: server.baseUrl,
    model: 'qwen2.5:0.5b',
    maxTokens: 64,
    temperature: 0.2,
    timeoutMs: 2000,
    retries: 2,
    backoff: { baseMs: 1, maxMs: 5, maxRetryAfterMs: 1000, random: () => 0 },
    ...opts,
  });
}

async function collect(it: AsyncIterable<GenerateEvent>, seen: string[] = []): Promise<GenerateResult> {
  let result: GenerateResult | undefined;
  for await (const ev of it) {
    if (ev.type === 'token') {
      expect(result).toBeUndefined(); // no token after done
      seen.push(ev.text);
    } else result = ev.result;
  }
  if (!result) throw new Error('no done event');
  return result;
}

describe('request shape', () => {
  test('model, system + user messages with numbered passages, max_tokens, temperature, placeholder key', async () => {
    server.enqueue(reply.ok('Paris [1].'));
    await make().generate({ question, passages });
    expect(server.requests).toHaveLength(1);
    const { url, method, headers, body } = server.requests[0];
    expect(method).toBe('POST');
    expect(url).toBe('/v1/chat/completions');
    expect(headers.authorization).toBe('Bearer sk-no-key');
    expect(headers['content-type']).toMatch(/application\/json/);
    expect(body).toMatchObject({ model: 'qwen2.5:0.5b', max_tokens: 64, temperature: 0.2, stream: false });
    expect(body.messages?.map((m) => m.role)).toEqual(['system', 'user']);
    expect(body.messages?.[0].content).toMatch(/only the numbered passages/);
    expect(body.messages?.[1].content).toContain('[1] Capitals\nParis is the capital of France.');
    expect(body.messages?.[1].content).toContain('[2] Rivers\nThe Seine flows through Paris.');
    expect(body.messages?.[1].content).toContain(`Question: ${question}`);
  });

  test('sends the configured API key and a per-request max_tokens', async () => {
    await make({ apiKey: 'secret-123' }).generate({ question, passages, maxTokens: 7 });
    expect(server.requests[0].headers.authorization).toBe('Bearer secret-123');
    expect(server.requests[0].body.max_tokens).toBe(7);
  });
});

describe('answers', () => {
  test('JSON answer with citations and the server usage', async () => {
    server.enqueue(reply.ok('  The capital is Paris [1], on the Seine [2][1].\n', { usage: { prompt_tokens: 321, completion_tokens: 12 } }));
    const r = await make().generate({ question, passages });
    expect(r).toMatchObject({
      text: 'The capital is Paris [1], on the Seine [2][1].',
      citedPassageIds: [101, 202],
      usage: { promptTokens: 321, completionTokens: 12, source: 'server' },
      model: 'qwen2.5:0.5b',
      kind: 'openai',
      passagesSent: 2,
    });
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.cpuMs).toBeUndefined();
  });

  test('without usage from the server, tokens are estimated', async () => {
    server.enqueue(reply.ok('Paris [1].', { usage: false }));
    const r = await make().generate({ question, passages });
    expect(r.usage.source).toBe('estimate');
    expect(r.usage.promptTokens).toBeGreaterThan(50);
    expect(r.usage.completionTokens).toBeGreaterThan(0);
  });

  test('streaming: tokens in order as they arrive, then done with usage from the final chunk', async () => {
    server.enqueue(reply.ok('Paris is the capital [1].', { usage: { prompt_tokens: 99, completion_tokens: 6 } }));
    const seen: string[] = [];
    const r = await collect(make().stream({ question, passages }), seen);
    expect(seen).toEqual(['Paris ', 'is ', 'the ', 'capital ', '[1].']);
    expect(r.text).toBe('Paris is the capital [1].');
    expect(r.citedPassageIds).toEqual([101]);
    expect(r.usage).toEqual({ promptTokens: 99, completionTokens: 6, source: 'server' });
    expect(server.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_tokens: 64 });
  });

  test('tokens reach the consumer before the server has finished', async () => {
    server.enqueue(reply.slow('one two three', 0, 80));
    const t0 = Date.now();
    const firstAt: number[] = [];
    await collect({
      async *[Symbol.asyncIterator]() {
        for await (const ev of make().stream({ question, passages })) {
          if (ev.type === 'token') firstAt.push(Date.now() - t0);
          yield ev;
        }
      },
    });
    expect(firstAt[0]).toBeLessThan(80);
    expect(firstAt[2]).toBeGreaterThanOrEqual(150);
  });
});

describe('failures', () => {
  test('retries 429 and 500, then succeeds', async () => {
    server.enqueue(reply.rateLimited('0'), reply.serverError(500), reply.ok('Paris [1].'));
    const r = await make().generate({ question, passages });
    expect(r.text).toBe('Paris [1].');
    expect(server.requests).toHaveLength(3);
  });

  test('honours Retry-After, capped', async () => {
    server.enqueue(reply.rateLimited('0.15'), reply.ok('ok'));
    await make().generate({ question, passages });
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(140);

    server.enqueue(reply.rateLimited('60'), reply.ok('ok'));
    const t0 = Date.now();
    await make({ backoff: { baseMs: 1, maxRetryAfterMs: 50 } }).generate({ question, passages });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test('streams are retried before the first token too', async () => {
    server.enqueue(reply.serverError(503), reply.ok('fine'));
    const r = await collect(make().stream({ question, passages }));
    expect(r.text).toBe('fine');
    expect(server.requests).toHaveLength(2);
  });

  test('gives up after the retries with generator_failed and the HTTP status', async () => {
    server.enqueue(reply.serverError(502), reply.serverError(502), reply.serverError(502), reply.ok('too late'));
    const err = await caught(make().generate({ question, passages }));
    expect(err.code).toBe('generator_failed');
    expect(err.details).toMatchObject({ status: 502, attempts: 3 });
    expect(server.requests).toHaveLength(3);
  });

  test('a 400 is not retried and does not count against the circuit', async () => {
    server.enqueue(reply.status(400, { message: 'bad prompt' }));
    const g = make();
    const err = await caught(g.generate({ question, passages }));
    expect(err.code).toBe('generator_failed');
    expect(err.details).toMatchObject({ status: 400, attempts: 1 });
    expect(err.message).toContain('bad prompt');
    expect(server.requests).toHaveLength(1);
    expect(g.circuit.consecutiveFailures).toBe(0);
  });

  test('a slow response times out with generator_timeout and is not retried', async () => {
    server.enqueue(reply.slow('late', 1000));
    const t0 = Date.now();
    const err = await caught(make({ timeoutMs: 100 }).generate({ question, passages }));
    expect(err.code).toBe('generator_timeout');
    expect(err.details).toMatchObject({ timeoutMs: 100, attempts: 1 });
    expect(Date.now() - t0).toBeLessThan(600);
    expect(server.requests).toHaveLength(1);
  });

  test('a stream that stalls between tokens times out from the iterator', async () => {
    server.enqueue(reply.slow('one two three', 0, 500));
    const seen: string[] = [];
    const err = await caught(collect(make({ timeoutMs: 100 }).stream({ question, passages }), seen));
    expect(err.code).toBe('generator_timeout');
    expect(err.details).toMatchObject({ midStream: true });
    expect(seen).toEqual(['one ']);
  });

  test('a stream slower than the timeout overall but never idle that long completes', async () => {
    server.enqueue(reply.slow('a b c d e', 0, 40));
    const r = await collect(make({ timeoutMs: 100 }).stream({ question, passages }));
    expect(r.text).toBe('a b c d e');
  });

  test('a dropped connection is retried, then reported', async () => {
    server.enqueue(reply.drop(0), reply.ok('recovered'));
    expect((await make().generate({ question, passages })).text).toBe('recovered');

    server.enqueue(reply.drop(0), reply.drop(0), reply.drop(0));
    const err = await caught(make({ retries: 2 }).generate({ question, passages }));
    expect(err.code).toBe('generator_failed');
    expect(err.message).toMatch(/connection error/);
    expect(err.details).toMatchObject({ attempts: 3 });
  });

  test('a connection dropped mid-stream throws from the iterator after the tokens, without retry', async () => {
    server.enqueue(reply.drop(2, 'one two three four'), reply.ok('should not be used'));
    const seen: string[] = [];
    const err = await caught(collect(make().stream({ question, passages }), seen));
    expect(err.code).toBe('generator_failed');
    expect(err.details).toMatchObject({ midStream: true, attempts: 1 });
    expect(seen).toEqual(['one ', 'two ']);
    expect(server.requests).toHaveLength(1);
  });

  test('an unreachable server is a generator_failed connection error', async () => {
    const port = Number(new URL(server.baseUrl).port);
    await server.close();
    const err = await caught(new OpenAICompatibleGenerator({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', retries: 1, backoff: { baseMs: 1 } }).generate({ question, passages }));
    expect(err.code).toBe('generator_failed');
    expect(err.details).toMatchObject({ attempts: 2 });
    server = await startFakeOpenAIServer();
  });

  test('a caller abort cancels the call, without counting against the circuit', async () => {
    server.enqueue(reply.slow('late', 1000));
    const g = make();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await caught(g.generate({ question, passages, signal: ac.signal }));
    expect(err.code).toBe('generator_failed');
    expect(err.details).toMatchObject({ cancelled: true });
    expect(g.circuit.consecutiveFailures).toBe(0);
  });
});

describe('circuit breaker', () => {
  function clock() {
    let t = 0;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  }

  test('opens after N failed calls and then fails fast without calling the server', async () => {
    const g = make({ retries: 0, circuit: { failureThreshold: 2, cooldownMs: 60_000 } });
    server.enqueue(reply.serverError(500), reply.serverError(500));
    expect((await caught(g.generate({ question, passages }))).code).toBe('generator_failed');
    expect((await caught(g.generate({ question, passages }))).code).toBe('generator_failed');
    const t0 = Date.now();
    const err = await caught(g.generate({ question, passages }));
    expect(err.code).toBe('circuit_open');
    expect(Date.now() - t0).toBeLessThan(50);
    expect(server.requests).toHaveLength(2);
    // Streams fail fast too, from the iterator.
    expect((await caught(collect(g.stream({ question, passages })))).code).toBe('circuit_open');
    expect(server.requests).toHaveLength(2);
  });

  test('timeouts count as failures', async () => {
    const g = make({ retries: 0, timeoutMs: 50, circuit: { failureThreshold: 1, cooldownMs: 60_000 } });
    server.enqueue(reply.slow('late', 500));
    expect((await caught(g.generate({ question, passages }))).code).toBe('generator_timeout');
    expect(g.circuit.state).toBe('open');
  });

  test('half-open after the cool-down: a successful trial closes it, a failed one re-opens it', async () => {
    const t = clock();
    const circuit = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, now: t.now });
    const g = make({ retries: 0, circuit });
    server.enqueue(reply.serverError(500));
    await caught(g.generate({ question, passages }));
    expect(circuit.state).toBe('open');

    t.advance(1000);
    expect(circuit.state).toBe('half_open');
    server.enqueue(reply.serverError(503));
    await caught(g.generate({ question, passages })); // failed trial
    expect(circuit.state).toBe('open');
    expect((await caught(g.generate({ question, passages }))).code).toBe('circuit_open');

    t.advance(1000);
    server.enqueue(reply.slow('recovered', 100));
    const trial = g.generate({ question, passages });
    // Only one trial at a time: a concurrent call fails fast.
    expect((await caught(g.generate({ question, passages }))).code).toBe('circuit_open');
    expect((await trial).text).toBe('recovered');
    expect(circuit.state).toBe('closed');
    expect((await g.generate({ question, passages })).text).toBe('Default answer.');
  });

  test('a consumer that stops reading a stream leaves no verdict and frees the trial', async () => {
    const t = clock();
    const circuit = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, now: t.now });
    const g = make({ retries: 0, circuit });
    server.enqueue(reply.serverError(500));
    await caught(g.generate({ question, passages }));
    t.advance(10);
    server.enqueue(reply.slow('one two three four', 0, 20));
    for await (const ev of g.stream({ question, passages })) {
      if (ev.type === 'token') break;
    }
    expect(circuit.state).toBe('half_open');
    expect((await g.generate({ question, passages })).text).toBe('Default answer.');
    expect(circuit.state).toBe('closed');
  });
});

describe('createGenerator', () => {
  const base = {
    llmModel: 'qwen2.5:0.5b', llmApiKey: '', llmTimeoutMs: 1000, llmMaxTokens: 32, llmTemperature: 0,
    llmContextTokens: 2048, llmRetries: 1, modelCacheDir: '', localFilesOnly: true,
  };

  test("'none' means no generator at all", async () => {
    expect(await createGenerator({ ...base, generator: 'none', llmBaseUrl: server.baseUrl })).toBeNull();
  });

  test("'openai' talks to the configured server", async () => {
    const g = await createGenerator({ ...base, generator: 'openai', llmBaseUrl: server.baseUrl });
    expect(g).toBeInstanceOf(OpenAICompatibleGenerator);
    const r = await g!.generate({ question, passages });
    expect(r.kind).toBe('openai');
    expect(server.requests[0].body).toMatchObject({ model: 'qwen2.5:0.5b', max_tokens: 32, temperature: 0 });
  });
});
