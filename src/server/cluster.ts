/**
 * `SOBRE_WORKERS` > 1: this process is the primary of a node:cluster. It serves nothing itself;
 * it starts the serving workers (main.ts, each a full service over the same SOBRE_DATA_DIR and
 * port), and keeps what they must share: the write lease and the rate-limit counters
 * (cluster-client.ts). The first worker starts alone (it repairs the index and ingests the corpus
 * into an empty store), the others once it listens. A worker that dies is replaced; the lease it
 * held is freed (SQLite rolled back its open transaction: what it committed stays). SIGTERM/SIGINT
 * go to every worker, which shut down gracefully; the primary exits 0 when all exited cleanly.
 */
import cluster, { type Worker } from 'node:cluster';
import fs from 'node:fs';
import path from 'node:path';
import { MemoryStore, type Options } from 'express-rate-limit';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from './logger';
import type { ToPrimary, ToWorker } from './cluster-client';
import type { JobView } from './jobs';
import { INCOMING_DIR, uploadsDir } from './uploads';

/** How long a question to the other workers (where a job is, their metrics) waits for their answers. */
const WORKERS_QUERY_MS = 2000;

export interface PrimaryOptions {
  workers: number;
  dataDir: string;
  logger: Logger;
  /** Workers get this long to stop before they are killed. */
  graceMs: number;
  /** Called once every worker has exited after a stop, with the exit code for the primary. */
  exit: (code: number) => void;
}

/** The write lease: one holder, the others waiting in order. */
class Lease {
  private holder: { worker: Worker; id: number } | null = null;
  private readonly waiting: { worker: Worker; id: number }[] = [];

  request(worker: Worker, id: number): void {
    this.waiting.push({ worker, id });
    this.grant();
  }

  /** Give it back, or withdraw a request still waiting. */
  release(worker: Worker, id: number): void {
    const waiting = this.waiting.findIndex((w) => w.worker === worker && w.id === id);
    if (waiting >= 0) this.waiting.splice(waiting, 1);
    if (this.holder?.worker !== worker || this.holder.id !== id) return;
    this.holder = null;
    this.grant();
  }

  /** A worker that died holds nothing and waits for nothing. */
  drop(worker: Worker): boolean {
    for (let i = this.waiting.length - 1; i >= 0; i--) if (this.waiting[i].worker === worker) this.waiting.splice(i, 1);
    const held = this.holder?.worker === worker;
    if (held) this.holder = null;
    this.grant();
    return held;
  }

  private grant(): void {
    while (!this.holder && this.waiting.length > 0) {
      const next = this.waiting.shift() as { worker: Worker; id: number };
      if (!next.worker.isConnected()) continue;
      this.holder = next;
      send(next.worker, { sobre: 'granted', id: next.id });
    }
  }
}

function send(worker: Worker, m: ToWorker): void {
  if (worker.isConnected()) worker.send(m);
}

function connectedWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
}

function isToPrimary(m: unknown): m is ToPrimary {
  return typeof m === 'object' && m !== null && 'sobre' in m;
}

