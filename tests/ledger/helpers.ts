/** Shared fixtures for the ledger tests: a config, an in-memory ledger and outcome builders. */
import Database from 'better-sqlite3';
import { loadConfig, type SettingName } from '../../src/config';
import type { Embedder } from '../../src/embed/types';
import { ComputeLedger } from '../../src/ledger/ledger';
import { SqliteLedgerStore } from '../../src/ledger/sqlite-store';
import type { AskOutcome } from '../../src/ledger/types';

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

export async function openLedger(flags: Partial<Record<SettingName, string>> = {}, opts: { now?: () => Date; embedder?: Embedder } = {}) {
  const db = new Database(':memory:');
  const config = testConfig(flags);
  // A fixed clock by default: outcomes are dated May 2024, inside the 90-day retention.
  const ledger = await ComputeLedger.open(SqliteLedgerStore.onDatabase(db), config, { now: () => new Date('2024-05-08T00:00:00Z'), ...opts });
  return { db, config, ledger };
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

/** A deterministic embedder: texts sharing their first word are near-identical vectors. */
export function firstWordEmbedder(): Embedder {
  const dims = 16;
  return {
    id: 'test:first-word',
    dimension: dims,
    async embed(texts: readonly string[]) {
      return texts.map((t) => {
        const word = t.toLowerCase().split(/\W+/).filter(Boolean)[0] ?? '';
        const v = new Float32Array(dims);
        let h = 0;
        for (const c of word) h = (h * 31 + c.charCodeAt(0)) >>> 0;
        v[h % dims] = 1;
        v[(h >>> 8) % dims] += 0.05;
        let n = 0;
        for (const x of v) n += x * x;
        return v.map((x) => x / Math.sqrt(n));
      });
    },
  };
}
