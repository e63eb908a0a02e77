/**
 * Where to read the ledger over HTTP:
 * - GET /v1/report?from=&to=      the report as JSON
 * - GET /v1/report.csv?from=&to=  the same as CSV (layout in src/report/render.ts)
 * - GET /report?from=&to=         the self-contained HTML dashboard (no script, inline SVG)
 * from/to are ISO 8601 (from inclusive, to exclusive; default the last 7 days), or days=N for the
 * N days before `to`. A bad period is
 * answered here directly with 400 {error:{code:'bad_request', message}}; any other error goes on
 * to the app's error middleware.
 */
import express from 'express';
import type { LearningStatus } from '../answer/learner';
import type { NextFunction, Request, Response } from 'express';
import { isSobreError } from '../errors';
import type { ReportRange } from '../ledger/types';
import { ledgerReport, renderReport, resolveReportRange, type LedgerReader } from '../report';
import { renderHtml, type PageContext } from '../report/render-html';
import { PAGE_CSP } from './session';
import { promiseHtml } from './promise-section';

export interface ReportRouteDeps {
  ledger: LedgerReader;
  /** SOBRE_LEDGER_GAP_THRESHOLD. */
  contentGapThreshold: number;
  /** What the dashboard shows around the report: the sign-out form for a signed-in browser. */
  page?: (req: Request) => PageContext;
  now?: () => Date;
  /** The promise measured live (learning loop), added as `promise` and a dashboard section. */
  promise?: () => Promise<LearningStatus>;
}

function queryString(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : String(Array.isArray(v) ? v[0] : v);
}

function rangeOf(req: Request, now: Date): ReportRange {
  return resolveReportRange({ from: queryString(req, 'from'), to: queryString(req, 'to'), days: queryString(req, 'days') }, now);
}

export function reportRoutes(deps: ReportRouteDeps): express.Router {
  const router = express.Router();
  const now = (): Date => (deps.now ? deps.now() : new Date());
  const report = (req: Request) => {
    const at = now();
    return ledgerReport(deps.ledger, rangeOf(req, at), { contentGapThreshold: deps.contentGapThreshold, generatedAt: at });
  };

  router.get('/v1/report', async (req: Request, res: Response) => {
    const r = await report(req);
    res.set('Cache-Control', 'no-store').json(deps.promise ? { ...r, promise: await deps.promise() } : r);
  });

  router.get('/v1/report.csv', async (req: Request, res: Response) => {
    const r = await report(req);
    res
      .set('Cache-Control', 'no-store')
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `inline; filename="sobre-report-${r.period.from.slice(0, 10)}_${r.period.to.slice(0, 10)}.csv"`)
      .send(renderReport(r, 'csv'));
  });

  router.get('/report', async (req: Request, res: Response) => {
    const days = Number(queryString(req, 'days'));
    let html = renderHtml(await report(req), { ...deps.page?.(req), days: Number.isInteger(days) ? days : undefined });
    if (deps.promise) html = html.replace('</main>', `${promiseHtml(await deps.promise())}</main>`);
    res.set('Cache-Control', 'no-store').set('Content-Security-Policy', PAGE_CSP).type('html').send(html);
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
