/** Shared fixtures for the ledger tests: a config, an in-memory ledger and outcome builders. */
import Database from 'better-sqlite3';
import { loadConfig, type SettingName } from '../../src/config';
import { ComputeLedger } from '../../src/ledger/ledger';
import { SqliteLedgerStore } from '../../src/ledger/sqlite-store';
import type { AskOutcome, ReportRange } from '../../src/ledger/types';
import { ledgerReport } from '../../src/report';

export function testConfig(flags: Partial<Record<SettingName, string>> = {}) {
  return loadConfig({}, flags, '/tmp');
}

export interface Clock {
  now: () => Date;
  set(iso: string): void;
}

export function clock(iso: string): Clock {
  let t = new Date(iso);
  return { now: () => new Date(t.getTime()), set: (s) => (t = new Date(s)) };
}

export async function openLedger(flags: Partial<Record<SettingName, string>> = {}, opts: { now?: () => Date } = {}) {
  const db = new Database(':memory:');
  const config = testConfig(flags);
  // A fixed clock by default: outcomes are dated May 2024, inside the 90-day retention.
  const now = opts.now ?? (() => new Date('2024-05-08T00:00:00Z'));
  const ledger = await ComputeLedger.open(SqliteLedgerStore.onDatabase(db), config, { now });
  /** The report of a period, as the service builds it (src/report). */
  const report = (range: ReportRange) => ledgerReport(ledger, range, { contentGapThreshold: config.contentGapThreshold, generatedAt: now() });
  return { db, config, ledger, report };
}

export function outcome(over: Partial<AskOutcome> = {}): AskOutcome {
  return {
    at: new Date('2024-05-02T10:00:00Z'),
    question: 'What is the refund policy?',
    route: 'direct',
    confidence: 0.93,
    stageMs: { embed: 5, search: 3, route: 1, total: 10 },
    pathCpuMs: 25,
    citedChunkIds: [1, 2],
    counterfactualPromptTokens: 500,
    ...over,
  };
}

export function generated(completionTokens: number, over: Partial<AskOutcome> = {}): AskOutcome {
  return outcome({
    route: 'generate',
    confidence: 0.4,
    generation: { kind: 'openai', model: 'qwen2.5:0.5b', promptTokens: 480, completionTokens, tokenSource: 'server', latencyMs: 60_000 },
    ...over,
  });
}
