/**
 * The report stage: reads the ledger through its interface (rows of a period and the current
 * method) and turns them into a `Report` (build.ts), which render.ts prints as a table, JSON, CSV
 * or the HTML dashboard. Nothing here writes.
 */
import type { LedgerRow, ReportRange } from '../ledger/types';
import type { MethodSnapshot } from '../ledger/method';
import { buildReport } from './build';
import type { Report } from './types';

/** What the report needs of a ledger (`ComputeLedger` is one). */
export interface LedgerReader {
  readonly method: MethodSnapshot;
  rows(range: ReportRange): Promise<LedgerRow[]>;
}

export interface ReportOptions {
  /** SOBRE_LEDGER_GAP_THRESHOLD. */
  contentGapThreshold: number;
  generatedAt?: Date;
}

export async function ledgerReport(ledger: LedgerReader, range: ReportRange, opts: ReportOptions): Promise<Report> {
  const rows = await ledger.rows(range);
  return buildReport({ rows, range, method: ledger.method, contentGapThreshold: opts.contentGapThreshold, generatedAt: opts.generatedAt ?? new Date() });
}

export type { Report } from './types';
export { renderReport, REPORT_FORMATS, type ReportFormat } from './render';
export { resolveReportRange } from './range';