export function runPrimary(opts: PrimaryOptions): void {
  const { logger } = opts;
  const lease = new Lease();
  const limiters = new Map<string, MemoryStore>();
  const ready = new Set<Worker>();
  /** Questions about a job sent to the other workers, by question id: who asked, and how many answers are still to come. */
  const jobQueries = new Map<number, { asker: Worker; askerId: number; waiting: number; timer: NodeJS.Timeout }>();
  /** Metrics being collected from every worker for one /metrics request. */
  const metricQueries = new Map<number, { asker: Worker; askerId: number; waiting: number; parts: object[][]; timer: NodeJS.Timeout }>();
  let nextQuery = 0;
  let stopping = false;
  let exitCode = 0;
  let announced = false;
  /** Workers that died before serving, in a row: replacements wait longer each time. */
  let failedStarts = 0;

  const limiter = (name: string, windowMs: number): MemoryStore => {
    let store = limiters.get(name);
    if (!store) {
      store = new MemoryStore();
      store.init({ windowMs } as Options);
      limiters.set(name, store);
    }
    return store;
  };

  const onMessage = async (worker: Worker, m: unknown): Promise<void> => {
    if (!isToPrimary(m)) return;
    switch (m.sobre) {
      case 'ready':
        ready.add(worker);
        failedStarts = 0; // the worker logged 'worker listening' itself
        if (ready.size === 1 && !announced) startRest();
        if (!announced && ready.size >= opts.workers) {
          announced = true;
          logger.info({ url: m.url, port: m.port, workers: ready.size }, 'listening');
        }
        return;
      case 'lease':
        return lease.request(worker, m.id);
      case 'release':
        return lease.release(worker, m.id);
      case 'job': {
        const others = connectedWorkers().filter((w) => w !== worker);
        if (others.length === 0) return send(worker, { sobre: 'job', id: m.id, view: null });
        const qid = ++nextQuery;
        const timer = setTimeout(() => answerJob(qid, null, true), WORKERS_QUERY_MS);
        jobQueries.set(qid, { asker: worker, askerId: m.id, waiting: others.length, timer });
        for (const w of others) send(w, { sobre: 'findJob', id: qid, job: m.job });
        return;
      }
      case 'jobView':
        return answerJob(m.id, m.view, false);
      case 'metrics': {
        const all = connectedWorkers();
        const qid = ++nextQuery;
        const timer = setTimeout(() => void answerMetrics(qid), WORKERS_QUERY_MS);
        metricQueries.set(qid, { asker: worker, askerId: m.id, waiting: all.length, parts: [], timer });
        for (const w of all) send(w, { sobre: 'collectMetrics', id: qid });
        return;
      }
      case 'metricsPart': {
        const q = metricQueries.get(m.id);
        if (!q) return;
        q.parts.push(m.metrics);
        if (--q.waiting <= 0) await answerMetrics(m.id);
        return;
      }
      case 'limit': {
        const store = limiter(m.limiter, m.windowMs);
        if (m.op === 'increment') {
          const r = await store.increment(m.key);
          send(worker, { sobre: 'limit', id: m.id, totalHits: r.totalHits, resetMs: r.resetTime?.getTime() ?? null });
          return;
        }
        await (m.op === 'decrement' ? store.decrement(m.key) : store.resetKey(m.key));
        send(worker, { sobre: 'limit', id: m.id, totalHits: 0, resetMs: null });
      }
    }
  };

  /** Every worker's answer (or those in before the timeout), combined by each metric's aggregator. */
  const answerMetrics = async (qid: number): Promise<void> => {
    const q = metricQueries.get(qid);
    if (!q) return;
    clearTimeout(q.timer);
    metricQueries.delete(qid);
    const registry = AggregatorRegistry.aggregate(q.parts);
    send(q.asker, { sobre: 'metrics', id: q.askerId, contentType: registry.contentType, body: await registry.metrics() });
  };

  /** The first view found answers the asker; with none, the last answer (or the timeout) does. */
  const answerJob = (qid: number, view: JobView | null, timedOut: boolean): void => {
    const q = jobQueries.get(qid);
    if (!q) return;
    q.waiting--;
    if (view === null && q.waiting > 0 && !timedOut) return;
    clearTimeout(q.timer);
    jobQueries.delete(qid);
    send(q.asker, { sobre: 'job', id: q.askerId, view });
  };

  const fork = (): void => {
    const worker = cluster.fork();
    worker.on('message', (m: unknown) => void onMessage(worker, m).catch((err: unknown) => logger.error({ err }, 'cluster message failed')));
  };

  let restStarted = false;
  const startRest = (): void => {
    if (restStarted) return;
    restStarted = true;
    for (let i = 1; i < opts.workers; i++) fork();
  };

  cluster.on('exit', (worker, code, signal) => {
    const served = ready.delete(worker);
    const heldLease = lease.drop(worker);
    // Uploads it was receiving (never committed: they can be sent again).
    fs.rmSync(path.join(incoming, String(worker.process.pid)), { recursive: true, force: true });
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) opts.exit(exitCode);
      return;
    }
    if (!announced && !restStarted) {
      // The first worker could not start (bad settings, a damaged store): it said why on stderr.
      logger.error({ worker: worker.process.pid, code, signal }, 'the first worker failed to start');
      opts.exit(1);
      return;
    }
    failedStarts = served ? 0 : failedStarts + 1;
    const delayMs = Math.min(30_000, failedStarts === 0 ? 0 : 500 * 2 ** (failedStarts - 1));
    logger.warn({ worker: worker.process.pid, code, signal, heldLease, delayMs }, 'worker exited: starting a replacement');
    setTimeout(() => {
      if (!stopping) fork();
    }, delayMs);
  });

  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'shutting down: stopping the workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) return opts.exit(0);
    for (const w of workers) w.process.kill('SIGTERM');
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      opts.exit(1);
    }, opts.graceMs + 2000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  // Uploads cut short before this start (each worker receives into a folder of its own).
  const incoming = path.join(uploadsDir(opts.dataDir), INCOMING_DIR);
  fs.rmSync(incoming, { recursive: true, force: true });
  logger.info({ workers: opts.workers }, 'starting the workers');
  fork();
}
