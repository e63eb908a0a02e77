/**
 * The compute ledger: one row per answered question (stored through a `LedgerStore`), with the LLM
 * call it avoided or made (tokens, FLOPs, energy, carbon, water as low/mid/high), the measured
 * cost of Sobre's own path and the method snapshot, and the retention purge. The report reads it
 * through `rows` and `method` (src/report/).
 */
import type { SobreConfig } from '../config';
import { SobreError } from '../errors';
import { estimateOutcome } from './estimate';
import { methodFromConfig, type MethodSnapshot } from './method';
import { questionSha256 } from './rows';
import type { LedgerStore } from './store';
import type { AskOutcome, LedgerRow, ReportRange } from './types';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface LedgerOptions {
  now?: () => Date;
}

export class ComputeLedger {
  readonly method: MethodSnapshot;
  private lastPurgeMs = -Infinity;

  private constructor(
    private readonly store: LedgerStore,
    private readonly config: SobreConfig,
    private readonly opts: LedgerOptions,
  ) {
    this.method = methodFromConfig(config);
  }

  /** Over a store (migrated when writable); purges expired question text. */
  static async open(store: LedgerStore, config: SobreConfig, opts: LedgerOptions = {}): Promise<ComputeLedger> {
    const ledger = new ComputeLedger(store, config, opts);
    await ledger.purgeExpiredText();
    return ledger;
  }

  private now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  /**
   * Store one question's accounting and return what was stored. The running completion mean is
   * read just before: two questions recorded at once may both use the mean before the other.
   */
  async record(outcome: AskOutcome): Promise<LedgerRow> {
    if (!this.store.writable) throw new SobreError('internal', 'The ledger was opened read-only');
    const now = this.now();
    if (now.getTime() - this.lastPurgeMs >= HOUR_MS) await this.purgeExpiredText(now);
    const expired = this.config.retentionDays > 0 && outcome.at.getTime() < now.getTime() - this.config.retentionDays * DAY_MS;
    const keepText = this.config.storeQuestions === 'text' && !expired;
    const estimate = estimateOutcome(outcome, this.method, await this.store.completionStats());
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
    const made = estimate.callStatus === 'made' && outcome.generation ? outcome.generation.completionTokens : null;
    const id = await this.store.insert(row, made);
    return { id, ...row };
  }

  /** Rows with range.from <= at < range.to, oldest first. */
  rows(range: ReportRange): Promise<LedgerRow[]> {
    return this.store.rows(range.from.getTime(), range.to.getTime());
  }

  /** Drop question text older than retentionDays (0 = keep forever); returns the rows changed. */
  async purgeExpiredText(now: Date = this.now()): Promise<number> {
    if (!this.store.writable || this.config.retentionDays === 0) return 0;
    this.lastPurgeMs = now.getTime();
    return this.store.purgeQuestionText(now.getTime() - this.config.retentionDays * DAY_MS);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
