/**
 * npm run report -- [--from ISO] [--to ISO] [--format table|json|csv|html] [--out FILE] [setting flags]
 *
 * Prints the ledger report for a period (default: the last 7 days; from inclusive, to exclusive)
 * read from <dataDir>/sobre.db (or PostgreSQL with SOBRE_DATABASE_URL: every instance's questions), opened read-only. Format: --format, else from the --out extension
 * (.json, .csv, .html, .txt), else `table`.
 * The content gap is grouped as in the service's report (src/report/content-gap.ts).
 * Exit codes: 0 ok, 2 bad arguments or settings, 1 any other failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CALIBRATION_FILE, loadCalibration } from '../src/answer/calibration';
import { Learner } from '../src/answer/learner';
import { loadConfig, parseSettingFlags, type SobreConfig } from '../src/config';
import { openLabelStore } from '../src/labels/open-store';
import { promiseHtml, promiseLines } from '../src/server/promise-section';
import { SobreError, errorMessage, isSobreError } from '../src/errors';
import { ComputeLedger } from '../src/ledger/ledger';
import { openLedgerStore } from '../src/ledger/open-store';
import { ledgerReport, REPORT_FORMATS, renderReport, resolveReportRange, type ReportFormat } from '../src/report';

const USAGE = `Usage: npm run report -- [--from ISO] [--to ISO] [--format table|json|csv|html] [--out FILE] [--data-dir DIR]
  --from, --to   ISO 8601 dates (2024-05-01 or 2024-05-01T12:00:00Z); from inclusive, to exclusive; default last 7 days
  --format       table (default), json, csv, html
  --out FILE     write to FILE instead of standard output (format from its extension when --format is absent)
Any setting flag (see README) is accepted too, e.g. --data-dir.`;

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  now?: () => Date;
}

interface ReportArgs {
  from?: string;
  to?: string;
  format?: ReportFormat;
  out?: string;
  help: boolean;
}

function parseOwnFlags(rest: readonly string[]): ReportArgs {
  const args: ReportArgs = { help: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') {
      args.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!['--from', '--to', '--format', '--out'].includes(name)) throw new SobreError('bad_request', `Unknown argument ${JSON.stringify(arg)}`);
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') throw new SobreError('bad_request', `${name} needs a value`);
    value = value.trim();
    if (name === '--format') {
      if (!REPORT_FORMATS.includes(value as ReportFormat)) throw new SobreError('bad_request', `Invalid --format ${JSON.stringify(value)}: expected ${REPORT_FORMATS.join(', ')}`);
      args.format = value as ReportFormat;
    } else if (name === '--from') args.from = value;
    else if (name === '--to') args.to = value;
    else args.out = value;
  }
  return args;
}

function formatFromFile(file: string): ReportFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  return ({ '.json': 'json', '.csv': 'csv', '.html': 'html', '.htm': 'html', '.txt': 'table' } as Record<string, ReportFormat>)[ext];
}

/** The learning loop's live precision (docs/learning.md), when the store has labels (every instance's, on PostgreSQL). */
async function withPromise(config: SobreConfig, text: string, format: ReportFormat): Promise<string> {
  const store = format === 'csv' ? null : await openLabelStore(config, { readonly: true });
  if (!store) return text;
  try {
    const learner = new Learner({ store, base: loadCalibration(config.calibrationFile || DEFAULT_CALIBRATION_FILE), settings: config });
    await learner.refresh();
    const status = await learner.status();
    if (format === 'json') return `${JSON.stringify({ ...(JSON.parse(text) as object), promise: status }, null, 2)}\n`;
    if (format === 'html') return text.replace('</main>', `${promiseHtml(status)}</main>`);
    return `${text}\n${promiseLines(status).join('\n')}\n`;
  } finally {
    await store.close();
  }
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { flags, rest } = parseSettingFlags(argv);
    const args = parseOwnFlags(rest);
    if (args.help) {
      io.stdout.write(USAGE + '\n');
      return 0;
    }
    const config = loadConfig(io.env, flags, io.cwd);
    const now = io.now ? io.now() : new Date();
    const range = resolveReportRange({ from: args.from, to: args.to }, now);
    const format = args.format ?? (args.out ? formatFromFile(args.out) : undefined) ?? 'table';
    const ledger = await ComputeLedger.open(await openLedgerStore(config, { readonly: true }), config, { now: () => now });
    try {
      const text = await withPromise(config, renderReport(await ledgerReport(ledger, range, { contentGapThreshold: config.contentGapThreshold, generatedAt: now }), format), format);
      if (args.out) {
        fs.writeFileSync(path.resolve(io.cwd, args.out), text);
        io.stderr.write(`Wrote ${format} report to ${args.out}\n`);
      } else io.stdout.write(text);
    } finally {
      await ledger.close();
    }
    return 0;
  } catch (e) {
    const bad = isSobreError(e) && (e.code === 'bad_request' || e.code === 'bad_config');
    io.stderr.write(`report: ${errorMessage(e)}\n${bad ? USAGE + '\n' : ''}`);
    return bad ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then((code) => {
    process.exitCode = code;
  });
}
