/**
 * The ledger is not on an answer's critical path: when its row cannot be written, the answer is
 * still returned, the failure is logged and counted, and /readyz says degraded (200, so a load
 * balancer keeps sending questions) until a row is written again. The write failure is a real
 * SQLite error raised by a trigger another connection adds (a read-only disk, with the real
 * process, is in tests/faults/process.test.ts).
 */
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { createLogger } from '../../src/server/logger';
import { auth, postJson, startTestServer, type TestServer, TEST_KEY } from '../server/helpers';

let s: TestServer;
const lines: Record<string, unknown>[] = [];
beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  s = await startTestServer({ env: { SOBRE_API_KEYS: `ops:${TEST_KEY}` }, logger: createLogger('info', sink) });
});
afterAll(() => s.stop());

const ask = () => postJson(`${s.url}/v1/ask`, { question: 'What port does Sobre listen on?' }, auth(TEST_KEY));
const metric = async (name: string) => {
  const text = await (await fetch(`${s.url}/metrics`, { headers: auth(TEST_KEY) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

test('an answer is returned when its ledger row cannot be written; logged, counted, /readyz degraded until the ledger works again', async () => {
  const ok = await ask();
  expect(ok.status).toBe(200);
  expect(((await ok.json()) as { compute?: unknown }).compute).toBeDefined();
  expect(await (await fetch(`${s.url}/readyz`)).json()).toMatchObject({ status: 'ready', checks: { ledger: true } });

  const db = new Database(path.join(s.config.dataDir, 'sobre.db'));
  try {
    db.exec("CREATE TRIGGER ledger_broken BEFORE INSERT ON ledger_questions BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database'); END");
    const res = await ask();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { route: string; answer: string | null; compute?: unknown };
    expect(body.route).toBe('direct');
    expect(body.answer).toMatch(/3000/);
    expect(body.compute).toBeUndefined();
    expect(await metric('sobre_ledger_write_failures_total')).toBe(1);
    expect(lines.find((l) => l.msg === 'ledger row not written')).toMatchObject({ level: 'error', err: expect.objectContaining({ message: expect.stringMatching(/readonly/) }) });
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'degraded', checks: { ledger: false, store: true, index: true } });
  } finally {
    db.exec('DROP TRIGGER IF EXISTS ledger_broken');
    db.close();
  }
  expect((await ask()).status).toBe(200);
  expect(await (await fetch(`${s.url}/readyz`)).json()).toMatchObject({ status: 'ready', checks: { ledger: true } });
  expect(await metric('sobre_ledger_write_failures_total')).toBe(1);
});
