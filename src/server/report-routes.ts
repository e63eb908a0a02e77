/**
 * Where to read the ledger over HTTP:
 * - GET /v1/report?from=&to=      the report as JSON
 * - GET /v1/report.csv?from=&to=  the same as CSV (layout in src/ledger/render.ts)
 * - GET /report?from=&to=         the self-contained HTML dashboard (no script, inline SVG)
 * from/to are ISO 8601 (from inclusive, to exclusive; default the last 7 days). A bad period is
 * answered here directly with 400 {error:{code:'bad_request', message}}; any other error goes on
 * to the app's error middleware.
 */
import express from 'express';
import type { LearningStatus } from '../answer/learner';
import type { NextFunction, Request, Response } from 'express';
import { isSobreError } from '../errors';
import type { ComputeLedger } from '../ledger/ledger';
import { renderReport } from '../ledger/render';
import { resolveReportRange } from '../ledger/report-range';
import type { ReportRange } from '../ledger/types';
import { promiseHtml } from './promise-section';

export interface ReportRouteDeps {
  ledger: ComputeLedger;
  now?: () => Date;
  /** The promise measured live (learning loop), added as `promise` and a dashboard section. */
  promise?: () => Promise<LearningStatus>;
}

/** The dashboard needs no script and no external resource: forbid both. */
const DASHBOARD_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function queryString(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : String(Array.isArray(v) ? v[0] : v);
}

function rangeOf(req: Request, now: Date): ReportRange {
  return resolveReportRange({ from: queryString(req, 'from'), to: queryString(req, 'to') }, now);
}

export function reportRoutes(deps: ReportRouteDeps): express.Router {
  const router = express.Router();
  const now = (): Date => (deps.now ? deps.now() : new Date());

  router.get('/v1/report', async (req: Request, res: Response) => {
    const report = await deps.ledger.report(rangeOf(req, now()));
    res.set('Cache-Control', 'no-store').json(deps.promise ? { ...report, promise: await deps.promise() } : report);
  });

  router.get('/v1/report.csv', async (req: Request, res: Response) => {
    const report = await deps.ledger.report(rangeOf(req, now()));
    res
      .set('Cache-Control', 'no-store')
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `inline; filename="sobre-report-${report.period.from.slice(0, 10)}_${report.period.to.slice(0, 10)}.csv"`)
      .send(renderReport(report, 'csv'));
  });

  router.get('/report', async (req: Request, res: Response) => {
    const report = await deps.ledger.report(rangeOf(req, now()));
    let html = renderReport(report, 'html');
    if (deps.promise) html = html.replace('</main>', `${promiseHtml(await deps.promise())}</main>`);
    res.set('Cache-Control', 'no-store').set('Content-Security-Policy', DASHBOARD_CSP).type('html').send(html);
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (isSobreError(err) && err.code === 'bad_request') {
      res.status(400).json({ error: { code: 'bad_request', message: err.message } });
      return;
    }
    next(err);
  });

  return router;
}
