/**
 * The questions of known answers in memory, one HNSW index per namespace, derived from the
 * stored vectors of whichever store holds them (SQLite or PostgreSQL). The store's generation
 * counter of known answers says when the table changed under the indexes (another process, a
 * chunk's deletion): they are then brought up to date, ids first and vectors only for new entries.
 */
import { HnswIndex, type HnswParams } from '../index/hnsw-index';
import type { KnownCandidate, KnownKind } from './types';

export interface KnownQuestionRow {
  kind: KnownKind;
  question: string;
  vector: Float32Array;
  expiresMs: number | null;
}

/** What the indexes are derived from. */
export interface KnownVectorSource {
  generation(): Promise<number>;
  /** Every unexpired entry's id and namespace. */
  liveIds(nowMs: number): Promise<{ id: number; namespace: string }[]>;
  questions(ids: readonly number[]): Promise<Map<number, KnownQuestionRow>>;
}

export class KnownVectors {
  private readonly indexes = new Map<string, HnswIndex>();
  private syncedGeneration = -1;

  constructor(
    private readonly source: KnownVectorSource,
    private readonly embedder: { id: string; dimension: number },
    private readonly params: HnswParams,
  ) {}

  private indexFor(namespace: string): HnswIndex {
    let index = this.indexes.get(namespace);
    if (!index) {
      index = HnswIndex.inMemory(this.embedder.id, this.embedder.dimension, this.params);
      this.indexes.set(namespace, index);
    }
    return index;
  }

  private async sync(nowMs: number): Promise<void> {
    const generation = await this.source.generation();
    if (generation === this.syncedGeneration) return;
    const live = new Map<number, string>((await this.source.liveIds(nowMs)).map((e) => [e.id, e.namespace]));
    for (const [namespace, index] of this.indexes) {
      for (const id of index.labels()) if (live.get(id) !== namespace) index.remove(id);
    }
    const missing = [...live].filter(([id, namespace]) => !this.indexes.get(namespace)?.has(id)).map(([id]) => id);
    for (const [id, q] of await this.source.questions(missing)) this.indexFor(live.get(id) ?? '').add(id, q.vector);
    this.syncedGeneration = generation;
  }

  /** The `k` nearest unexpired known questions among these namespaces. */
  async nearest(vector: Float32Array, namespaces: readonly string[], k: number, nowMs: number): Promise<KnownCandidate[]> {
    await this.sync(nowMs);
    const hits = [...new Set(namespaces)]
      .flatMap((ns) => this.indexes.get(ns)?.search(vector, k) ?? [])
      .sort((a, b) => b.cosine - a.cosine)
      .slice(0, k);
    const rows = await this.source.questions(hits.map((h) => h.label));
    const out: KnownCandidate[] = [];
    for (const h of hits) {
      const r = rows.get(h.label);
      if (r && (r.expiresMs === null || r.expiresMs > nowMs)) out.push({ id: h.label, kind: r.kind, text: r.question, vector: r.vector });
    }
    return out;
  }

  /**
   * After storing an entry: when nothing else changed the table in between (its generation went
   * from `before`, which the indexes reflect, to `after`), apply this change alone; otherwise the
   * next search re-syncs.
   */
  stored(e: { id: number; namespace: string; vector: Float32Array; replaced: number | undefined; before: number; after: number }): void {
    if (e.before !== this.syncedGeneration) return;
    if (e.replaced !== undefined) this.indexes.get(e.namespace)?.remove(e.replaced);
    this.indexFor(e.namespace).add(e.id, e.vector);
    this.syncedGeneration = e.after;
  }
}
