/**
 * Known answers on SQLite, with an in-memory HNSW index of their questions per namespace. The
 * index is derived: rebuilt from the stored vectors when the table changed under it (another
 * process, a trigger), and never trusted alone: `get` re-reads the entry and checks that every
 * chunk it cites is still there with the same text.
 */
import { HnswIndex, type HnswParams } from '../../index/hnsw-index';
import type { KnownAnswer, KnownAnswerInput, KnownAnswers, KnownCandidate, KnownFilter } from '../types';
import type { KnownRow, KnownStore } from './known-store';
import type { SobreStore } from './store';

export class SqliteKnownAnswers implements KnownAnswers {
  private indexes = new Map<string, HnswIndex>();
  private syncedGeneration = -1;

  constructor(
    private readonly store: SobreStore,
    private readonly embedderId: string,
    private readonly dimension: number,
    private readonly params: HnswParams,
    private readonly now: () => number = Date.now,
  ) {}

  private get sql(): KnownStore {
    return this.store.known;
  }

  private indexFor(namespace: string): HnswIndex {
    let index = this.indexes.get(namespace);
    if (!index) {
      index = HnswIndex.inMemory(this.embedderId, this.dimension, this.params);
      this.indexes.set(namespace, index);
    }
    return index;
  }

  /** Bring the question indexes to the table when it changed since: ids first, vectors only for new entries. */
  private sync(): void {
    const generation = this.sql.generation;
    if (generation === this.syncedGeneration) return;
    const live = new Map<number, string>(this.sql.liveIds(this.now()).map((e) => [e.id, e.namespace]));
    for (const [namespace, index] of this.indexes) {
      for (const id of index.labels()) if (live.get(id) !== namespace) index.remove(id);
    }
    const missing = [...live].filter(([id, namespace]) => !this.indexes.get(namespace)?.has(id)).map(([id]) => id);
    for (const [id, q] of this.sql.questions(missing)) this.indexFor(live.get(id) ?? '').add(id, q.vector);
    this.syncedGeneration = generation;
  }

  async nearest(vector: Float32Array, namespaces: readonly string[], k: number): Promise<KnownCandidate[]> {
    this.sync();
    const hits = [...new Set(namespaces)]
      .flatMap((ns) => this.indexes.get(ns)?.search(vector, k) ?? [])
      .sort((a, b) => b.cosine - a.cosine)
      .slice(0, k);
    const rows = this.sql.questions(hits.map((h) => h.label));
    const now = this.now();
    const out: KnownCandidate[] = [];
    for (const h of hits) {
      const r = rows.get(h.label);
      if (r && (r.expiresMs === null || r.expiresMs > now)) out.push({ id: h.label, kind: r.kind, text: r.question, vector: r.vector });
    }
    return out;
  }

  private toAnswer(r: KnownRow): KnownAnswer {
    return {
      id: r.id,
      kind: r.kind,
      namespace: r.namespace,
      question: r.question,
      answer: r.answer,
      citations: this.store.chunksWithSource(r.citedChunkIds),
      span: r.documentId !== null && r.spanStart !== null && r.spanEnd !== null ? { documentId: r.documentId, start: r.spanStart, end: r.spanEnd } : null,
      generation: r.generation,
      createdAt: new Date(r.createdMs),
      expiresAt: r.expiresMs === null ? null : new Date(r.expiresMs),
      lastUsedAt: new Date(r.usedMs),
      hits: r.hits,
    };
  }

  async get(id: number): Promise<KnownAnswer | undefined> {
    const r = this.sql.get(id);
    if (!r || (r.expiresMs !== null && r.expiresMs <= this.now())) return undefined;
    return this.toAnswer(r);
  }

  async put(entry: KnownAnswerInput): Promise<KnownAnswer> {
    const { id, replaced, before, after } = this.sql.put(entry, this.now());
    if (before === this.syncedGeneration) {
      // Nothing else changed the table in between: apply this change alone.
      if (replaced !== undefined) this.indexes.get(entry.namespace)?.remove(replaced);
      this.indexFor(entry.namespace).add(id, entry.vector);
      this.syncedGeneration = after;
    }
    const r = this.sql.get(id);
    if (!r) throw new Error(`known answer ${id} vanished after it was stored`);
    return this.toAnswer(r);
  }

  async touch(id: number): Promise<void> {
    this.sql.touch(id, this.now());
  }

  async list(filter: KnownFilter, page: { limit: number; offset: number }): Promise<KnownAnswer[]> {
    return this.sql.list(filter, page.limit, page.offset).map((r) => this.toAnswer(r));
  }

  async count(filter: KnownFilter): Promise<number> {
    return this.sql.count(filter);
  }

  async remove(filter: KnownFilter & { id?: number }): Promise<number> {
    return this.sql.remove(filter);
  }

  async prune(maxCacheEntries: number): Promise<number> {
    return this.sql.prune(maxCacheEntries, this.now());
  }
}
