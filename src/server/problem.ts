/**
 * The one place errors become HTTP responses: RFC 9457 problem documents
 * (`application/problem+json`: type, title, status, detail, code, requestId), never a stack trace.
 *
 * Errors are `SobreError`s. The few HTTP-only outcomes that have no `ErrorCode` (403, 405, 503
 * timeout...) are SobreErrors made by `httpError`, which carry the status, the problem code and
 * the headers to send in `details`.
 */
import type { ErrorRequestHandler, Request, Response } from 'express';
import { isSobreError, SobreError, type ErrorCode } from '../errors';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400, bad_file: 400, unsupported_format: 415, too_large: 413, not_found: 404,
  unauthorized: 401, rate_limited: 429, bad_config: 500, embedder_mismatch: 500, model_unavailable: 503,
  store_inconsistent: 503, generator_failed: 502, generator_timeout: 504, circuit_open: 503, internal: 500,
  cancelled: 409, database_unavailable: 503, storage_failed: 507, lease_lost: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  507: 'Insufficient Storage',
};

export const PROBLEM_TYPE_BASE = 'https://sobre.invalid/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  /** Extension members (RFC 9457 §3.2), e.g. `files` for an upload where every file failed. */
  [extension: string]: unknown;
}

export interface ProblemOptions {
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

/** What `httpError` stores in `SobreError.details`. */
interface HttpDetails {
  httpStatus: number;
  problemCode: string;
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

/** A SobreError for an HTTP outcome, with its exact status and problem code. */
export function httpError(status: number, problemCode: string, detail: string, opts: ProblemOptions = {}): SobreError {
  const base: ErrorCode = status === 401 || status === 403 ? 'unauthorized' : status === 429 ? 'rate_limited' : status === 413 ? 'too_large'
    : status === 415 ? 'unsupported_format' : status === 404 ? 'not_found' : status < 500 ? 'bad_request' : 'internal';
  const details: HttpDetails = { httpStatus: status, problemCode, headers: opts.headers, extensions: opts.extensions };
  return new SobreError(base, detail, { ...details });
}

function httpDetails(err: SobreError): HttpDetails | null {
  const d = err.details;
  if (!d || typeof d.httpStatus !== 'number' || typeof d.problemCode !== 'string') return null;
  return d as unknown as HttpDetails;
}

/** How long a client gets to read an error before its connection is closed (its body was not read). */
export const UNREAD_BODY_GRACE_MS = 1000;

/**
 * An error answered before the request's body arrived (a refused key, a wrong type, a timeout):
 * the connection ends with the response, and the socket is closed after a short grace, so a
 * client still sending a slow body holds no socket (Node would otherwise read and discard it).
 */
function closeAfter(req: Request, res: Response): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (req.complete || !hasBody) return;
  res.setHeader('connection', 'close');
  res.once('finish', () => {
    setTimeout(() => req.socket.destroy(), UNREAD_BODY_GRACE_MS).unref();
  });
}

export function sendProblem(req: Request, res: Response, status: number, code: string, detail: string, opts: ProblemOptions = {}): void {
  const problem: Problem = {
    ...opts.extensions,
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    requestId: res.getHeader('x-request-id')?.toString(),
  };
  for (const [name, value] of Object.entries(opts.headers ?? {})) res.setHeader(name, value);
  closeAfter(req, res);
  res.status(status).type('application/problem+json').send(JSON.stringify(problem));
}

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
  limit?: number;
}

/** body-parser and router errors carry a 4xx status and a `type`. */
function fromHttpLike(e: HttpLikeError, status: number): { code: string; detail: string; status: number } {
  switch (e.type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'bad_request', detail: 'The body is not valid JSON' };
    case 'entity.too.large':
      return { status: 413, code: 'too_large', detail: `The body is larger than ${e.limit ?? 'the limit of'} bytes` };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { status: 415, code: 'unsupported_format', detail: e.expose && e.message ? e.message : 'Unsupported body encoding' };
    case 'request.aborted':
      return { status: 400, code: 'bad_request', detail: 'The request was aborted' };
    default:
      return { status, code: 'bad_request', detail: e.expose && e.message ? e.message : 'Bad request' };
  }
}

/** What an error becomes as a problem document; `internal` when it is ours (to log), not the client's. */
export interface ProblemOf {
  status: number;
  code: string;
  detail: string;
  internal: boolean;
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

export function problemOf(err: unknown): ProblemOf {
  if (isSobreError(err)) {
    const http = httpDetails(err);
    const status = http?.httpStatus ?? STATUS[err.code];
    const internal = status >= 500 && err.code !== 'model_unavailable' && !http;
    const detail = status >= 500 && err.code === 'internal' && !http ? 'Internal error' : err.message;
    return { status, code: http?.problemCode ?? err.code, detail, internal, headers: http?.headers, extensions: http?.extensions };
  }
  const e = (err ?? {}) as HttpLikeError;
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500) return { ...fromHttpLike(e, status), internal: false };
  return { status: 500, code: 'internal', detail: 'Internal error', internal: true };
}

export interface ErrorOutcome {
  status: number;
  code: string;
  detail: string;
  opts: ProblemOptions;
}

/** What an error becomes over HTTP (status, problem code, detail); `onInternal` sees the unexpected ones. */
export function errorOutcome(err: unknown, req: Request, onInternal: (err: unknown, req: Request) => void): ErrorOutcome {
  const p = problemOf(err);
  if (p.internal) onInternal(err, req);
  return { status: p.status, code: p.code, detail: p.detail, opts: { headers: p.headers, extensions: p.extensions } };
}

/** The error middleware; also called directly (timeouts) so every error goes through it. */
export function problemMiddleware(onInternal: (err: unknown, req: Request) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      if (!res.writableEnded) res.end();
      return;
    }
    const o = errorOutcome(err, req, onInternal);
    sendProblem(req, res, o.status, o.code, o.detail, o.opts);
  };
}
