/**
 * The service as a whole: wired parts (createDeps, with the generator behind its concurrency
 * gate), the app, `listen`, and `shutdown` (stop accepting, let in-flight requests and the
 * writer finish, save the index, close the database). main.ts, the tests and the load bench
 * all start it through here.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import type { SobreConfig } from '../config';
import { createDeps, type SobreDeps } from '../deps';
import { createEmbedder, ingestConcurrency } from '../embed';
import { lazyPool } from '../embed/pool';
import type { Embedder } from '../embed/types';
import { isSobreError } from '../errors';
import { createGenerator } from '../generate';
import type { Generator } from '../generate/types';
import { ingestPaths, type IngestSummary } from '../ingest/pipeline';
import { COMMIT_WAIT_MS, createApp } from './app';
import { KeyRing } from './auth';
import type { ClusterClient } from './cluster-client';
import { gateGenerator, Mutex, Semaphore } from './gate';
import { JobQueue } from './jobs';
import { inBackground, serviceEmbedder } from './service-embedder';
import { TurnQueue } from './turns';
import { createLogger, type Logger } from './logger';
import { ServiceMetrics } from './metrics';
import { prepareUploads, removeOrphanUploads } from './uploads';

/** Questions waiting for their turn beyond this are refused (503); the request deadline bounds the wait too. */
const MAX_WAITING_QUESTIONS = 5000;
/** How long start-up waits for the write lock to remove unfinished uploads before going on without. */
const SWEEP_WAIT_MS = 2000;

export interface ServiceOptions {
  embedder?: Embedder;
  /** `null` for none; default: the configured one. */
  generator?: Generator | null;
  logger?: Logger;
  /** Process metrics (CPU, memory, event loop) in /metrics; on in main. */
  defaultMetrics?: boolean;
  /** Set in a worker of a cluster (SOBRE_WORKERS > 1): writes take the shared lease, rate limits count in the primary. */
  cluster?: ClusterClient;
}

export interface Service {
  readonly config: SobreConfig;
  readonly deps: SobreDeps;
  readonly app: express.Express;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly writer: Mutex;
  /**
   * Ingest a folder through the writer lock (start-up corpus); `ifEmpty`: only into a store with
   * no document yet (null otherwise). Still waiting for the lock at shutdown: rejects with `cancelled`.
   */
  ingest(paths: readonly string[], opts?: { ifEmpty?: boolean }): Promise<IngestSummary | null>;
  listen(port?: number, host?: string): Promise<{ server: Server; url: string; port: number }>;
  /** Idempotent. Resolves when the database is closed; `clean` is false if in-flight work was cut. */
  shutdown(graceMs?: number): Promise<{ clean: boolean }>;
}

