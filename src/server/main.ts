/**
 * `npm start`: validate the configuration, open (or build) the knowledge base, ingest the
 * bundled corpus when the store is empty, and serve. Logs are JSON lines on stdout; the
 * `listening` line has the bound port (PORT=0 picks a free one).
 * SIGTERM/SIGINT: stop accepting, finish in-flight requests and writes (10 s at most), save the
 * index, close the database, exit 0 (1 if work had to be cut). The process is gone within the
 * grace period whatever stdout does (closed, or not read: see log-sink.ts).
 * SOBRE_WORKERS > 1: this process becomes the primary of that many serving workers (cluster.ts),
 * each running the code below; the primary logs `listening` once they all serve.
 */
import cluster from 'node:cluster';
import os from 'node:os';
import { loadConfig, parseSettingFlags } from '../config';
import { errorMessage, isSobreError } from '../errors';
import type { Knowledge } from '../knowledge/types';
import { LogSink } from './log-sink';
import { runPrimary } from './cluster';
import { ClusterClient } from './cluster-client';
import { reportOpenLocally } from './local-access';
import { createLogger } from './logger';

const SHUTDOWN_GRACE_MS = 10_000;
/** Time left, within the grace period, to save the index and close the database. */
const CLOSE_RESERVE_MS = 1500;
/** How long the last log lines get to reach stdout before exiting. */
const LOG_DRAIN_MS = 300;
/** How long start-up waits for the store's write lease before deciding another process holds it. */
const LEASE_PROBE_MS = 1000;

/** Whether another process holds the store's write lease now (it is free within a short wait otherwise). */
async function writingElsewhere(knowledge: Knowledge): Promise<boolean> {
  try {
    await (await knowledge.writeLease({ holder: 'start-up check', signal: AbortSignal.timeout(LEASE_PROBE_MS) }))();
    return false;
  } catch (e) {
    if (isSobreError(e) && e.code === 'cancelled') return true;
    throw e;
  }
}

async function main(): Promise<void> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  if (rest.length > 0) throw new Error(`Unknown arguments: ${rest.join(' ')}`);
  const config = loadConfig(process.env, flags);
  const sink = new LogSink();
  const logger = createLogger(config.logLevel, sink);
  const exit = (code: number) => {
    void sink.drain(LOG_DRAIN_MS).then(() => process.exit(code));
  };
  const workers = config.workers || os.availableParallelism();
  if (workers > 1 && cluster.isPrimary) {
    runPrimary({ workers, dataDir: config.dataDir, logger, graceMs: SHUTDOWN_GRACE_MS, exit });
    return;
  }
  const { createService } = await import('./service'); // not in a primary: it loads the models' code
  const clusterClient = cluster.isWorker ? new ClusterClient() : undefined;
  const service = await createService(config, { logger, defaultMetrics: true, cluster: clusterClient });
  const { knowledge, router } = service.deps;
  const repair = knowledge.opened;
  for (const w of repair.warnings ?? []) logger.warn({ setting: 'SOBRE_DATA_DIR' }, w);
  if (repair.added + repair.removed > 0) logger.warn({ restored: repair.added, removed: repair.removed }, 'repaired the index from the store');
  if ((await knowledge.stats()).documents === 0) {
    // Asked before this process's own ingest queues for the lease, so only another writer counts.
    const elsewhere = await writingElsewhere(knowledge);
    const ingest = service.ingest([config.corpusDir], { ifEmpty: true }).then((s) => {
      if (s) {
        logger.info({ documents: s.added, chunks: s.chunksEmbedded, seconds: Number(s.seconds.toFixed(1)), failed: s.failed }, 'corpus ingested');
        for (const f of s.failures) logger.warn({ path: f.path, reason: f.reason }, 'ingest failed');
        for (const g of s.skipped) logger.info({ reason: g.reason, files: g.files.length }, 'files not ingested');
      } else logger.info('another process filled the store meanwhile: the corpus is not ingested');
    });
    // Another process writing to the empty store (an `npm run ingest`) fills it: serve what it
    // commits meanwhile instead of waiting for all of it. Otherwise the corpus goes in first.
    if (elsewhere) {
      logger.info('store is empty and another process is writing to it: serving meanwhile; the corpus goes in only if the store is still empty after');
      ingest.catch((err: unknown) => {
        if (!isSobreError(err) || err.code !== 'cancelled') logger.error({ err }, 'ingesting the corpus failed');
      });
    } else {
      logger.info({ corpus: config.corpusDir }, 'store is empty: ingesting the corpus');
      await ingest;
    }
  }
  const { url, port } = await service.listen();
  const stats = await knowledge.stats();
  logger.info({
    ...(clusterClient ? { worker: process.pid } : {}),
    url, port, documents: stats.documents, chunks: stats.chunks, threshold: router.point.threshold, targetPrecision: config.targetPrecision,
    keysConfigured: config.apiKeys.length, generator: config.generator,
  }, clusterClient ? 'worker listening' : 'listening');
  clusterClient?.ready(url, port);
  if (reportOpenLocally(config.apiKeys.length > 0, config.host)) {
    logger.info({ dashboard: `${url}/report` }, 'no API keys and bound to loopback: the report and dashboard are open to this machine (set SOBRE_API_KEYS to require a key)');
  } else if (config.apiKeys.length === 0) {
    logger.warn({ host: config.host }, 'no API keys on a non-loopback address: the report, dashboard and admin routes are closed until SOBRE_API_KEYS is set');
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref(); // whatever hangs below
    service.shutdown(SHUTDOWN_GRACE_MS - CLOSE_RESERVE_MS).then(
      ({ clean }) => {
        logger.info({ clean }, 'stopped');
        exit(clean ? 0 : 1);
      },
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // A worker whose primary is gone stops too (nothing would replace it or share its limits).
  if (clusterClient) process.once('disconnect', () => stop('primary gone'));
}

main().catch((e: unknown) => {
  process.stderr.write(`[sobre] ${isSobreError(e) ? e.message : `failed to start: ${errorMessage(e)}`}\n`);
  process.exit(1);
});
