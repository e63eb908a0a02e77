import { isSobreError } from '../../src/errors';
import { CircuitBreaker } from '../../src/generate/circuit';
import { backoffDelayMs, classifyFailure, parseRetryAfterMs, sleep } from '../../src/generate/retry';

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

function expectOpen(c: CircuitBreaker): void {
  try {
    c.acquire();
  } catch (e) {
    expect(isSobreError(e) && e.code).toBe('circuit_open');
    return;
  }
  throw new Error('expected circuit_open');
}

describe('CircuitBreaker', () => {
  test('opens after N consecutive failed calls and fails fast', () => {
    const t = clock();
    const c = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, now: t.now });
    for (let i = 0; i < 2; i++) {
      c.acquire();
      c.onFailure();
    }
    expect(c.state).toBe('closed');
    c.acquire();
    c.onFailure();
    expect(c.state).toBe('open');
    expectOpen(c);
  });

  test('a success resets the count of consecutive failures', () => {
    const c = new CircuitBreaker({ failureThreshold: 2 });
    c.acquire();
    c.onFailure();
    c.acquire();
    c.onSuccess();
    c.acquire();
    c.onFailure();
    expect(c.state).toBe('closed');
    expect(c.consecutiveFailures).toBe(1);
  });

  test('half-open after the cool-down: one trial call; success closes', () => {
    const t = clock();
    const c = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, now: t.now });
    c.acquire();
    c.onFailure();
    t.advance(999);
    expect(c.state).toBe('open');
    t.advance(1);
    expect(c.state).toBe('half_open');
    c.acquire(); // the trial
    expectOpen(c); // a second caller during the trial fails fast
    c.onSuccess();
    expect(c.state).toBe('closed');
    c.acquire();
  });

  test('a failed trial re-opens for a full cool-down', () => {
    const t = clock();
    const c = new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000, now: t.now });
    for (let i = 0; i < 5; i++) {
      c.acquire();
      c.onFailure();
    }
    t.advance(1000);
    c.acquire();
    c.onFailure();
    expect(c.state).toBe('open');
    t.advance(500);
    expectOpen(c);
    t.advance(500);
    expect(c.state).toBe('half_open');
  });

  test('release() frees the trial without a verdict', () => {
    const t = clock();
    const c = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, now: t.now });
    c.acquire();
    c.onFailure();
    t.advance(10);
    c.acquire();
    c.release();
    expect(c.state).toBe('half_open');
    c.acquire(); // another trial is allowed
  });

  test('the error says when to retry', () => {
    const t = clock();
    const c = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 5000, now: t.now, name: 'LLM' });
    c.acquire();
    c.onFailure();
    t.advance(2000);
    try {
      c.acquire();
      throw new Error('expected circuit_open');
    } catch (e) {
      expect(isSobreError(e) && e.message).toMatch(/The LLM failed 1 times in a row.*retry in 3 s/);
      expect(isSobreError(e) && e.details).toMatchObject({ state: 'open', retryInMs: 3000 });
    }
  });
});

describe('retry policy', () => {
  test('exponential backoff with equal jitter, capped', () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelayMs(0, { ...opts, random: () => 0 })).toBe(50);
    expect(backoffDelayMs(0, { ...opts, random: () => 0.999999 })).toBe(100);
    expect(backoffDelayMs(2, { ...opts, random: () => 0 })).toBe(200);
    expect(backoffDelayMs(10, { ...opts, random: () => 0.999999 })).toBe(1000);
  });

  test('Retry-After wins over the backoff, capped', () => {
    expect(backoffDelayMs(0, { maxRetryAfterMs: 5000 }, 2000)).toBe(2000);
    expect(backoffDelayMs(0, { maxRetryAfterMs: 5000 }, 60_000)).toBe(5000);
  });

  test('parses Retry-After seconds, HTTP dates and retry-after-ms', () => {
    expect(parseRetryAfterMs('2')).toBe(2000);
    expect(parseRetryAfterMs('0.5')).toBe(500);
    expect(parseRetryAfterMs(new Date(10_000 + 3000).toUTCString(), undefined, 10_000)).toBeGreaterThanOrEqual(2000);
    expect(parseRetryAfterMs('2', '150')).toBe(150);
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
  });

  test('classifies 429/5xx/connection errors as retryable, other statuses and timeouts not', () => {
    const http = (status: number, headers?: Record<string, string>) =>
      Object.assign(new Error(`${status} boom`), { status, headers: new Headers(headers) });
    expect(classifyFailure(http(429, { 'retry-after': '3' }))).toMatchObject({ kind: 'http', status: 429, retryable: true, retryAfterMs: 3000 });
    expect(classifyFailure(http(503))).toMatchObject({ kind: 'http', status: 503, retryable: true });
    expect(classifyFailure(http(400))).toMatchObject({ kind: 'http', status: 400, retryable: false });
    expect(classifyFailure(Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } }))).toMatchObject({ kind: 'connection', retryable: true });
    expect(classifyFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toMatchObject({ kind: 'connection', retryable: true });
    expect(classifyFailure(Object.assign(new Error('Request timed out.'), { name: 'TimeoutError' }))).toMatchObject({ kind: 'timeout', retryable: false });
    expect(classifyFailure(new Error('weird'))).toMatchObject({ kind: 'other', retryable: false });
  });

  test('sleep is abortable', async () => {
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});
