import type { SobreConfig } from '../config';
import type { Embedder } from '../embed/types';
import { ingestPaths, type IngestSummary } from '../ingest/pipeline';
import { openKnowledge } from '../knowledge';
import type { Knowledge } from '../knowledge/types';
import { datasetDataDir, datasetSchema, type Dataset } from './dataset';

/**
 * A dataset's corpus ingested into its own cached folder. Re-running is cheap: unchanged
 * passages are skipped by content hash.
 */
export async function openDatasetKnowledge(config: SobreConfig, dataset: Dataset, embedder: Embedder, log: (m: string) => void): Promise<{ knowledge: Knowledge; config: SobreConfig; ingest: IngestSummary }> {
  const dataDir = datasetDataDir(config, dataset);
  const databaseSchema = config.databaseUrl ? datasetSchema(config, dataset) : config.databaseSchema;
  const scoped: SobreConfig = Object.freeze({ ...config, dataDir, databaseSchema });
  const knowledge = await openKnowledge(scoped, embedder);
  log(`ingesting ${dataset.corpusFile} into ${knowledge.location}`);
  const ingest = await ingestPaths({ knowledge, embedder, settings: scoped }, [dataset.corpusFile]);
  log(`  ${ingest.added} added, ${ingest.unchanged} unchanged, ${ingest.failed} failed in ${ingest.seconds.toFixed(1)} s (${ingest.chunksPerSecond.toFixed(1)} chunks/s)`);
  return { knowledge, config: scoped, ingest };
}
