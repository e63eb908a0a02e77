/**
 * The knowledge on one machine: a SQLite store (source of truth: documents, chunks with their
 * vectors, FTS5) and an HNSW index derived from it, kept in agreement.
 *
 * A crash between a document's commit and the next index save leaves the index behind: `open`
 * sees it (the manifest's generation differs from the store's) and repairs it from the stored
 * vectors, without re-embedding. The same repair, run before each search when the store's
 * generation moved, picks up what another process (an ingest, another worker) committed.
 *
 * Every method is synchronous inside (better-sqlite3 and hnswlib are), so a change is visible in
 * one step: the SQLite transaction, then its vectors into the index, with no await between.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SETTINGS, type SobreConfig } from '../../config';
import { SobreError } from '../../errors';
import { HnswIndex, INDEX_FILE, MANIFEST_FILE } from '../../index/hnsw-index';
import { DATABASE_FILE } from '../../sqlite/database';
import type { Language } from '../../text/language';
import { stem, type StemLanguage } from '../../text/tokens';
import type {
  Candidate, CandidateQuery, ChunkInput, ChunkSource, CommitResult, DeleteResult, DocumentInfo, DocumentInput, FaqInput,
  Knowledge, KnowledgeCheck, KnowledgeStats, KnownAnswers, LeaseRelease, SearchTimings, SyncReport, WriteLeaseOptions,
} from '../types';
import { SqliteKnownAnswers } from './known-answers';
import { ftsQuery, queryTerms, withoutCommonTerms, type CommonTerms } from './lexical-query';
import { SobreStore, type ReplicaBatch } from './store';

export { REPLICA_POSITION, type ReplicaBatch, type ReplicaChunk, type ReplicaDocument } from './store';

export type SqliteKnowledgeConfig = Pick<SobreConfig, 'dataDir' | 'hnswM' | 'hnswEfConstruction' | 'hnswEfSearch'>
  // Absent: the settings' defaults.
  & Partial<Pick<SobreConfig, 'lexicalCommonShare' | 'lexicalCommonMinChunks'>>;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Make the index hold exactly the store's chunks, from the stored vectors. */
function reconcile(store: SobreStore, index: HnswIndex): SyncReport {
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
  return { generation: store.generation, added, removed };
}

/**
 * The index manifest records the store generation it reflects, and the store commits durably
 * before the index is saved: a manifest ahead of the store means the store was lost or replaced
 * by an older copy. Starting would serve an empty or older store and rebuild the index down to
 * it (and `npm start` would ingest the corpus over it), so refuse, saying what to do.
 */
function storeBehind(dataDir: string, store: string, saved: number): SobreError {
  const db = path.join(dataDir, DATABASE_FILE);
  return new SobreError(
    'store_inconsistent',
    `The store ${db} is ${store}, but the vector index beside it (${path.join(dataDir, MANIFEST_FILE)}) was saved at generation ${saved}: ` +
      'the store was lost or replaced by an older copy, and starting would drop the documents it no longer has. ' +
      `Restore ${DATABASE_FILE} (with its -wal file) from a backup, or point SOBRE_DATA_DIR at the right folder; ` +
      `to start over from this store on purpose, delete ${path.join(dataDir, INDEX_FILE)} and ${path.join(dataDir, MANIFEST_FILE)} (they are rebuilt from it).`,
    { file: db, indexGeneration: saved },
  );
}

/** Refuse before creating anything when the manifest is ahead of a store file that is missing or empty. */
function checkStorePresent(dataDir: string): number | null {
  const saved = HnswIndex.savedGeneration(dataDir);
  if (saved === null || saved === 0) return saved;
  const size = fs.statSync(path.join(dataDir, DATABASE_FILE), { throwIfNoEntry: false })?.size;
  if (size === undefined) throw storeBehind(dataDir, 'missing', saved);
  if (size === 0) throw storeBehind(dataDir, 'empty (0 bytes)', saved);
  return saved;
}

export class SqliteKnowledge implements Knowledge {
  private syncedGeneration: number;
  /** The index changed since it was last saved. */
  private dirty = false;
  private closed = false;
  /** Chunks per language, counted again only when the store changed. */
  private languageCounts: { generation: number; counts: Partial<Record<Language, number>> } | null = null;

  readonly known: KnownAnswers;

