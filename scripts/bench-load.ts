/**
 * `npm run bench:load [-- --duration 15 --connections 100 --embed-cache 0]`: load test of POST /v1/ask
 * (`--embed-cache 0` turns the service's embedding cache off, so every question is embedded).
 *
 * Spawns the compiled service (dist/src/server/main.js) on the bundled corpus in a temp data dir,
 * keeps the questions that take the direct path, then drives autocannon with `connections`
 * clients for `duration` seconds: once with questions only, once while uploads of a few changed
 * documents run back to back. Prints requests/s, p50/p95/p99 latency, errors and non-2xx, the
 * server's CPU use, and where the time of one question goes. Target: 0 errors, p99 < 250 ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
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

const REPO = path.resolve(__dirname, '..', '..');
const MAIN = path.join(REPO, 'dist', 'src', 'server', 'main.js');

const CANDIDATES = [
  'What port does Sobre listen on by default?',
  'Which address does Sobre bind to by default?',
  'What is the default chunk size of Sobre?',
  'Which embedding model does Sobre use by default?',
  'Which command starts Sobre?',
  'How many file formats does Sobre ingest?',
  'What does Sobre do when the documents do not cover a question?',
  'Where does Sobre keep its ledger?',
  'Sur quel port Sobre écoute-t-il par défaut ?',
  'Quelle est la taille des morceaux par défaut ?',
  'Which endpoint tells whether the Sobre service is up?',
  'What overlap does Sobre use between chunks?',
];

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function startServer(dataDir: string, key: string, extraEnv: Record<string, string>): Promise<{ child: ChildProcess; url: string; logFile: string }> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const logFile = path.join(dataDir, '..', 'server.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [MAIN], {
    cwd: REPO,
    stdio: ['ignore', out, out],
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', SOBRE_DATA_DIR: dataDir, SOBRE_CORPUS_DIR: path.join(REPO, 'corpus'),
      SOBRE_API_KEYS: `bench:${key}`, SOBRE_RATE_LIMIT_IP_PER_MIN: '0', SOBRE_RATE_LIMIT_KEY_PER_MIN: '0', SOBRE_GENERATOR: 'none', SOBRE_LOG_LEVEL: 'info', ...extraEnv,
    },
  });
  fs.closeSync(out);
  const deadline = Date.now() + 15 * 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    const line = fs.readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('"msg":"listening"'));
    if (line) return { child, url: String((JSON.parse(line) as { url: string }).url), logFile };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error('the service did not start within 15 minutes');
}

interface AskTimings {
  embedMs: number;
  searchMs: number;
  routeMs: number;
  totalMs: number;
}

async function ask(url: string, key: string, question: string): Promise<{ route: string; timings: AskTimings }> {
  const res = await fetch(`${url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ question }) });
  if (res.status !== 200) throw new Error(`warm-up question failed with ${res.status}: ${await res.text()}`);
  return (await res.json()) as { route: string; timings: AskTimings };
}

async function cpuSeconds(url: string, key: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).text();
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

interface Phase {
  name: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  serverCpu: number;
  extra?: string;
}

async function drive(name: string, url: string, key: string, questions: readonly string[], seconds: number, connections: number, during?: () => Promise<string>): Promise<Phase> {
  const cpu0 = await cpuSeconds(url, key);
  const latencies: number[] = [];
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const requests = questions.map((q) => ({ method: 'POST', path: '/v1/ask', headers, body: JSON.stringify({ question: q }) }));
  const side = during ? during().catch((e: unknown) => `side load failed: ${String(e)}`) : Promise.resolve(undefined);
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: seconds, requests }, (err, r) => (err ? reject(err) : resolve(r)));
    instance.on('response', (_c, _status, _bytes, ms) => latencies.push(ms));
  });
  const extra = await side;
  const cpu1 = await cpuSeconds(url, key);
  latencies.sort((a, b) => a - b);
  return {
    name, rps: result.requests.average, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN, requests: result.requests.total, errors: result.errors, timeouts: result.timeouts,
    non2xx: result.non2xx, serverCpu: (cpu1 - cpu0) / result.duration, extra: extra ?? undefined,
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
  return `${times.length} uploads of 3 changed documents (~3 chunks each), ${failed} failed, mean ${mean.toFixed(0)} ms each`;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function main(): Promise<void> {
  const seconds = flag('duration', 60);
  const connections = flag('connections', 100);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-bench-'));
  const key = randomBytes(16).toString('hex');
  process.stdout.write(`starting the service on the bundled corpus in ${root} (first start embeds the corpus)...\n`);
  const cacheFlag = process.argv.indexOf('--embed-cache');
  const extraEnv: Record<string, string> = cacheFlag >= 0 ? { SOBRE_EMBED_CACHE_ENTRIES: String(process.argv[cacheFlag + 1]) } : {};
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer(path.join(root, 'data'), key, extraEnv);
    const { url } = server;
    const direct: string[] = [];
    const cold: AskTimings[] = [];
    const warm: AskTimings[] = [];
    for (const q of CANDIDATES) {
      const r = await ask(url, key, q);
      if (r.route !== 'direct') continue;
      direct.push(q);
      cold.push(r.timings);
    }
    if (direct.length === 0) {
      throw new Error('no candidate question took the direct path with this calibration: lower SOBRE_TARGET_PRECISION or set SOBRE_CALIBRATION (the environment is passed to the service)');
    }
    for (let i = 0; i < 5; i++) for (const q of direct) warm.push((await ask(url, key, q)).timings);
    const mean = (ts: AskTimings[], k: keyof AskTimings) => fmt(ts.reduce((a, t) => a + t[k], 0) / ts.length, 1);
    const line = (ts: AskTimings[]) => `${mean(ts, 'embedMs')} ms embedding the question, ${mean(ts, 'searchMs')} ms searching, ${mean(ts, 'routeMs')} ms routing (total ${mean(ts, 'totalMs')} ms)`;
    process.stdout.write(`${direct.length}/${CANDIDATES.length} questions take the direct path. One at a time, a question seen for the first time spends ${line(cold)};\n` +
      `asked again (embedding cache): ${line(warm)}\n`);
    process.stdout.write(`load: ${connections} connections, ${seconds} s per phase, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, ` +
      `load average before ${os.loadavg()[0].toFixed(2)}, embedding cache ${extraEnv.SOBRE_EMBED_CACHE_ENTRIES ?? 'default'}\n`);
    const phases = [await drive('asks only', url, key, direct, seconds, connections)];
    phases.push(await drive('asks + uploads', url, key, direct, seconds, connections, () => uploadLoop(url, key, seconds)));
    process.stdout.write('\nphase            req/s   p50 ms   p95 ms   p99 ms   max ms   requests  errors  timeouts  non2xx  server CPU (cores)\n');
    for (const p of phases) {
      process.stdout.write(`${p.name.padEnd(15)} ${fmt(p.rps).padStart(6)} ${fmt(p.p50).padStart(8)} ${fmt(p.p95).padStart(8)} ${fmt(p.p99).padStart(8)} ${fmt(p.max).padStart(8)} ` +
        `${String(p.requests).padStart(10)} ${String(p.errors).padStart(7)} ${String(p.timeouts).padStart(9)} ${String(p.non2xx).padStart(7)}  ${fmt(p.serverCpu, 2)}\n`);
      if (p.extra) process.stdout.write(`                ${p.extra}\n`);
    }
    const met = phases.map((p) => `${p.name}: ${p.errors + p.timeouts + p.non2xx === 0 && p.p99 < 250 ? 'met' : 'missed'}`);
    process.stdout.write(`\ntarget (0 errors, p99 < 250 ms): ${met.join('; ')}\n`);
    process.stdout.write(`${JSON.stringify({ connections, seconds, cores: os.cpus().length, phases })}\n`);
  } finally {
    const child = server?.child;
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-load: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
