/**
 * What the middlewares learn about a request, typed (instead of `res.locals`): its id, the
 * API key's name once authenticated, and an abort signal that fires when the client goes away
 * or the request times out, so work done for nobody can stop.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

export type AbortReason = 'client_closed' | 'timeout';

/** What an authenticated request may do: `ask` questions only, or everything (`admin`). */
export type Scope = 'ask' | 'admin';

export interface RequestContext {
  readonly requestId: string;
  readonly startedAt: number;
  /** Name (never the key) of the API key that authenticated the request. */
  keyName: string | null;
  /** The scope of that key (null when no key was needed or given). */
  scope: Scope | null;
  readonly signal: AbortSignal;
  abort(reason: AbortReason): void;
  timedOut: boolean;
  /**
   * Called at the request's deadline instead of answering 503 and aborting; returns true when
   * it answered (a write hands its job off with 202, see job-routes.ts).
   */
  onDeadline?: () => boolean;
  /** Question text, logged only with SOBRE_LOG_QUESTIONS=true. */
  question?: string;
}

const contexts = new WeakMap<Response, RequestContext>();

const REQUEST_ID = /^[\w.-]{1,128}$/;

export function contextOf(res: Response): RequestContext {
  const ctx = contexts.get(res);
  if (!ctx) throw new Error('contextOf: the request context middleware did not run');
  return ctx;
}

/** The first middleware: request id (kept from `x-request-id` when well-formed) and the context. */
export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    const controller = new AbortController();
    const ctx: RequestContext = {
      requestId,
      startedAt: performance.now(),
      keyName: null,
      scope: null,
      signal: controller.signal,
      abort: (reason) => {
        if (reason === 'timeout') ctx.timedOut = true;
        if (!controller.signal.aborted) controller.abort(reason);
      },
      timedOut: false,
    };
    contexts.set(res, ctx);
    res.on('close', () => {
      if (!res.writableFinished) ctx.abort('client_closed');
    });
    next();
  };
}
