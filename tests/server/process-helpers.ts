/** Build once and spawn the compiled server (`node dist/src/server/main.js`) on a data dir. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeCalibration, writeCorpus } from './helpers';

export const REPO = path.resolve(__dirname, '../..');
export const MAIN = path.join(REPO, 'dist/src/server/main.js');

/** `tsc -p tsconfig.json` (incremental). Type errors elsewhere do not stop the emit, so only a missing output fails. */
export function buildServer(): void {
  const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: REPO, encoding: 'utf8' });
  if (!fs.existsSync(MAIN)) {
    throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  }
}

export interface LogLine {
  msg?: string;
  level?: string;
  [k: string]: unknown;
}

export interface Spawned {
  child: ChildProcess;
  url: string;
  lines: LogLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

export async function spawnServer(env: Record<string, string>, timeoutMs = 60_000): Promise<Spawned> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', SOBRE_LOG_LEVEL: 'info', SOBRE_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let buffered = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffered += d.toString('utf8');
    let i: number;
    while ((i = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text };
      }
      lines.push(line);
      for (const w of [...waiters]) if (w.pred(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (pred: (l: LogLine) => boolean, ms = timeoutMs) =>
    new Promise<LogLine>((resolve, reject) => {
      const found = lines.find(pred);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a log line; stderr: ${err}; lines: ${JSON.stringify(lines.slice(-5))}`)), ms);
      waiters.push({ pred, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void exited.then(() => setTimeout(() => reject(new Error(`server exited; stderr: ${err}; lines: ${JSON.stringify(lines.slice(-5))}`)), 50));
    });
  const listening = await waitFor((l) => l.msg === 'listening');
  return { child, url: String(listening.url), lines, stderr: () => err, exited, waitFor };
}

/**
 * The built service over `<root>/data` with the test corpus and calibration, USE-lite and no
 * generator; `env` adds to or overrides that.
 */
export function spawnTestService(root: string, env: Record<string, string>): Promise<Spawned> {
  buildServer();
  return spawnServer({
    SOBRE_DATA_DIR: path.join(root, 'data'),
    SOBRE_CORPUS_DIR: writeCorpus(path.join(root, 'corpus')),
    SOBRE_CALIBRATION: writeCalibration(root),
    SOBRE_EMBEDDER: 'use-lite',
    SOBRE_GENERATOR: 'none',
    ...env,
  }, 240_000);
}

/** SIGTERM, then its exit (nothing to do if it already exited). */
export async function stopServer(s: Spawned | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  s.child.kill('SIGTERM');
  await s.exited;
}
