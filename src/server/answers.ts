/**
 * Admin routes over known answers: GET /v1/answers (list), PUT /v1/answers (pin an answer to a
 * question), DELETE /v1/answers (clear the cache or the pins, all or one namespace),
 * DELETE /v1/answers/:id. FAQ pairs are listed but only go with their document.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Embedder } from '../embed/types';
import type { KnownAnswer, KnownAnswers } from '../knowledge/types';
import { requireContentType } from './limits';
import { httpError } from './problem';
import {
  curatedAnswerRequestSchema, knownClearQuerySchema, knownIdParamsSchema, knownListQuerySchema, noQuerySchema, parseOr400,
} from './schemas';

export interface AnswerRouteDeps {
  known: KnownAnswers;
  embedder: Embedder;
  maxQuestionChars: number;
  maxBodyBytes: number;
  /** Access check, rate limit and deadline. */
  before: RequestHandler[];
}

export function knownAnswerJson(a: KnownAnswer) {
  return {
    id: a.id, kind: a.kind, namespace: a.namespace, question: a.question, answer: a.answer,
    citations: a.citations.map((c) => ({ chunkId: c.chunkId, documentId: c.documentId, title: c.title, source: c.source })),
    generation: a.generation, createdAt: a.createdAt.toISOString(), expiresAt: a.expiresAt?.toISOString() ?? null,
    lastUsedAt: a.lastUsedAt.toISOString(), hits: a.hits,
  };
}

export function answerRoutes(deps: AnswerRouteDeps): express.Router {
  const router = express.Router();
  const json = express.json({ limit: deps.maxBodyBytes, strict: true, type: 'application/json' });
  const jsonOnly = requireContentType(['application/json'], 'send {"question": "...", "answer": "..."} as application/json');
  const bodySchema = curatedAnswerRequestSchema(deps.maxQuestionChars);

  router.get('/v1/answers', ...deps.before, async (req: Request, res: Response) => {
    const q = parseOr400(knownListQuerySchema, req.query, 'query');
    const filter = { kind: q.kind, namespace: q.namespace };
    const page = { limit: Number(q.limit ?? 100), offset: Number(q.offset ?? 0) };
    const [total, answers] = await Promise.all([deps.known.count(filter), deps.known.list(filter, page)]);
    res.set('cache-control', 'no-store').json({ total, answers: answers.map(knownAnswerJson) });
  });

  router.put('/v1/answers', ...deps.before, jsonOnly, json, async (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    const body = parseOr400(bodySchema, req.body, 'body');
    const [vector] = await deps.embedder.embed([body.question], 'query');
    const pinned = await deps.known.put({
      kind: 'curated', namespace: '', question: body.question, vector, answer: body.answer, citedChunkIds: body.chunkIds ?? [],
    });
    res.json(knownAnswerJson(pinned));
  });

  router.delete('/v1/answers', ...deps.before, async (req: Request, res: Response) => {
    const q = parseOr400(knownClearQuerySchema, req.query, 'query');
    res.json({ removed: await deps.known.remove({ kind: q.kind, namespace: q.namespace }) });
  });

  router.delete('/v1/answers/:id', ...deps.before, async (req: Request, res: Response) => {
    const id = Number(parseOr400(knownIdParamsSchema, req.params, 'path').id);
    const removed = await deps.known.remove({ id });
    if (removed === 0) throw httpError(404, 'not_found', `No cached or pinned answer with id ${id} (FAQ pairs go with their document)`);
    res.json({ removed });
  });

  return router;
}
