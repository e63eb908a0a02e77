/**
 * The store and the vector index, opened together and kept in agreement.
 *
 * SQLite is the source of truth and keeps every vector; the HNSW index is derived. A crash
 * between a document's commit and the next index save leaves the index behind: `open` sees it
 * (the manifest's generation differs from the store's) and repairs it from the stored vectors,
 * without re-embedding. The same repair picks up documents another process (an ingest run)
 * committed while the service was running.
 */
import type { SobreConfig } from '../config';
import type { Embedder } from '../embed/types';
import { HnswIndex } from '../index/hnsw-index';
import { SobreStore } from '../store/store';

export interface ReconcileReport {
  storeGeneration: number;
  indexGeneration: number;
  /** Vectors put back into the index from the store. */
  added: number;
  /** Index entries whose chunk the store no longer has. */
  removed: number;
  consistent: boolean;
}

export class KnowledgeBase {
  private syncedGeneration: number;

  private constructor(
    readonly store: SobreStore,
    readonly index: HnswIndex,
    readonly embedder: Embedder,
    readonly lastRepair: ReconcileReport,
  ) {
    this.syncedGeneration = lastRepair.storeGeneration;
  }

  static open(config: Pick<SobreConfig, 'dataDir' | 'hnswM' | 'hnswEfConstruction' | 'hnswEfSearch'>, embedder: Embedder): KnowledgeBase {
    const store = SobreStore.open(config.dataDir);
    try {
      store.bindEmbedder(embedder.id, embedder.dimension);
      const index = HnswIndex.open(config.dataDir, embedder.id, embedder.dimension, {
        m: config.hnswM,
        efConstruction: config.hnswEfConstruction,
        efSearch: config.hnswEfSearch,
      });
      const report = reconcile(store, index);
      if (report.added + report.removed > 0 || index.loadedGeneration !== store.generation) index.save(store.generation);
      return new KnowledgeBase(store, index, embedder, report);
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /** Catch up with changes committed by another process since the last sync. Cheap when none. */
  refresh(): ReconcileReport | null {
    const generation = this.store.generation;
    if (generation === this.syncedGeneration) return null;
    const report = reconcile(this.store, this.index);
    this.syncedGeneration = generation;
    return report;
  }

  /** Mark the index as reflecting the store's current generation (after in-process changes). */
  markSynced(): void {
    this.syncedGeneration = this.store.generation;
  }

  save(): void {
    this.index.save(this.store.generation);
  }

  /** Whether store and index hold exactly the same chunks. */
  check(): { consistent: boolean; storeChunks: number; indexVectors: number } {
    const ids = this.store.chunkIds();
    const consistent = ids.length === this.index.size && ids.every((id) => this.index.has(id));
    return { consistent, storeChunks: ids.length, indexVectors: this.index.size };
  }

  close(): void {
    this.store.close();
  }
}

export function reconcile(store: SobreStore, index: HnswIndex): ReconcileReport {
  const ids = store.chunkIds();
  const inStore = new Set(ids);
  let added = 0;
  let removed = 0;
  for (const id of ids) {
    if (index.has(id)) continue;
    const vector = store.vector(id);
    if (vector) {
      index.add(id, vector);
      added++;
    }
  }
  for (const label of index.labels()) {
    if (!inStore.has(label)) {
      index.remove(label);
      removed++;
    }
  }
  return {
    storeGeneration: store.generation,
    indexGeneration: index.loadedGeneration,
    added,
    removed,
    consistent: index.size === ids.length,
  };
}
