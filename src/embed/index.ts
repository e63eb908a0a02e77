import type { SobreConfig } from '../config';
import type { Embedder } from './types';
import { UseLiteEmbedder } from './use-lite';

export type { Embedder, EmbedRole } from './types';

/** The embedder named by `SOBRE_EMBEDDER`. */
export async function createEmbedder(config: Pick<SobreConfig, 'embedder' | 'embedBatchSize' | 'localFilesOnly' | 'modelCacheDir'>): Promise<Embedder> {
  if (config.embedder === 'use-lite') return UseLiteEmbedder.create({ batchSize: config.embedBatchSize });
  const { TransformersEmbedder } = await import('./transformers');
  return TransformersEmbedder.create({
    model: config.embedder.slice('transformers:'.length),
    localFilesOnly: config.localFilesOnly,
    cacheDir: config.modelCacheDir || undefined,
    batchSize: config.embedBatchSize,
  });
}
