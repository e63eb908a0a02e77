/**
 * `npm run bench:load [-- --duration 30 --connections 10,100 --dataset squad2 --datasets-dir DIR --uploads]`
 *
 * Load test of POST /v1/ask with distinct questions: the service (dist/src/server/main.js, with
 * the environment passed through, so SOBRE_WORKERS and the rest apply) serves a copy of a
 * development set's knowledge, and autocannon's clients each take the next question of the set
 * (every request a different question, the embedding cache off so none is answered from it). One
 * phase per client count; `--uploads` adds a phase with uploads running meanwhile. Prints req/s,
 * latency percentiles, errors, the routes taken and the service's CPU per question (every process
 * of it, from /proc), with the machine, its load and the commit; writes
 * bench/results/bench-load-<time>-<commit>.json. Targets: 0 errors, p99 ≤ 250 ms at 10 clients,
 * ≤ 1 s at 100, ≥ 100 questions/s on 2 cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { createEmbedder } from '../src/embed';
import { loadDataset } from '../src/evaluation/dataset';
import { openDatasetKnowledge } from '../src/evaluation/prepare';
import { describeMachine, fmt, log, machine, pct, REPO, table, writeResult, type Machine } from './bench/common';

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
interface AutocannonInstance {
  on(event: 'response', f: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (opts: { url: string; connections: number; duration: number; requests: AutocannonRequest[] }, cb: (err: Error | null, r: AutocannonResult) => void) => AutocannonInstance;
// autocannon ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

const MAIN = path.join(REPO, 'dist', 'src', 'server', 'main.js');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** CPU seconds of a process and all its descendants (the cluster's workers), from /proc. */
function treeCpuSeconds(root: number): number {
  const tick = 100; // USER_HZ on Linux
  const children = new Map<number, number[]>();
  const own = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(name);
      const ppid = Number(fields[1]);
      own.set(pid, (Number(fields[11]) + Number(fields[12])) / tick);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    total += own.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the service (logs at warn: a request log line per question would cost CPU) and waits for /healthz. */
async function startServer(dataDir: string, key: string, logFile: string): Promise<{ child: ChildProcess; url: string }> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const port = await freePort();
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [MAIN], {
    cwd: REPO,
    stdio: ['ignore', out, out],
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', SOBRE_DATA_DIR: dataDir, SOBRE_API_KEYS: `bench:${key}`,
      SOBRE_RATE_LIMIT_IP_PER_MIN: '0', SOBRE_RATE_LIMIT_KEY_PER_MIN: '0', SOBRE_GENERATOR: 'none', SOBRE_EMBED_CACHE_ENTRIES: '0',
      SOBRE_LOG_LEVEL: process.env.SOBRE_LOG_LEVEL ?? 'warn',
    },
  });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return { child, url };
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error('the service did not start within 10 minutes');
}

interface Phase {
  name: string;
  connections: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Service CPU seconds per second (cores busy), and per question. */
  serviceCores: number;
  serviceCpuMsPerQuestion: number;
  clientCores: number;
  routes: Record<string, number>;
  loadAverageAfter: number[];
  side?: string;
}

async function drive(name: string, url: string, key: string, pid: number, next: () => string, seconds: number, connections: number, during?: () => Promise<string>): Promise<Phase> {
  const latencies: number[] = [];
  const routes: Record<string, number> = {};
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const request: AutocannonRequest = {
    method: 'POST', path: '/v1/ask', headers,
    setupRequest: (req) => ({ ...req, body: JSON.stringify({ question: next() }) }),
    onResponse: (status, body) => {
      const route = status === 200 ? /"route":"(\w+)"/.exec(body)?.[1] ?? '?' : `HTTP ${status}`;
      routes[route] = (routes[route] ?? 0) + 1;
    },
  };
  const cpu0 = treeCpuSeconds(pid);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const side = during ? during().catch((e: unknown) => `side load failed: ${String(e)}`) : Promise.resolve(undefined);
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: seconds, requests: [request] }, (err, r) => (err ? reject(err) : resolve(r)));
    instance.on('response', (_c, _status, _bytes, ms) => latencies.push(ms));
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = treeCpuSeconds(pid) - cpu0;
  const client = process.cpuUsage(client0);
  const sideNote = await side;
  return {
    name, connections, seconds, rps: result.requests.total / wall,
    p50: pct(latencies, 0.5), p95: pct(latencies, 0.95), p99: pct(latencies, 0.99), max: Math.max(...latencies),
    requests: result.requests.total, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx,
    serviceCores: cpu / wall, serviceCpuMsPerQuestion: (cpu * 1000) / Math.max(1, result.requests.total),
    clientCores: (client.user + client.system) / 1e6 / wall, routes, loadAverageAfter: os.loadavg().map((l) => Number(l.toFixed(2))),
    side: sideNote ?? undefined,
  };
}