  private constructor(
    private readonly store: SobreStore,
    private readonly index: HnswIndex,
    readonly location: string,
    readonly opened: SyncReport,
    private readonly common: CommonTerms,
  ) {
    this.syncedGeneration = opened.generation;
    this.known = new SqliteKnownAnswers(store, { id: index.embedderId, dimension: index.dimension }, index.hnswParams);
  }

  static open(config: SqliteKnowledgeConfig, embedder: { id: string; dimension: number }): SqliteKnowledge {
    const saved = checkStorePresent(config.dataDir);
    const store = SobreStore.open(config.dataDir);
    try {
      if (saved !== null && saved > store.generation) throw storeBehind(config.dataDir, `at generation ${store.generation}`, saved);
      store.bindEmbedder(embedder.id, embedder.dimension);
      const index = HnswIndex.open(config.dataDir, embedder.id, embedder.dimension, {
        m: config.hnswM,
        efConstruction: config.hnswEfConstruction,
        efSearch: config.hnswEfSearch,
      });
      const report: SyncReport = reconcile(store, index);
      if (index.discarded) {
        report.warnings = [`${index.discarded}; rebuilt from the ${report.added} vectors in ${store.file}`];
      }
      if (report.added + report.removed > 0 || index.loadedGeneration !== store.generation) index.save(store.generation);
      const common = {
        share: config.lexicalCommonShare ?? Number(SETTINGS.lexicalCommonShare.default),
        minChunks: config.lexicalCommonMinChunks ?? Number(SETTINGS.lexicalCommonMinChunks.default),
      };
      return new SqliteKnowledge(store, index, config.dataDir, report, common);
    } catch (e) {
      store.close();
      throw e;
    }
  }

  private sync(): SyncReport | null {
    const generation = this.store.generation;
    if (generation === this.syncedGeneration) return null;
    const report = reconcile(this.store, this.index);
    this.syncedGeneration = report.generation;
    if (report.added + report.removed > 0) this.dirty = true;
    return report;
  }

  /** After our own change: its vectors in or out, and a full sync if another process committed in between. */
  private applied(generation: number, added: readonly { id: number; vector: Float32Array }[], removed: readonly number[]): void {
    for (const { id, vector } of added) this.index.add(id, vector);
    for (const id of removed) this.index.remove(id);
    this.dirty = true;
    if (generation - 1 === this.syncedGeneration) this.syncedGeneration = generation;
    else this.sync();
  }

  async candidates(query: CandidateQuery, k: number, timings?: SearchTimings): Promise<Candidate[]> {
    this.sync();
    const language = query.language ?? 'en';
    const t0 = performance.now();
    // Dense first: the lexical pass then scores its candidates in the same scan (store.lexicalSearchAndScore).
    const dense = this.index.search(query.vector, k);
    const t1 = performance.now();
    const lexical = this.store.lexicalSearchAndScore(ftsQuery(this.lexicalTerms(query.text, language)), k, dense.map((h) => h.label), language);
    const t2 = performance.now();
    const byId = new Map<number, Candidate>();
    lexical.top.forEach((h, i) => {
      byId.set(h.chunkId, { chunkId: h.chunkId, bm25: h.bm25, cosine: Number.NaN, lexicalRank: i + 1, denseRank: null });
    });
    dense.forEach((h, i) => {
      const c = byId.get(h.label);
      if (c) {
        c.cosine = h.cosine;
        c.denseRank = i + 1;
      } else byId.set(h.label, { chunkId: h.label, bm25: lexical.scores.get(h.label) ?? 0, cosine: h.cosine, lexicalRank: null, denseRank: i + 1 });
    });
    const all = [...byId.values()];
    for (const c of all) {
      if (!Number.isNaN(c.cosine)) continue;
      const v = this.store.vector(c.chunkId);
      c.cosine = v ? dot(query.vector, v) : 0;
    }
    if (timings) {
      timings.denseMs = t1 - t0 + (performance.now() - t2);
      timings.lexicalMs = t2 - t1;
    }
    return all;
  }

