/**
 * The compiled service as a process (USE-lite, SQLite, hnswlib, HTTP): faults only a process
 * shows. A closed stdout at shutdown; a store older than the index; kill -9 at each step of an
 * upload; a read-only ledger and a disk that fills up (a small tmpfs, when the tests run as root).
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeDir } from '../helpers/temp';
import { writeCalibration, writeCorpus } from '../server/helpers';
import { buildServer, spawnServer } from '../server/process-helpers';

const KEY = 'fault-key-0123456789abcdef';
const headers = { authorization: `Bearer ${KEY}` };
let root: string;

beforeAll(() => {
  buildServer();
});
beforeEach(() => {
  root = makeTempDir('sobre-faults-');
});
afterEach(() => removeDir(root));

function env(dataDir = path.join(root, 'data')): Record<string, string> {
  return {
    SOBRE_DATA_DIR: dataDir,
    SOBRE_CORPUS_DIR: writeCorpus(path.join(root, 'corpus')),
    SOBRE_CALIBRATION: fs.existsSync(path.join(root, 'calibration.json')) ? path.join(root, 'calibration.json') : writeCalibration(root),
    SOBRE_API_KEYS: `ops:${KEY}`,
    SOBRE_GENERATOR: 'none',
  };
}

async function expectExitWithinGrace(s: Awaited<ReturnType<typeof spawnServer>>): Promise<void> {
  const started = Date.now();
  s.child.kill('SIGTERM');
  const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000));
  const exit = await Promise.race([s.exited, timeout]);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(Date.now() - started).toBeLessThan(12_000);
}

const ask = (url: string) => fetch(`${url}/v1/ask`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"question":"What port?"}' });

test('shutdown exits within its grace period when stdout is a closed pipe', async () => {
  const s = await spawnServer(env());
  try {
    expect((await ask(s.url)).status).toBe(200);
    s.child.stdout?.destroy(); // the log reader is gone: the next write to stdout fails with EPIPE
    await expectExitWithinGrace(s);
  } finally {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});

test('shutdown exits within its grace period when nobody reads stdout any more', async () => {
  const s = await spawnServer({ ...env(), SOBRE_LOG_QUESTIONS: 'true' });
  try {
    s.child.stdout?.pause(); // the reader stalls: the pipe fills (about 1 KB per request line), and writes to it block
    const question = JSON.stringify({ question: 'What port does Sobre listen on? '.repeat(30) });
    for (let i = 0; i < 12; i++) {
      await Promise.all(Array.from({ length: 25 }, () => fetch(`${s.url}/v1/ask`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: question })));
    }
    await expectExitWithinGrace(s);
  } finally {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});
