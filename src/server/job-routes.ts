/**
 * How a write request answers with its job, and GET /v1/jobs/:id.
 *
 * The request waits for its job. Done in time: the job's result, as a plain 200 (or its
 * error, as a problem): a client that never heard of jobs sees no difference. Not done by the
 * request's deadline (SOBRE_UPLOAD_TIMEOUT_MS, SOBRE_REQUEST_TIMEOUT_MS for a deletion), or
 * asked for at once with `Prefer: respond-async`: 202 with the job (the body of
 * GET /v1/jobs/:id, and its address in Location); the job goes on, and is no longer the
 * request's. The client going away before that cancels the job: skipped if it had not
 * started, stopped between embedding batches otherwise. Never a 503 followed by a commit.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { contextOf } from './context';
import type { Job, JobQueue, JobView } from './jobs';
import { httpError } from './problem';
import { jobIdParamsSchema, noQuerySchema, parseOr400 } from './schemas';

function accepted(job: Job, res: Response): void {
  const location = `/v1/jobs/${job.id}`;
  res.status(202).set({ location, 'retry-after': '1', 'cache-control': 'no-store' }).json(job.view());
}

/** Answer `req` with `job`: its outcome if it is done in time, else 202 (see above). */
export async function answerWithJob(job: Job, req: Request, res: Response, next: NextFunction): Promise<void> {
  const ctx = contextOf(res);
  let handedOff = false;
  const handOff = () => {
    handedOff = true;
    accepted(job, res);
    return true;
  };
  if (/\brespond-async\b/i.test(req.get('prefer') ?? '')) {
    res.set('preference-applied', 'respond-async');
    handOff();
    return;
  }
  ctx.onDeadline = handOff;
  const onAbort = () => {
    if (!handedOff) job.cancel('the request was aborted');
  };
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  await job.done;
  ctx.signal.removeEventListener('abort', onAbort);
  ctx.onDeadline = undefined;
  if (handedOff || res.headersSent || ctx.signal.aborted) return;
  if (job.status === 'succeeded') res.json(job.result);
  else next(job.thrown ?? httpError(503, 'cancelled', job.view().error?.detail ?? 'Cancelled', { headers: { 'retry-after': '5' } }));
}

/** `elsewhere`: in a cluster's worker, the job as another worker has it (cluster-client.ts). */
export function jobRoutes(deps: { jobs: JobQueue; before: RequestHandler[]; elsewhere?: (id: string) => Promise<JobView | null> }): express.Router {
  const router = express.Router();
  router.get('/v1/jobs/:id', ...deps.before, async (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    const { id } = parseOr400(jobIdParamsSchema, req.params, 'path');
    const job = deps.jobs.get(id)?.view() ?? (await deps.elsewhere?.(id)) ?? null;
    if (!job) throw httpError(404, 'not_found', `No job ${id}: jobs are kept for an hour, and forgotten when the service restarts (GET /v1/documents lists what is in)`);
    res.set('cache-control', 'no-store').json(job);
  });
  return router;
}
