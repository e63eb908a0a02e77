/** ComputeLedger: per-question rows, counterfactual tokens, call statuses, privacy and retention. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ledgerReport } from '../../src/report';
import Database from 'better-sqlite3';
import { ComputeLedger } from '../../src/ledger/ledger';
import { SqliteLedgerStore } from '../../src/ledger/sqlite-store';
import { questionSha256 } from '../../src/ledger/rows';
import { LEDGER_MIGRATIONS } from '../../src/ledger/schema';
import { migrate } from '../../src/sqlite/migrate';
import { SobreError } from '../../src/errors';
import { clock, generated, openLedger, outcome, testConfig } from './helpers';

function near(actual: number, expected: number, rel = 1e-4): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * rel);
}

describe('record', () => {
  test('an avoided call: counterfactual 500 + default 150 tokens, the doc 0.5 B numbers, the path cost', async () => {
    const { ledger, db } = await openLedger();
    const row = await ledger.record(outcome());
    expect(row.id).toBeGreaterThan(0);
    expect(row.callStatus).toBe('avoided');
    expect(row.llm).not.toBeNull();
    const llm = row.llm!;
    expect(llm.basis).toBe('counterfactual');
    expect(llm.promptTokens).toBe(500);
    expect(llm.completionTokens).toBe(150);
    expect(llm.tokenSource).toBe('default');
    expect(llm.flops).toBeCloseTo(6.5e11, -3);
    near(llm.impact.wh.mid, 1.14575e-2);
    near(llm.impact.wh.low, 1.09071e-2);
    near(llm.impact.wh.high, 1.20078e-2);
    near(llm.impact.gco2e.mid, 5.4195e-3);
    near(llm.impact.waterL.mid, 5.7875e-5);
    near(llm.embodied!.gco2e.mid, 8.637e-4);
    expect(row.path.source).toBe('cpu-time');
    near(row.path.wh, 6.9444e-5);
    expect(row.method.version).toMatch(/^sobre-ledger\/2/);
    expect(row.method.gpuWhPerToken.alpha).toBeCloseTo(1.1665273170451914e-6, 15);
    // What was stored is what was returned.
    const stored = await ledger.rows({ from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-03T00:00:00Z') });
    expect(stored).toEqual([row]);
    const method = JSON.parse((db.prepare('SELECT method FROM ledger_questions').get() as { method: string }).method);
    expect(method.pue).toEqual({ min: 1.09, max: 1.2 });
    expect(method.electricityMix).toBe('WOR');
    expect(method.gridGco2PerKwh).toBeCloseTo(473.01, 9);
    expect(method.embodied.gpu.kgCo2e).toBe(164);
  });

  test.each([['direct'], ['cache'], ['abstain']] as const)('route %s counts as avoided', async (route) => {
    const { ledger } = await openLedger();
    expect((await ledger.record(outcome({ route }))).callStatus).toBe('avoided');
  });

  test('generate records real tokens; passages is failed (generator error) or unavailable (none configured), never avoided', async () => {
    const { ledger } = await openLedger();
    const gen = await ledger.record(generated(90));
    expect(gen.callStatus).toBe('made');
    expect(gen.llm?.basis).toBe('real');
    expect(gen.llm?.promptTokens).toBe(480);
    expect(gen.llm?.completionTokens).toBe(90);
    expect(gen.llm?.tokenSource).toBe('server');
    expect(gen.llm?.flops).toBeCloseTo(2 * 0.5e9 * 570, -3);
    const failed = await ledger.record(outcome({ route: 'passages', generatorError: 'generator_timeout' }));
    expect(failed.callStatus).toBe('failed');
    expect(failed.llm).toBeNull();
    expect(failed.generatorError).toBe('generator_timeout');
    const none = await ledger.record(outcome({ route: 'passages' }));
    expect(none.callStatus).toBe('unavailable');
    expect(none.llm).toBeNull();
  });

  test('a local generation uses measured CPU time × watts per core (or latency × one core)', async () => {
    const { ledger } = await openLedger({ generator: 'local' });
    const measured = await ledger.record(generated(100, { generation: { kind: 'local', model: 'm', promptTokens: 400, completionTokens: 100, tokenSource: 'tokenizer', latencyMs: 900, cpuMs: 1800 } }));
    expect(measured.llm?.energySource).toBe('cpu-time');
    near(measured.llm!.impact.wh.mid, 5e-3);
    expect(measured.llm!.impact.wh.low).toBe(measured.llm!.impact.wh.high);
    const latencyOnly = await ledger.record(generated(100, { generation: { kind: 'local', model: 'm', promptTokens: 400, completionTokens: 100, tokenSource: 'tokenizer', latencyMs: 900 } }));
    expect(latencyOnly.llm?.energySource).toBe('latency-one-core');
    near(latencyOnly.llm!.impact.wh.mid, 2.5e-3);
  });

  test('a remote generation is capped by its measured latency', async () => {
    const { ledger } = await openLedger();
    const slow = await ledger.record(generated(150));
    const fast = await ledger.record(generated(150, { generation: { kind: 'openai', model: 'x', promptTokens: 500, completionTokens: 150, tokenSource: 'server', latencyMs: 1000 } }));
    near(slow.llm!.impact.wh.mid, 1.14575e-2);
    expect(fast.llm!.impact.wh.mid).toBeLessThan(slow.llm!.impact.wh.mid);
    expect(fast.llm!.embodied!.gco2e.mid).toBeLessThan(slow.llm!.embodied!.gco2e.mid);
  });

  test('RAPL energy, when the caller gives it, replaces CPU time × watts', async () => {
    const { ledger } = await openLedger();
    const row = await ledger.record(outcome({ pathRaplWh: 0.001 }));
    expect(row.path.source).toBe('rapl');
    expect(row.path.wh).toBe(0.001);
    expect(row.path.cpuMs).toBe(25);
  });

  test('invalid outcomes are refused without writing', async () => {
    const { ledger } = await openLedger();
    await expect(ledger.record(outcome({ pathCpuMs: -1 }))).rejects.toThrow(SobreError);
    await expect(ledger.record(outcome({ counterfactualPromptTokens: Number.NaN }))).rejects.toThrow(/counterfactualPromptTokens/);
    expect(await ledger.rows({ from: new Date(0), to: new Date('2100-01-01') })).toHaveLength(0);
  });
});

describe('a ledger from before embodied impacts', () => {
  test('gains the embodied columns on open; its rows read with embodied null, new rows with embodied', async () => {
    const db = new Database(':memory:');
    migrate(db, 'ledger', LEDGER_MIGRATIONS.slice(0, 1));
    db.prepare(`INSERT INTO ledger_questions (at_ms, route, call_status, question_sha256, stage_ms, cited_chunk_ids, llm_basis,
      wh_low, wh_mid, wh_high, gco2e_low, gco2e_mid, gco2e_high, water_l_low, water_l_mid, water_l_high,
      path_cpu_ms, path_wh, path_gco2e, path_water_l, path_energy_source, method)
      VALUES (?, 'direct', 'avoided', 'x', '{}', '[]', 'counterfactual', 1, 2, 3, 1, 2, 3, 1, 2, 3, 25, 0, 0, 0, 'cpu-time', '{"version":"sobre-ledger/1"}')`)
      .run(new Date('2024-05-02T09:00:00Z').getTime());
    const ledger = await ComputeLedger.open(SqliteLedgerStore.onDatabase(db), testConfig(), { now: () => new Date('2024-05-08T00:00:00Z') });
    await ledger.record(outcome());
    const [old, fresh] = await ledger.rows({ from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-08T00:00:00Z') });
    expect(old.llm?.impact.wh.mid).toBe(2);
    expect(old.llm?.embodied).toBeNull();
    expect(old.method.version).toBe('sobre-ledger/1');
    expect(fresh.llm?.embodied?.gco2e.mid).toBeGreaterThan(0);
  });

  test('SOBRE_EMBODIED=false stores no embodied impacts', async () => {
    const { ledger } = await openLedger({ embodied: 'false' });
    expect((await ledger.record(outcome())).llm?.embodied).toBeNull();
    expect((await ledger.rows({ from: new Date(0), to: new Date('2100-01-01') }))[0].llm?.embodied).toBeNull();
  });
});

describe('counterfactual completion tokens', () => {
  test('default before any generation, then the running mean of real completions', async () => {
    const { ledger } = await openLedger({ defaultCompletionTokens: '150' });
    expect((await ledger.record(outcome())).llm?.completionTokens).toBe(150);
    await ledger.record(generated(100));
    const a = await ledger.record(outcome());
    expect(a.llm?.completionTokens).toBe(100);
    expect(a.llm?.tokenSource).toBe('ledger-mean');
    await ledger.record(generated(201));
    expect((await ledger.record(outcome())).llm?.completionTokens).toBe(151); // (100 + 201) / 2 = 150.5, rounded
    // Failures and passages do not move the mean.
    await ledger.record(outcome({ route: 'passages', generatorError: 'boom' }));
    expect((await ledger.record(outcome())).llm?.completionTokens).toBe(151);
  });

  test('the mean survives reopening the database', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-ledger-'));
    const file = path.join(dir, 'sobre.db');
    const config = testConfig();
    let db = new Database(file);
    await (await ComputeLedger.open(SqliteLedgerStore.onDatabase(db), config)).record(generated(80));
    db.close();
    db = new Database(file);
    expect((await (await ComputeLedger.open(SqliteLedgerStore.onDatabase(db), config)).record(outcome())).llm?.completionTokens).toBe(80);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('period filters', () => {
  test('from inclusive, to exclusive', async () => {
    const { ledger } = await openLedger();
    for (const at of ['2024-05-01T00:00:00.000Z', '2024-05-03T23:59:59.999Z', '2024-05-04T00:00:00.000Z', '2024-04-30T23:59:59.999Z']) {
      await ledger.record(outcome({ at: new Date(at) }));
    }
    const rows = await ledger.rows({ from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-04T00:00:00Z') });
    expect(rows.map((r) => r.at.toISOString())).toEqual(['2024-05-01T00:00:00.000Z', '2024-05-03T23:59:59.999Z']);
  });
});

describe('privacy and retention', () => {
  test('hash-only mode never stores the text', async () => {
    const { ledger, db } = await openLedger({ storeQuestions: 'hash' });
    const row = await ledger.record(outcome({ question: 'Secret plan?' }));
    expect(row.question).toBeNull();
    expect(row.questionSha256).toBe(questionSha256('secret  PLAN'));
    const all = JSON.stringify(db.prepare('SELECT * FROM ledger_questions').all());
    expect(all).not.toMatch(/Secret/i);
  });

  test('purgeExpiredText drops text older than retentionDays and keeps the rest of the row', async () => {
    const c = clock('2024-05-20T00:00:00Z');
    const { ledger } = await openLedger({ retentionDays: '30' }, { now: c.now });
    await ledger.record(outcome({ at: new Date('2024-05-10T00:00:00Z'), question: 'recent' }));
    await ledger.record(outcome({ at: new Date('2024-05-01T00:00:00Z'), question: 'old' }));
    expect(await ledger.purgeExpiredText(new Date('2024-06-05T00:00:00Z'))).toBe(1);
    const rows = await ledger.rows({ from: new Date('2024-01-01'), to: new Date('2024-07-01') });
    expect(rows.map((r) => r.question)).toEqual([null, 'recent']);
    expect(rows[0].llm?.impact.wh.mid).toBeGreaterThan(0);
  });

  test('an outcome already older than the retention period is stored without text', async () => {
    const c = clock('2024-06-01T00:00:00Z');
    const { ledger } = await openLedger({ retentionDays: '30' }, { now: c.now });
    expect((await ledger.record(outcome({ at: new Date('2024-04-01T00:00:00Z') }))).question).toBeNull();
  });

  test('record purges at most once an hour; open purges too; retentionDays 0 keeps everything', async () => {
    const c = clock('2024-05-01T00:00:00Z');
    const { ledger, db, config } = await openLedger({ retentionDays: '1' }, { now: c.now });
    await ledger.record(outcome({ at: new Date('2024-05-01T00:00:00Z'), question: 'first' }));
    c.set('2024-05-02T00:30:00Z'); // first is now 24.5 h old, but a purge ran at open
    await ledger.record(outcome({ at: c.now(), question: 'second' }));
    const texts = () => (db.prepare('SELECT question_text AS q FROM ledger_questions ORDER BY id').all() as { q: string | null }[]).map((r) => r.q);
    expect(texts()).toEqual([null, 'second']); // > 1 h since the open's purge: purged on record
    c.set('2024-05-03T00:40:00Z');
    await ledger.record(outcome({ at: c.now(), question: 'third' }));
    expect(texts()).toEqual([null, null, 'third']);
    c.set('2024-05-04T00:50:00Z'); // 'third' is 24 h 10 min old, last purge 24 h 10 min ago -> purge
    await ledger.record(outcome({ at: c.now(), question: 'fourth' }));
    expect(texts()).toEqual([null, null, null, 'fourth']);
    c.set('2024-05-04T01:20:00Z'); // 30 min after the last purge: no purge even if something expired
    db.prepare("UPDATE ledger_questions SET at_ms = 0, question_text = 'ancient' WHERE id = 1").run();
    await ledger.record(outcome({ at: c.now(), question: 'fifth' }));
    expect(texts()[0]).toBe('ancient');
    // A fresh open purges at once.
    await ComputeLedger.open(SqliteLedgerStore.onDatabase(db), config, { now: c.now });
    expect(texts()[0]).toBeNull();

    const keep = await openLedger({ retentionDays: '0' }, { now: c.now });
    await keep.ledger.record(outcome({ at: new Date('2000-01-01T00:00:00Z'), question: 'kept' }));
    expect(await keep.ledger.purgeExpiredText(new Date('2100-01-01'))).toBe(0);
  });
});

describe('read-only databases (the report CLI)', () => {
  test('a read-only database without a ledger gives empty reports and refuses to record', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-ro-'));
    const file = path.join(dir, 'sobre.db');
    new Database(file).close();
    const db = new Database(file, { readonly: true });
    const ledger = await ComputeLedger.open(SqliteLedgerStore.onDatabase(db), testConfig());
    const report = await ledgerReport(ledger, { from: new Date('2024-01-01'), to: new Date('2024-02-01') }, { contentGapThreshold: 0.5 });
    expect(report.totals.questions).toBe(0);
    await expect(ledger.record(outcome())).rejects.toThrow(/read-only/);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
