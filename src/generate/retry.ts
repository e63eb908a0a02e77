/**
 * The retry policy of the OpenAI-compatible generator: which failures are retried, how long to wait
 * (exponential backoff with jitter, or the server's Retry-After, capped), and an abortable sleep.
 * LangChain's and the openai SDK's own retries are disabled so this policy is the only one.
 */

export interface BackoffOptions {
  /** First retry waits about this long. Default 500 ms. */
  baseMs?: number;
  /** Upper bound of a computed backoff. Default 8 s. */
  maxMs?: number;
  /** Upper bound of a wait asked by `Retry-After`. Default 10 s. */
  maxRetryAfterMs?: number;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
}

/**
 * Delay before retry number `retry` (0 for the first retry): the server's Retry-After when given (capped),
 * else "equal jitter" exponential backoff: half of min(maxMs, baseMs·2^retry) fixed, the other half random.
 */
export function backoffDelayMs(retry: number, opts: BackoffOptions = {}, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, opts.maxRetryAfterMs ?? 10_000);
  const ceiling = Math.min(opts.maxMs ?? 8_000, (opts.baseMs ?? 500) * 2 ** retry);
  const random = opts.random ?? Math.random;
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** `Retry-After` as delay-seconds or an HTTP date; `retry-after-ms` (OpenAI's extension) wins when present. */
export function parseRetryAfterMs(retryAfter: string | null | undefined, retryAfterMsHeader?: string | null, now = Date.now()): number | undefined {
  const ms = retryAfterMsHeader != null ? Number(retryAfterMsHeader) : NaN;
  if (Number.isFinite(ms) && ms >= 0) return ms;
  if (retryAfter == null || retryAfter.trim() === '') return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What went wrong in one attempt, from a thrown value (openai SDK errors, undici errors, our abort flags). */
export interface AttemptFailure {
  kind: 'http' | 'connection' | 'timeout' | 'other';
  status?: number;
  retryAfterMs?: number;
  retryable: boolean;
  message: string;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED',
]);

function field(e: unknown, key: string): unknown {
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>)[key] : undefined;
}

function header(e: unknown, name: string): string | undefined {
  const headers = field(e, 'headers');
  if (headers && typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  const v = headers && typeof headers === 'object' ? (headers as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : undefined;
}

function isConnectionError(e: unknown, depth = 0): boolean {
  if (depth > 3 || typeof e !== 'object' || e === null) return false;
  const ctor = (e as { constructor?: { name?: string } }).constructor?.name;
  const code = field(e, 'code');
  const message = field(e, 'message');
  if (ctor === 'APIConnectionError' || (typeof code === 'string' && CONNECTION_CODES.has(code))) return true;
  if (typeof message === 'string' && /^(terminated|fetch failed|socket hang up|other side closed)/i.test(message)) return true;
  return isConnectionError(field(e, 'cause'), depth + 1);
}

/** Classify a failed attempt. 429, 5xx and connection errors are retryable; timeouts and other statuses are not. */
export function classifyFailure(e: unknown): AttemptFailure {
  const message = (typeof field(e, 'message') === 'string' ? (field(e, 'message') as string) : String(e)).split('\n')[0];
  const status = field(e, 'status');
  const ctor = (e as { constructor?: { name?: string } } | null)?.constructor?.name;
  if (field(e, 'name') === 'TimeoutError' || ctor === 'APIConnectionTimeoutError') return { kind: 'timeout', retryable: false, message };
  if (typeof status === 'number') {
    const retryAfterMs = parseRetryAfterMs(header(e, 'retry-after'), header(e, 'retry-after-ms'));
    return { kind: 'http', status, retryAfterMs, retryable: status === 429 || status >= 500, message };
  }
  if (isConnectionError(e)) return { kind: 'connection', retryable: true, message };
  return { kind: 'other', retryable: false, message };
}

/** Wait `ms`, or reject with `signal.reason` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
