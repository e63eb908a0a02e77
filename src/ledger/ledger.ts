/**
 * The compute ledger: one row per answered question, written in one transaction, with the LLM
 * call it avoided or made (tokens, FLOPs, energy, carbon, water as low/mid/high), the measured
 * cost of Sobre's own path and the method snapshot. Also the retention purge and the report.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { SobreConfig } from '../config';
import type { Embedder } from '../embed/types';
import { SobreError } from '../errors';
import { migrate } from '../store/migrate';
import { groupContentGap } from './content-gap';
import { estimateOutcome, type CompletionStats } from './estimate';
import { methodFromConfig, type MethodSnapshot } from './method';
import { buildReport } from './report';
import type { Report } from './report-types';
import { INSERT_SQL, questionSha256, selectRows, toDbParams } from './rows';
import { LEDGER_MIGRATIONS } from './schema';
import type { AskOutcome, LedgerRow, ReportRange } from './types';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface LedgerOptions {
  /** Groups the content gap by similarity; without it, by normalised text. */
  embedder?: Embedder;
  now?: () => Date;
}

/** The ledger's schema version in a database opened read-only (0 when it has no ledger yet). */
function readLedgerVersion(db: Database): number {
  try {
    const row = db.prepare("SELECT version FROM schema_versions WHERE component = 'ledger'").get() as { version: number } | undefined;
    return row?.version ?? 0;
  } catch {
    return 0;
  }
}

export class ComputeLedger {
  readonly method: MethodSnapshot;
  private readonly insert: Statement | null;
  private readonly readStats: Statement | null;
  private readonly addCompletion: Statement | null;
  private lastPurgeMs = -Infinity;

  private constructor(
    private readonly db: Database,
    private readonly config: SobreConfig,
    private readonly opts: LedgerOptions,
    /** False when a read-only database has no ledger tables yet: reports are empty. */
    private readonly hasTables: boolean,
  ) {
    this.method = methodFromConfig(config);
    const writable = !db.readonly;
    this.insert = writable ? db.prepare(INSERT_SQL) : null;
    this.readStats = writable ? db.prepare('SELECT calls, tokens FROM ledger_completion_stats WHERE id = 1') : null;
    this.addCompletion = writable ? db.prepare('UPDATE ledger_completion_stats SET calls = calls + 1, tokens = tokens + ? WHERE id = 1') : null;
  }

  /**
   * Migrate (unless the database is read-only) and purge expired question text. A read-only
   * database (the report CLI) is only read; one without a ledger yet gives empty reports.
   */
  static open(db: Database, config: SobreConfig, opts: LedgerOptions = {}): ComputeLedger {
    let hasTables = true;
    if (db.readonly) {
      const version = readLedgerVersion(db);
      if (version > LEDGER_MIGRATIONS.length) {
        throw new SobreError('store_inconsistent', `The ledger schema is version ${version}, newer than this Sobre knows (${LEDGER_MIGRATIONS.length}): upgrade Sobre`);
      }
      hasTables = version > 0;
    } else {
      migrate(db, 'ledger', LEDGER_MIGRATIONS);
    }
    const ledger = new ComputeLedger(db, config, opts, hasTables);
    ledger.purgeExpiredText();
    return ledger;
  }

  private now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  /** Store one question's accounting in one transaction and return what was stored. */
  record(outcome: AskOutcome): LedgerRow {
    const { insert, readStats, addCompletion } = this;
    if (!insert || !readStats || !addCompletion) throw new SobreError('internal', 'The ledger was opened on a read-only database');
    const now = this.now();
    if (now.getTime() - this.lastPurgeMs >= HOUR_MS) this.purgeExpiredText(now);
    const expired = this.config.retentionDays > 0 && outcome.at.getTime() < now.getTime() - this.config.retentionDays * DAY_MS;
    const keepText = this.config.storeQuestions === 'text' && !expired;
    return this.db.transaction((): LedgerRow => {
      const stats = readStats.get() as CompletionStats;
      const estimate = estimateOutcome(outcome, this.method, stats);
      const row: Omit<LedgerRow, 'id'> = {
        at: new Date(outcome.at.getTime()),
        route: outcome.route,
        callStatus: estimate.callStatus,
        confidence: outcome.confidence,
        question: keepText ? outcome.question : null,
        questionSha256: questionSha256(outcome.question),
        stageMs: { ...outcome.stageMs },
        citedChunkIds: [...outcome.citedChunkIds],
        llm: estimate.llm,
        path: estimate.path,
        generatorError: outcome.generatorError ?? null,
        method: this.method,
      };
      const id = Number(insert.run(toDbParams(row)).lastInsertRowid);
      if (estimate.callStatus === 'made' && outcome.generation) {
        addCompletion.run(outcome.generation.completionTokens);
      }
      return { id, ...row };
    })();
  }

  /** Rows with range.from <= at < range.to, oldest first. */
  rows(range: ReportRange): LedgerRow[] {
    return this.hasTables ? selectRows(this.db, range.from.getTime(), range.to.getTime()) : [];
  }

  async report(range: ReportRange): Promise<Report> {
    const rows = this.rows(range);
    const contentGap = await groupContentGap(rows, { embedder: this.opts.embedder, threshold: this.config.contentGapThreshold });
    return buildReport({ rows, range, method: this.method, contentGap, generatedAt: this.now() });
  }

  /** Drop question text older than retentionDays (0 = keep forever); returns the rows changed. */
  purgeExpiredText(now: Date = this.now()): number {
    if (this.db.readonly || !this.hasTables || this.config.retentionDays === 0) return 0;
    this.lastPurgeMs = now.getTime();
    const cutoff = now.getTime() - this.config.retentionDays * DAY_MS;
    return this.db.prepare('UPDATE ledger_questions SET question_text = NULL WHERE question_text IS NOT NULL AND at_ms < ?').run(cutoff).changes;
  }
}
