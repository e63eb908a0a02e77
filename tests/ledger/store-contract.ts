/**
 * The behaviour every `LedgerStore` must show: each implementation's test file calls
 * `ledgerStoreContract` with a factory. `open(location)` opens the store at a location; two opens
 * of the same location are two processes (or instances) sharing it.
 */
import { ComputeLedger } from '../../src/ledger/ledger';
import type { LedgerStore } from '../../src/ledger/store';
import type { LedgerRow } from '../../src/ledger/types';
import { generated, outcome, testConfig } from './helpers';

export interface LedgerStoreSubject {
  location(): Promise<string>;
  open(location: string, opts?: { readonly?: boolean }): Promise<LedgerStore>;
  dispose(location: string): Promise<void>;
}

const NOW = new Date('2024-05-08T00:00:00Z');

export function ledgerStoreContract(name: string, subject: LedgerStoreSubject): void {
  describe(`LedgerStore contract: ${name}`, () => {
    let location: string;
    const opened: LedgerStore[] = [];
    const open = async (opts?: { readonly?: boolean }) => {
      const s = await subject.open(location, opts);
      opened.push(s);
      return s;
    };
    const ledgerOn = (store: LedgerStore) => ComputeLedger.open(store, testConfig(), { now: () => NOW });

    beforeEach(async () => {
      location = await subject.location();
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await subject.dispose(location);
    });

    test('a recorded row reads back field for field', async () => {
      const ledger = await ledgerOn(await open());
      const written = await ledger.record(generated(120, { citedChunkIds: [7, 3], question: 'Quelle est la politique ?' }));
      const [read] = await ledger.rows({ from: new Date('2024-05-01'), to: NOW });
      expect(read).toEqual<LedgerRow>(written);
      expect(read.id).toBeGreaterThan(0);
      expect(read.llm?.completionTokens).toBe(120);
    });

    test('rows are from inclusive, to exclusive, oldest first', async () => {
      const store = await open();
      const ledger = await ledgerOn(store);
      await ledger.record(outcome({ at: new Date('2024-05-03T00:00:00Z'), question: 'third' }));
      await ledger.record(outcome({ at: new Date('2024-05-01T00:00:00Z'), question: 'first' }));
      await ledger.record(outcome({ at: new Date('2024-05-02T00:00:00Z'), question: 'second' }));
      const rows = await store.rows(Date.parse('2024-05-01T00:00:00Z'), Date.parse('2024-05-03T00:00:00Z'));
      expect(rows.map((r) => r.question)).toEqual(['first', 'second']);
    });

    test('completion statistics add up real completions only, and survive reopening', async () => {
      const ledger = await ledgerOn(await open());
      await ledger.record(generated(100));
      await ledger.record(outcome());
      await ledger.record(generated(300));
      const again = await open();
      expect(await again.completionStats()).toEqual({ calls: 2, tokens: 400 });
    });

    test('two instances on one location: every row once, ids distinct', async () => {
      const a = await ledgerOn(await open());
      const b = await ledgerOn(await open());
      const rows = await Promise.all([a, b, a, b].map((l, i) => l.record(outcome({ question: `q${i}` }))));
      expect(new Set(rows.map((r) => r.id)).size).toBe(4);
      const all = await a.rows({ from: new Date(0), to: NOW });
      expect(all.map((r) => r.question).sort()).toEqual(['q0', 'q1', 'q2', 'q3']);
    });

    test('purging question text keeps the row and its hash', async () => {
      const store = await open();
      const ledger = await ledgerOn(store);
      const old = await ledger.record(outcome({ at: new Date('2024-04-01T00:00:00Z') }));
      await ledger.record(outcome({ at: new Date('2024-05-05T00:00:00Z') }));
      expect(await store.purgeQuestionText(Date.parse('2024-05-01T00:00:00Z'))).toBe(1);
      const rows = await store.rows(0, NOW.getTime());
      expect(rows.map((r) => r.question)).toEqual([null, 'What is the refund policy?']);
      expect(rows[0].questionSha256).toBe(old.questionSha256);
    });

    test('read-only: reads what a writer stored, refuses to write; empty before any ledger exists', async () => {
      const empty = await open({ readonly: true });
      expect(empty.writable).toBe(false);
      expect(await empty.rows(0, NOW.getTime())).toEqual([]);
      expect(await empty.completionStats()).toEqual({ calls: 0, tokens: 0 });
      const ledger = await ledgerOn(await open());
      await ledger.record(outcome());
      const reader = await open({ readonly: true });
      expect(await reader.rows(0, NOW.getTime())).toHaveLength(1);
      await expect(reader.insert({ ...(await ledger.rows({ from: new Date(0), to: NOW }))[0] }, null)).rejects.toThrow(/read-only/);
      expect(await reader.purgeQuestionText(NOW.getTime())).toBe(0);
    });
  });
}
