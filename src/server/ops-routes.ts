/**
 * Operations routes: GET /healthz (the process answers), GET /readyz (model loaded, store and
 * index open and in agreement, not shutting down; 503 problem otherwise; 200 `degraded` when
 * only the ledger cannot be written: answers still come, so a load balancer keeps sending
 * questions), GET /metrics (Prometheus, admin) and GET /openapi.json (public).
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Embedder } from '../embed/types';
import type { Knowledge } from '../knowledge/types';
import type { ServiceMetrics } from './metrics';
import { httpError } from './problem';
import { noQuerySchema, parseOr400 } from './schemas';

export interface OpsRouteDeps {
  knowledge: Knowledge;
  embedder: Embedder;
  metrics: ServiceMetrics;
  openapi: () => object;
  isDraining: () => boolean;
  /** False while the last ledger row could not be written. */
  ledgerWritable: () => boolean;
  /** Access checks for /metrics. */
  admin: RequestHandler[];
  /** Limits for /openapi.json. */
  open: RequestHandler[];
}

export interface Readiness {
  status: 'ready' | 'degraded' | 'not_ready';
  checks: { model: boolean; store: boolean; index: boolean; consistent: boolean; accepting: boolean; ledger: boolean };
  storeChunks?: number;
  indexVectors?: number;
}

export async function readiness(knowledge: Knowledge, embedder: Embedder, draining: boolean, ledgerWritable = true): Promise<Readiness> {
  const checks = { model: embedder.dimension > 0, store: false, index: false, consistent: false, accepting: !draining, ledger: ledgerWritable };
  const out: Readiness = { status: 'not_ready', checks };
  try {
    await knowledge.refresh(); // what another process committed, as an ask would see it
    checks.store = true;
    const c = await knowledge.check();
    checks.index = true;
    checks.consistent = c.consistent;
    out.storeChunks = c.storeChunks;
    out.indexVectors = c.indexVectors;
  } catch {
    // a closed or broken store: not ready
  }
  const { ledger, ...serving } = checks;
  if (Object.values(serving).every(Boolean)) out.status = ledger ? 'ready' : 'degraded';
  return out;
}

export function opsRoutes(deps: OpsRouteDeps): express.Router {
  const router = express.Router();

  router.get('/healthz', (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    res.set('cache-control', 'no-store').json({ status: 'ok' });
  });

  router.get('/readyz', async (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    const r = await readiness(deps.knowledge, deps.embedder, deps.isDraining(), deps.ledgerWritable());
    res.set('cache-control', 'no-store');
    if (r.status !== 'not_ready') {
      res.json(r);
      return;
    }
    const failing = Object.entries(r.checks).filter(([, ok]) => !ok).map(([name]) => name);
    throw httpError(503, 'not_ready', `Not ready: ${failing.join(', ')}`, { extensions: { checks: r.checks }, headers: { 'retry-after': '5' } });
  });

  router.get('/metrics', ...deps.admin, async (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    const { contentType, body } = await deps.metrics.render();
    res.set('cache-control', 'no-store').type(contentType).send(body);
  });

  router.get('/openapi.json', ...deps.open, (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    res.json(deps.openapi());
  });

  return router;
}
