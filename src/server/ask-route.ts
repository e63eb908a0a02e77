/**
 * POST /v1/ask: `application/json` only (415 otherwise). No CORS-safelisted type is accepted,
 * so a cross-origin browser request always needs a preflight, which only SOBRE_CORS_ORIGINS
 * allows. JSON by default; server-sent events with `stream: true` or `Accept: text/event-stream`.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { AskService, AskStreamEvent } from '../answer/ask';
import { errorMessage } from '../errors';
import { contextOf } from './context';
import { requireContentType } from './limits';
import { httpError } from './problem';
import type { TurnQueue } from './turns';
import type { ServiceMetrics } from './metrics';
import { askQuerySchema, askRequestSchema, parseOr400 } from './schemas';

export interface AskRouteDeps {
  ask: AskService;
  metrics: ServiceMetrics;
  /** Questions start one per event-loop turn and are in flight until answered (turns.ts). */
  turns: TurnQueue;
  maxQuestionChars: number;
  maxBodyBytes: number;
  /** Access check, rate limit and deadline, run before the body is read. */
  before: RequestHandler[];
  onStreamError: (err: unknown, req: Request) => void;
}

function writeSse(res: Response, e: AskStreamEvent | { event: 'error'; data: { code: string; detail: string } }): void {
  res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
}

export function askRoutes(deps: AskRouteDeps): express.Router {
  const router = express.Router();
  const bodySchema = askRequestSchema(deps.maxQuestionChars);
  const json = express.json({ limit: deps.maxBodyBytes, strict: true, type: 'application/json' });
  const jsonOnly = requireContentType(['application/json'], 'send the question as application/json, e.g. {"question": "..."}');

  router.post('/v1/ask', ...deps.before, jsonOnly, json, async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    const query = parseOr400(askQuerySchema, req.query, 'query');
    const body = parseOr400(bodySchema, req.body, 'body');
    ctx.question = body.question;
    const explain = body.explain === true || query.explain === '1' || query.explain === 'true';
    const stream = body.stream === true || (req.get('accept') ?? '').includes('text/event-stream');
    try {
      const release = await deps.turns.turn(ctx.signal);
      res.once('finish', release);
      res.once('close', release);
    } catch (err) {
      if (ctx.signal.aborted) return; // timed out (already answered) or the client left
      throw httpError(503, 'overloaded', errorMessage(err), { headers: { 'retry-after': '1' } });
    }
    if (!stream) {
      const answer = await deps.ask.ask(body.question, { explain, signal: ctx.signal, namespace: ctx.keyName ?? '' });
      deps.metrics.observeAnswer(answer.route, answer.compute);
      if (!res.headersSent) res.json(answer);
      return;
    }
    res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    try {
      for await (const e of deps.ask.askStream(body.question, { explain, signal: ctx.signal, namespace: ctx.keyName ?? '' })) {
        if (e.event === 'done') deps.metrics.observeAnswer(e.data.route, e.data.compute);
        if (res.writableEnded || ctx.signal.aborted) continue;
        // A direct answer, a known question or an abstention is one `answer` event with the whole response.
        if (e.event === 'done' && e.data.route !== 'generate' && e.data.route !== 'passages') writeSse(res, { event: 'answer', data: e.data });
        writeSse(res, e);
      }
    } catch (err) {
      deps.onStreamError(err, req);
      if (!res.writableEnded) writeSse(res, { event: 'error', data: { code: 'internal', detail: 'Internal error' } });
    }
    res.end();
  });

  return router;
}