/** Upload three documents, changed every round so they are embedded again, until `seconds` pass. */
async function uploadLoop(url: string, key: string, seconds: number): Promise<string> {
  const until = Date.now() + seconds * 1000;
  const times: number[] = [];
  let failed = 0;
  for (let round = 0; Date.now() < until; round++) {
    const form = new FormData();
    for (let d = 0; d < 3; d++) {
      const lines = Array.from({ length: 25 }, (_, i) => `Bench document ${d}, round ${round}, line ${i}: the warehouse keeps ${i * (round + 1)} crates of item ${d}-${i}.`);
      form.append('files', new Blob([`# Bench ${d}\n\n${lines.join('\n')}\n`]), `bench-${d}.md`);
    }
    const t = performance.now();
    const res = await fetch(`${url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    await res.arrayBuffer();
    times.push(performance.now() - t);
    if (res.status !== 200) failed++;
  }
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
  return `${times.length} uploads of 3 changed documents, ${failed} failed, mean ${mean.toFixed(0)} ms each`;
}

/** A closed knowledge folder copied (the service writes its ledger there; the cache stays clean). */
function copyFolder(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) if (fs.statSync(path.join(from, f)).isFile()) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

/** A fixed shuffle (so runs ask in the same order). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let s = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

interface LoadResult {
  machine: Machine;
  dataset: string;
  questions: number;
  workers: string;
  /** SOBRE_UPLOAD_EMBED_THREADS the service ran with ('default' when unset). */
  uploadEmbedThreads: string;
  phases: Phase[];
}

async function main(): Promise<void> {
  const seconds = Number(option('duration', '30'));
  const connections = option('connections', '10,100').split(',').map(Number);
  if (!(seconds > 0) || connections.some((c) => !(c > 0))) throw new Error('--duration and --connections need positive numbers');
  const datasetsDir = option('datasets-dir', [path.join(REPO, '..', 'shared', 'datasets'), path.join(REPO, '..', '..', 'shared', 'datasets')].find((d) => fs.existsSync(d)) ?? '');
  const dataset = loadDataset(path.join(datasetsDir, option('dataset', 'squad2')));
  const config = loadConfig(process.env, {});
  const embedder = await createEmbedder(config);
  const prepared = await openDatasetKnowledge(config, dataset, embedder, log);
  const source = prepared.config.dataDir;
  await prepared.knowledge.close();

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-bench-load-'));
  const key = randomBytes(16).toString('hex');
  copyFolder(source, path.join(root, 'data'));
  const questions = shuffled([...new Set(dataset.questions.map((q) => q.question))]);
  let i = 0;
  const next = () => questions[i++ % questions.length];
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer(path.join(root, 'data'), key, path.join(root, 'server.log'));
    const { url } = server;
    const pid = server.child.pid as number;
    for (let w = 0; w < 20; w++) {
      const res = await fetch(`${url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ question: next() }) });
      if (res.status !== 200) throw new Error(`warm-up question failed with ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
    const result: LoadResult = { machine: machine(), dataset: dataset.name, questions: questions.length, workers: process.env.SOBRE_WORKERS ?? 'default',
      uploadEmbedThreads: process.env.SOBRE_UPLOAD_EMBED_THREADS ?? 'default', phases: [] };
    console.log(`machine: ${describeMachine(result.machine)}\nservice: ${dataset.name} knowledge, ${questions.length} distinct questions, SOBRE_WORKERS=${result.workers}, SOBRE_UPLOAD_EMBED_THREADS=${result.uploadEmbedThreads}, embedding cache off, ${seconds} s per phase`);
    for (const c of connections) result.phases.push(await drive(`${c} clients`, url, key, pid, next, seconds, c));
    if (process.argv.includes('--uploads')) {
      const c = connections[connections.length - 1];
      result.phases.push(await drive(`${c} clients + uploads`, url, key, pid, next, seconds, c, () => uploadLoop(url, key, seconds)));
    }
    console.log(`\n${table(
      ['phase', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'requests', 'errors', 'timeouts', 'non-2xx', 'service cores', 'service CPU ms/q', 'client cores', 'load after'],
      result.phases.map((p) => [p.name, fmt(p.rps), fmt(p.p50, 0), fmt(p.p95, 0), fmt(p.p99, 0), fmt(p.max, 0), String(p.requests), String(p.errors), String(p.timeouts), String(p.non2xx),
        fmt(p.serviceCores, 2), fmt(p.serviceCpuMsPerQuestion), fmt(p.clientCores, 2), p.loadAverageAfter.join(' / ')]),
    )}`);
    for (const p of result.phases) {
      console.log(`${p.name}: routes ${Object.entries(p.routes).map(([k, v]) => `${k} ${v}`).join(', ')}${p.side ? `; ${p.side}` : ''}`);
    }
    console.log(`\nresults: ${path.relative(process.cwd(), writeResult('bench-load', result))}`);
  } finally {
    const child = server?.child;
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench-load: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