export async function createService(config: SobreConfig, opts: ServiceOptions = {}): Promise<Service> {
  const keys = new KeyRing(config.apiKeys); // weak or duplicate keys stop start-up before anything loads
  const logger = opts.logger ?? createLogger(config.logLevel);
  const inner = opts.generator !== undefined ? opts.generator : await createGenerator(config);
  const gate = inner ? new Semaphore(config.generatorConcurrency, config.generatorQueue) : null;
  // Questions go first: an upload embeds a passage when no question waits (or every 250 ms),
  // and commits a document when no question is in flight (or after COMMIT_WAIT_MS).
  const turns = new TurnQueue(MAX_WAITING_QUESTIONS);
  const model = opts.embedder ?? (await createEmbedder(config));
  const uploadThreads = config.uploadEmbedThreads > 1 ? lazyPool(config, config.uploadEmbedThreads, model) : null;
  const embedder = serviceEmbedder(model, {
    cacheEntries: config.embedCacheEntries,
    pause: () => turns.quiet(250),
    background: uploadThreads ?? undefined,
  });
  const beforeWrite = () => turns.drained(COMMIT_WAIT_MS);
  // The ledger is not on an answer's critical path: a row that cannot be written is logged and
  // counted, and /readyz says degraded until one is written again.
  let ledgerWritable = true;
  const onLedgerWrite = (err: unknown) => {
    ledgerWritable = err === null;
    if (err === null) return;
    metrics.observeLedgerFailure();
    logger.error({ err }, 'ledger row not written');
  };
  const deps = await createDeps(config, {
    embedder, generator: inner && gate ? gateGenerator(inner, gate) : null, onLedgerWrite,
    onKnownFailure: (what, err) => logger.warn({ err, what }, 'known questions unavailable: answered without them'),
    onLearnerError: (what, err) => logger.warn({ err, what }, 'learning loop'),
  });
  const cluster = opts.cluster;
  // Writers: one at a time in this process (FIFO), across this cluster's workers (the primary's
  // lease orders them without polling), then across every process over the store (ingests, other instances).
  const holder = cluster ? 'service worker' : 'service';
  const writer = new Mutex([
    ...(cluster ? [(signal?: AbortSignal) => cluster.lease(signal)] : []),
    (signal?: AbortSignal) => deps.knowledge.writeLease({ holder, signal, onWait: (h) => logger.info({ holder: h.description }, 'a write waits for the store\'s write lease') }),
  ]);
  // Under the writer lock: another worker's upload in progress is not an orphan. Start-up waits
  // for it briefly only: while another process (`npm run ingest`) writes, it runs once that ends.
  // Start-up writes (this sweep, the corpus ingest) still waiting for the lease give up at shutdown.
  const startup = new AbortController();
  try {
    prepareUploads(config.dataDir);
    const sweep = writer.run(async () => {
      for (const file of await removeOrphanUploads(deps.knowledge, config.dataDir)) {
        logger.warn({ file }, 'removed an uploaded file no document comes from (the service stopped between moving it in and committing it)');
      }
      return true;
    }, startup.signal);
    const late = await Promise.race([sweep, new Promise<false>((r) => setTimeout(() => r(false), SWEEP_WAIT_MS).unref())]) === false;
    if (late) {
      logger.info('another process is writing to the store: removing unfinished uploads once it is done');
      sweep.catch((err: unknown) => {
        if (!isSobreError(err) || err.code !== 'cancelled') logger.error({ err }, 'removing unfinished uploads failed');
      });
    }
  } catch (e) {
    await uploadThreads?.close();
    await deps.close();
    throw e;
  }
  // The calibration in force may change in another process sharing the store (docs/learning.md).
  const poll = deps.learner ? setInterval(() => void deps.learner?.refresh().catch((err: unknown) => logger.warn({ err }, 'learning refresh')), config.calibrationPollSeconds * 1000) : null;
  poll?.unref();
  const jobs = new JobQueue(writer);
  const metrics = new ServiceMetrics(deps.knowledge, { defaultMetrics: opts.defaultMetrics, generator: gate, turns, embedCache: embedder, learning: deps.learner, uploadThreads: uploadThreads ?? undefined });
  let draining = false;
  const app = createApp({
    config, keys, ask: deps.ask, knowledge: deps.knowledge, embedder: deps.embedder, ledger: deps.ledger, learner: deps.learner, jobs, turns, beforeWrite, metrics, logger,
    isDraining: () => draining, ledgerWritable: () => ledgerWritable,
    ...(cluster ? { rateLimitStore: (limiter: string) => cluster.rateLimitStore(limiter), workerPid: process.pid, jobsElsewhere: (id: string) => cluster.findJob(id) } : {}),
  });
  cluster?.serveJobs((id) => jobs.get(id)?.view() ?? null);
  if (cluster) {
    cluster.serveMetrics(() => metrics.registry.getMetricsAsJSON());
    metrics.combineAcross(() => cluster.metrics());
  }
  let server: Server | null = null;
  let stopped: Promise<{ clean: boolean }> | null = null;
  const inFlight = new Set<ServerResponse>();

  const closeServer = (graceMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (!server) return resolve(true);
      const s = server;
      // Responses still to come tell their client the connection ends with them.
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      const timer = setTimeout(() => {
        s.closeAllConnections();
        resolve(false);
      }, graceMs);
      // Keep-alive connections go as soon as they are idle; busy ones finish their request first.
      const sweep = setInterval(() => s.closeIdleConnections(), 50);
      s.close(() => {
        clearTimeout(timer);
        clearInterval(sweep);
        resolve(true);
      });
      s.closeIdleConnections();
    });

  return {
    config, deps, app, logger, metrics, writer,
    ingest: (paths, opts = {}) => writer.run(async () => {
      if (opts.ifEmpty && (await deps.knowledge.stats()).documents > 0) return null; // another process filled it meanwhile
      return inBackground(() => ingestPaths({ knowledge: deps.knowledge, embedder, settings: config, beforeWrite, concurrency: ingestConcurrency(config.uploadEmbedThreads) }, paths));
    }, startup.signal),
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        const s = app.listen(port, host);
        s.once('error', reject);
        s.on('request', (_req: IncomingMessage, res: ServerResponse) => {
          inFlight.add(res);
          res.once('close', () => inFlight.delete(res));
        });
        s.once('listening', () => {
          server = s;
          // Node's own limits, above ours, so ours answer first (with a problem document).
          s.requestTimeout = Math.max(config.requestTimeoutMs, config.uploadTimeoutMs) + 5000;
          s.headersTimeout = 20_000;
          s.keepAliveTimeout = 5_000;
          const a = s.address() as AddressInfo;
          const shownHost = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          resolve({ server: s, url: `http://${shownHost}:${a.port}`, port: a.port });
        });
      });
    },
    shutdown(graceMs = 10_000) {
      stopped ??= (async () => {
        draining = true;
        startup.abort();
        if (poll) clearInterval(poll);
        const deadline = Date.now() + graceMs;
        let clean = await closeServer(graceMs);
        // Writes that outlive their requests (202) go on until the deadline, then stop between
        // embedding batches (nothing half-done is committed; they can be sent again).
        const cut = setTimeout(() => {
          const n = jobs.cancelAll('the service is stopping');
          if (n > 0) logger.warn({ jobs: n }, 'cancelled unfinished writes: the service is stopping');
        }, Math.max(0, deadline - Date.now()));
        await writer.idle();
        clearTimeout(cut);
        if (Date.now() > deadline) clean = false;
        await uploadThreads?.close();
        await deps.close(); // flushes the index
        return { clean };
      })();
      return stopped;
    },
  };
}
