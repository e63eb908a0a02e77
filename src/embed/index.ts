import os from 'node:os';
import type { SobreConfig } from '../config';
import { EmbedderPool } from './pool';
import type { Embedder } from './types';
import { UseLiteEmbedder } from './use-lite';

export type { Embedder, EmbedRole } from './types';

type EmbedderConfig = Pick<SobreConfig, 'embedder' | 'embedBatchSize' | 'localFilesOnly' | 'modelCacheDir'>;

/** The embedder named by `SOBRE_EMBEDDER`. */
export async function createEmbedder(config: EmbedderConfig): Promise<Embedder> {
  if (config.embedder === 'use-lite') return UseLiteEmbedder.create({ batchSize: config.embedBatchSize });
  const { TransformersEmbedder } = await import('./transformers');
  return TransformersEmbedder.create({
    model: config.embedder.slice('transformers:'.length),
    localFilesOnly: config.localFilesOnly,
    cacheDir: config.modelCacheDir || undefined,
    batchSize: config.embedBatchSize,
  });
}

export interface IngestEmbedder {
  embedder: Embedder;
  /** Documents to prepare at once (`IngestTarget.concurrency`): one more than the threads, so none waits for a commit. */
  concurrency: number;
  threads: number;
  close(): Promise<void>;
}

/** The embedder for ingestion: the model on `SOBRE_EMBED_THREADS` threads (0: one per core; 1: this thread). */
export async function createIngestEmbedder(config: EmbedderConfig & Pick<SobreConfig, 'embedThreads'>): Promise<IngestEmbedder> {
  const threads = config.embedThreads || os.availableParallelism();
  if (threads <= 1) return { embedder: await createEmbedder(config), concurrency: ingestConcurrency(1), threads: 1, close: async () => undefined };
  const pool = await EmbedderPool.create(config, threads);
  return { embedder: pool, concurrency: ingestConcurrency(threads), threads, close: () => pool.close() };
}

/** Documents to prepare at once for `threads` embedding threads: one more, so none waits for a commit (one thread: one). */
export function ingestConcurrency(threads: number): number {
  return threads > 1 ? threads + 1 : 1;
}
