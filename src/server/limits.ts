/**
 * Request limits: per-address and per-key rate limits (express-rate-limit, one-minute windows,
 * counted in memory or, with several workers, in the primary: `StoreFor`, 429 problem with Retry-After), a deadline per request (503 problem when nothing was
 * sent in time; the work in progress sees its abort signal), and content-type guards (415).
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { contextOf } from './context';
import { httpError } from './problem';

const WINDOW_MS = 60_000;

/** Where a limiter's counters live, by its identifier (default: this process's memory). */
export type StoreFor = (identifier: string) => Store;

function limiter(perMinute: number, what: string, key: (req: Request, res: Response) => string, skip: (req: Request, res: Response) => boolean, storeFor?: StoreFor): RequestHandler {
  const identifier = what.replace(/\W+/g, '-');
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier,
    ...(storeFor ? { store: storeFor(identifier) } : {}),
    keyGenerator: key,
    skip,
    validate: { xForwardedForHeader: false },
    handler: (_req, res, next) => {
      next(httpError(429, 'rate_limited', `More than ${perMinute} requests per minute ${what}; retry after ${res.getHeader('retry-after') ?? 60} s`));
    },
  });
}

/** Every request from one client address, health probes excepted. `null` when off (0). */
export function addressRateLimit(perMinute: number, storeFor?: StoreFor): RequestHandler | null {
  if (perMinute <= 0) return null;
  return limiter(perMinute, 'from this address', (req) => ipKeyGenerator(req.ip ?? 'unknown'), (req) => req.path === '/healthz' || req.path === '/readyz', storeFor);
}

/** Every authenticated request, per key name (after `requireAccess`). */
export function keyRateLimit(perMinute: number, storeFor?: StoreFor): RequestHandler | null {
  if (perMinute <= 0) return null;
  return limiter(perMinute, 'with this API key', (_req, res) => `key:${contextOf(res).keyName ?? ''}`, (_req, res) => contextOf(res).keyName === null, storeFor);
}

/**
 * Answer 503 if nothing was sent within `ms`, through the one error middleware, and abort the
 * request's signal (the generator call stops); a write whose job is queued answers 202 instead
 * (`onDeadline`). Handlers check `res.headersSent` / the signal before answering late.
 */
export function deadline(ms: number, renderError: ErrorRequestHandler): RequestHandler {
  return (req, res, next) => {
    const ctx = contextOf(res);
    const timer = setTimeout(() => {
      if (res.headersSent) return; // a stream that started answering is not cut
      if (ctx.onDeadline?.()) return; // a write handed its job off (202)
      ctx.abort('timeout');
      const err = httpError(503, 'timeout', `No answer within ${ms} ms; try again later`, { headers: { 'retry-after': '5' } });
      renderError(err, req, res, () => undefined);
    }, ms);
    res.once('close', () => clearTimeout(timer));
    res.once('finish', () => clearTimeout(timer));
    next();
  };
}

/** 415 unless the body is one of `types` (a request without a body goes on, to fail validation). */
export function requireContentType(types: readonly string[], hint: string): RequestHandler {
  return (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    if (!hasBody || req.is([...types])) return next();
    const given = req.get('content-type');
    next(httpError(415, 'unsupported_format', `${given ? `Content-Type ${given.slice(0, 100)} is not accepted` : 'No Content-Type'}: ${hint}`));
  };
}
