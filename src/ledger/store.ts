/**
 * The ledger's storage interface: the only way `ComputeLedger` reads and writes rows. The SQLite
 * implementation is `sqlite-store.ts`.
 */
import type { CompletionStats } from './estimate';
import type { LedgerRow } from './types';

export interface LedgerStore {
  /** False for a read-only store (the report CLI): `insert` and `purgeQuestionText` refuse. */
  readonly writable: boolean;
  /**
   * Store one row; with `completionTokens`, also add one real completion of that many tokens to
   * the running mean, in the same transaction. Returns the row's id.
   */
  insert(row: Omit<LedgerRow, 'id'>, completionTokens: number | null): Promise<number>;
  /** Real completions recorded so far (the mean is the counterfactual completion length). */
  completionStats(): Promise<CompletionStats>;
  /** Rows with fromMs <= at < toMs, oldest first. */
  rows(fromMs: number, toMs: number): Promise<LedgerRow[]>;
  /** Drop the question text of rows older than `beforeMs`; returns how many changed. */
  purgeQuestionText(beforeMs: number): Promise<number>;
  close(): Promise<void>;
}
