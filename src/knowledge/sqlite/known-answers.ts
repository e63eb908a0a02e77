/**
 * Known answers on SQLite, with an in-memory HNSW index of their questions per namespace. The
 * index is derived: rebuilt from the stored vectors when the table changed under it (another
 * process, a trigger), and never trusted alone: `get` re-reads the entry and checks that every
 * chunk it cites is still there with the same text.
 */
import type { HnswParams } from '../../index/hnsw-index';
import { KnownVectors } from '../known-vectors';
import type { KnownAnswer, KnownAnswerInput, KnownAnswers, KnownCandidate, KnownFilter } from '../types';
import { toKnownAnswer, type KnownRow } from '../known';
import type { KnownStore } from './known-store';
import type { SobreStore } from './store';

export class SqliteKnownAnswers implements KnownAnswers {
  private readonly vectors: KnownVectors;

  constructor(
    private readonly store: SobreStore,
    embedder: { id: string; dimension: number },
    params: HnswParams,
    private readonly now: () => number = Date.now,
  ) {
    const sql = () => this.sql;
    this.vectors = new KnownVectors({
      generation: async () => sql().generation,
      liveIds: async (nowMs) => sql().liveIds(nowMs),
      questions: async (ids) => sql().questions(ids),
    }, embedder, params);
  }

  private get sql(): KnownStore {
    return this.store.known;
  }

  nearest(vector: Float32Array, namespaces: readonly string[], k: number): Promise<KnownCandidate[]> {
    return this.vectors.nearest(vector, namespaces, k, this.now());
  }

  private toAnswer(r: KnownRow): KnownAnswer {
    return toKnownAnswer(r, this.store.chunksWithSource(r.citedChunkIds));
  }

  async get(id: number): Promise<KnownAnswer | undefined> {
    const r = this.sql.get(id);
    if (!r || (r.expiresMs !== null && r.expiresMs <= this.now())) return undefined;
    return this.toAnswer(r);
  }

  async put(entry: KnownAnswerInput): Promise<KnownAnswer> {
    const stored = this.sql.put(entry, this.now());
    this.vectors.stored({ ...stored, namespace: entry.namespace, vector: entry.vector });
    const r = this.sql.get(stored.id);
    if (!r) throw new Error(`known answer ${stored.id} vanished after it was stored`);
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