  /** The question's lexical query terms, the common ones left out (`withoutCommonTerms`). */
  private lexicalTerms(question: string, language: StemLanguage): string[] {
    const terms = queryTerms(question, language);
    if (this.common.share >= 1 || terms.length < 2) return terms;
    const chunks = this.store.chunkCountNow();
    if (chunks < this.common.minChunks) return terms;
    // English terms are words (FTS5 stems them); its vocabulary holds the stems.
    const stemmed = language === 'fr' ? terms : terms.map((t) => stem(t));
    const frequencies = this.store.documentFrequencies(stemmed, language);
    const byTerm = new Map(terms.map((t, i) => [t, frequencies.get(stemmed[i]) ?? 0]));
    return withoutCommonTerms(terms, byTerm, chunks, this.common);
  }

  async passages(chunkIds: readonly number[]): Promise<ChunkSource[]> {
    return this.store.chunksWithSource(chunkIds);
  }

  async idf(terms: readonly string[], language: StemLanguage = 'en'): Promise<Map<string, number>> {
    return this.store.idf(terms, language);
  }

  async languages(): Promise<Partial<Record<Language, number>>> {
    this.sync();
    if (this.languageCounts?.generation !== this.syncedGeneration) {
      this.languageCounts = { generation: this.syncedGeneration, counts: this.store.languages() };
    }
    return { ...this.languageCounts.counts };
  }

  async findDocument(source: string): Promise<DocumentInfo | undefined> {
    return this.store.findDocument(source);
  }

  async getDocument(id: number): Promise<DocumentInfo | undefined> {
    return this.store.getDocument(id);
  }

  async listDocuments(): Promise<DocumentInfo[]> {
    return this.store.listDocuments();
  }

  async documentsOfFile(file: string): Promise<DocumentInfo[]> {
    return this.store.documentsOfFile(file);
  }

  async unchangedFile(file: string, rawHash: string): Promise<DocumentInfo[] | undefined> {
    return this.store.unchangedFile(file, rawHash);
  }

  async recordFile(file: string, rawHash: string, documents: number): Promise<void> {
    this.store.recordFile(file, rawHash, documents);
  }

  async knownChunkHashes(hashes: readonly string[]): Promise<Set<string>> {
    return this.store.knownChunkHashes(hashes);
  }

  async commitDocument(doc: DocumentInput, chunks: readonly ChunkInput[], vectors: ReadonlyMap<string, Float32Array>, faq: readonly FaqInput[] = []): Promise<CommitResult> {
    const r = this.store.replaceDocument(doc, chunks, vectors, faq);
    this.applied(r.generation, r.addedChunks, r.removedChunkIds);
    return { documentId: r.documentId, created: r.created, chunksAdded: r.addedChunks.length, chunksRemoved: r.removedChunkIds.length };
  }

  async deleteDocument(id: number): Promise<DeleteResult> {
    const { source, removedChunkIds, generation } = this.store.deleteDocument(id);
    this.applied(generation, [], removedChunkIds);
    return { documentId: id, source, chunksRemoved: removedChunkIds.length };
  }

  /** For a replica of another source of truth (knowledge/postgres): apply what changed there. */
  applyReplica(batch: ReplicaBatch): { added: number; removed: number } {
    const r = this.store.applyReplica(batch);
    if (!r) return { added: 0, removed: 0 };
    this.applied(r.generation, r.addedChunks, r.removedChunkIds);
    return { added: r.addedChunks.length, removed: r.removedChunkIds.length };
  }

  /** Replica metadata (what it copies, and up to which change). */
  replicaMeta(key: string): string | undefined {
    return this.store.getMeta(key);
  }

  setReplicaMeta(key: string, value: string): void {
    this.store.setMeta(key, value);
  }

  missingChunkIds(ids: readonly number[]): number[] {
    return this.store.missingChunkIds(ids);
  }

  writeLease(opts?: WriteLeaseOptions): Promise<LeaseRelease> {
    return this.store.lease.acquire(opts);
  }

  async refresh(): Promise<SyncReport | null> {
    return this.sync();
  }

  async flush(): Promise<void> {
    if (this.closed || !this.dirty) return;
    this.index.save(this.syncedGeneration);
    this.dirty = false;
  }

  async check(): Promise<KnowledgeCheck> {
    const ids = this.store.chunkIds();
    const consistent = ids.length === this.index.size && ids.every((id) => this.index.has(id));
    return { consistent, storeChunks: ids.length, indexVectors: this.index.size };
  }

  async stats(): Promise<KnowledgeStats> {
    return { ...this.store.stats(), indexVectors: this.index.size };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.store.lease.releaseHeld();
      this.store.close();
    }
  }
}
