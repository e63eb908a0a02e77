/**
 * The learning loop over HTTP (docs/learning.md):
 * - POST /v1/feedback {answerId, correct}         a client's thumbs up or down (ask access)
 * - GET  /v1/calibrations                         stored calibrations, the one in force, the live promise (admin)
 * - POST /v1/calibrations/refit                   refit from the labels now (admin)
 * - POST /v1/calibrations/:id/activate            restore a calibration (0: the calibration file) (admin)
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Learner } from '../answer/learner';
import { contextOf } from './context';
import { requireContentType } from './limits';
import { httpError } from './problem';
import { calibrationIdParamsSchema, feedbackRequestSchema, noQuerySchema, parseOr400 } from './schemas';
import type { ServiceMetrics } from './metrics';

export interface LearningRouteDeps {
  learner: Learner;
  metrics: ServiceMetrics;
  ask: RequestHandler[];
  admin: RequestHandler[];
  maxBodyBytes: number;
}

export function learningRoutes(deps: LearningRouteDeps): express.Router {
  const router = express.Router();
  const json = express.json({ limit: deps.maxBodyBytes, strict: true, type: 'application/json' });
  const jsonOnly = requireContentType(['application/json'], 'send {"answerId": "...", "correct": true} as application/json');
  const { learner } = deps;

  router.post('/v1/feedback', ...deps.ask, jsonOnly, json, async (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    const body = parseOr400(feedbackRequestSchema, req.body, 'body');
    const outcome = await learner.feedback(body.answerId, body.correct, contextOf(res).keyName);
    if (outcome === 'unknown') throw httpError(404, 'not_found', `No answer ${body.answerId} (unknown, or its record could not be kept)`);
    deps.metrics.observeFeedback(outcome);
    res.json({
      answerId: body.answerId,
      used: outcome === 'recorded',
      ...(outcome === 'not_direct' ? { notice: 'Kept out of learning: the answer was not the passage sentence the router weighs (it went to the generator, gave passages or abstained)' } : {}),
    });
  });

  router.get('/v1/calibrations', ...deps.admin, async (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    res.set('cache-control', 'no-store').json({ calibrations: await learner.calibrations(), status: await learner.status() });
  });

  router.post('/v1/calibrations/refit', ...deps.admin, async (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    const outcome = await learner.refit();
    res.json({ ...outcome, at: outcome.at.toISOString() });
  });

  router.post('/v1/calibrations/:id/activate', ...deps.admin, async (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    const { id } = parseOr400(calibrationIdParamsSchema, req.params, 'path');
    await learner.restore(Number(id));
    res.json({ active: Number(id), threshold: learner.router.point.threshold });
  });

  return router;
}
