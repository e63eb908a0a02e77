/** scripts/report.ts: arguments, formats, read-only store, exit codes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { main, type CliIo } from '../../scripts/report';
import { ComputeLedger } from '../../src/ledger/ledger';
import { SqliteLedgerStore } from '../../src/ledger/sqlite-store';
import type { Report } from '../../src/report/types';
import { generated, outcome, testConfig } from '../ledger/helpers';
import { auth, postJson, startTestServer } from '../server/helpers';

let dir: string;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env: { SOBRE_DATA_DIR: dir },
    cwd: dir,
    now: () => new Date('2024-05-08T00:00:00Z'),
  };
  return { cli, out: () => out.join(''), err: () => err.join('') };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-cli-'));
  const db = new Database(path.join(dir, 'sobre.db'));
  db.pragma('journal_mode = WAL');
  const ledger = await ComputeLedger.open(SqliteLedgerStore.onDatabase(db), testConfig(), { now: () => new Date('2024-05-08T00:00:00Z') });
  await ledger.record(outcome({ at: new Date('2024-05-02T10:00:00Z') }));
  await ledger.record(generated(100, { at: new Date('2024-05-03T10:00:00Z'), question: 'Which battery fits the X200?' }));
  await ledger.record(outcome({ at: new Date('2024-03-01T10:00:00Z') }));
  db.close();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('--format json, for the last 7 days', async () => {
  const t = io();
  expect(await main(['--format', 'json'], t.cli)).toBe(0);
  const report = JSON.parse(t.out()) as Report;
  expect(report.totals.questions).toBe(2);
  expect(report.totals.llmCallsAvoided).toBe(1);
});

test.each([[[]], [['--format', 'table']]])('a table with %j, terminal or not', async (argv) => {
  const t = io();
  expect(await main(argv, t.cli)).toBe(0);
  expect(t.out()).toMatch(/^Sobre ledger report: /);
  expect(t.out()).toMatch(/Questions\s+2/);
});

test('--from/--to; setting flags such as --data-dir', async () => {
  const t = io();
  expect(await main(['--from', '2024-03-01', '--to=2024-05-08', '--data-dir', dir], t.cli)).toBe(0);
  expect(t.out()).toContain('LLM calls avoided');
  expect(t.out()).toMatch(/Questions\s+3/);
  expect(t.out()).toContain('Which battery fits the X200?');
});

test('--format csv and --out FILE (format from the extension)', async () => {
  const t = io();
  expect(await main(['--format', 'csv'], t.cli)).toBe(0);
  expect(t.out().split('\n')[0]).toBe('section,key,metric,value,low,high,unit,note');
  const file = path.join(dir, 'report.html');
  const u = io();
  expect(await main(['--out', file], u.cli)).toBe(0);
  expect(u.out()).toBe('');
  expect(fs.readFileSync(file, 'utf8')).toMatch(/^<!doctype html>/);
  expect(u.err()).toContain('Wrote html report');
});

test.each([
  [['--from', 'yesterday']],
  [['--format', 'xml']],
  [['--bogus']],
  [['--from']],
  [['--port', 'x']],
])('bad arguments %j exit 2 with a clean message', async (argv) => {
  const t = io();
  expect(await main(argv, t.cli)).toBe(2);
  expect(t.err()).toMatch(/^report: /);
  expect(t.err()).toContain('Usage:');
  expect(t.err()).not.toMatch(/\n\s+at /);
});

test('a missing store exits 1 with a clean message', async () => {
  const t = io();
  expect(await main(['--data-dir', path.join(dir, 'nope')], t.cli)).toBe(1);
  expect(t.err()).toMatch(/No Sobre store at/);
});

test('reads while the service holds the store open for writing (WAL)', async () => {
  const writer = new Database(path.join(dir, 'sobre.db'));
  writer.pragma('journal_mode = WAL');
  const ledger = await ComputeLedger.open(SqliteLedgerStore.onDatabase(writer), testConfig(), { now: () => new Date('2024-05-08T00:00:00Z') });
  await ledger.record(outcome({ at: new Date('2024-05-06T10:00:00Z') }));
  const t = io();
  expect(await main(['--format=json'], t.cli)).toBe(0);
  expect((JSON.parse(t.out()) as Report).totals.questions).toBe(3);
  writer.close();
});

test('--help exits 0', async () => {
  const t = io();
  expect(await main(['--help'], t.cli)).toBe(0);
  expect(t.out()).toContain('Usage:');
});

test('the CLI and the service group the content gap the same way (one grouping)', async () => {
  const s = await startTestServer({ env: { SOBRE_API_KEYS: 'admin:admin-key-0123456789abcdef' } });
  try {
    const questions = ['Who painted the Sistine Chapel?', 'Who painted the Sistine Chapel ceiling?', 'Qui a peint la chapelle Sixtine ?', 'Qui a peint la chapelle Sixtine ?', 'Où est né Victor Hugo ?'];
    for (const question of questions) await postJson(`${s.url}/v1/ask`, { question }, auth('admin-key-0123456789abcdef'));
    const served = (await (await fetch(`${s.url}/v1/report`, { headers: auth('admin-key-0123456789abcdef') })).json()) as Report;
    const out: string[] = [];
    const code = await main(['--format', 'json', '--data-dir', s.config.dataDir], { stdout: { write: (x: string) => out.push(x) }, stderr: { write: () => undefined }, env: {}, cwd: s.root });
    expect(code).toBe(0);
    const cli = JSON.parse(out.join('')) as Report;
    expect(cli.contentGap).toEqual(served.contentGap);
    // Equal counts: the most recently asked first.
    expect(served.contentGap.groups.map((g) => [g.count, g.variants])).toEqual([[2, 1], [2, 2], [1, 1]]);
  } finally {
    await s.stop();
  }
});
