/**
 * The SQLite tables of the knowledge (better-sqlite3, WAL): documents, deduplicated chunks with
 * their vectors, FTS5 over chunk title and text, and metadata. Every change to a document is one
 * transaction that also bumps `generation`, which the HNSW manifest records. Private to
 * `knowledge/sqlite/`: the rest of Sobre goes through the `Knowledge` interface.
 */
import path from 'node:path';
import type { Database as Db, Statement } from 'better-sqlite3';
import { SobreError } from '../../errors';
import { DATABASE_FILE, openDatabase } from '../../sqlite/database';
import { migrate } from '../../sqlite/migrate';
import type { Language } from '../../text/language';
import type { StemLanguage } from '../../text/tokens';
import type { ChunkInput, ChunkSource, DocumentInfo, DocumentInput, FaqInput } from '../types';
import { KnownStore } from './known-store';
import { chunkLanguage, frenchIndexText, LEXICAL_TABLES } from './lexical';
import { STORE_MIGRATIONS } from './schema';
import { SqliteWriteLease } from './write-lease';

/** BM25 over a lexical index (title weighs twice); lower is better in SQLite. */
const bm25 = (fts: string) => `bm25(${fts}, 2.0, 1.0)`;

/** Bound on remembered document frequencies (cleared, not evicted, past it). */
const MAX_REMEMBERED_TERMS = 100_000;

export interface ReplaceResult {
  documentId: number;
  created: boolean;
  /** Chunk rows created by this change (their vectors must enter the index). */
  addedChunks: { id: number; vector: Float32Array }[];
  /** Chunk rows no document references any more, deleted (their vectors must leave the index). */
  removedChunkIds: number[];
  /** The generation this change produced (the one before it is `generation - 1`). */
  generation: number;
}

/** A document as a replica receives it: its id and every field kept from the source of truth. */
export type ReplicaDocument = Omit<DocumentInfo, 'chunks'> & {
  chunks: { ordinal: number; chunkId: number; start: number; end: number }[];
};

export interface ReplicaChunk {
  id: number;
  hash: string;
  title: string;
  text: string;
  vector: Float32Array;
}

/**
 * Documents copied from a source of truth (knowledge/postgres), ids kept: their current state,
 * the ids of deleted ones, the chunk rows the replica lacks, and the source's change counter
 * this brings the replica to (`REPLICA_POSITION` in meta).
 */
export interface ReplicaBatch {
  documents: readonly ReplicaDocument[];
  deleted: readonly number[];
  chunks: readonly ReplicaChunk[];
  position: number;
}

export const REPLICA_POSITION = 'replica_position';

function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function fromBlob(b: Buffer): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

export class SobreStore {
  private readonly statements = new Map<string, Statement>();
  /** What term statistics need, counted once per generation: the chunks, and each term's document frequency (by language). */
  private counted: { generation: number; chunks: number; frequencies: Map<string, number> } | undefined;

  /** Known answers, in the same database (and transactions) as the chunks they cite. */
  readonly known: KnownStore;
  /** One writer at a time across the processes sharing this database. */
  readonly lease: SqliteWriteLease;

  private constructor(private readonly db: Db, readonly file: string) {
    this.known = new KnownStore(db, (sql) => this.stmt(sql));
    this.lease = new SqliteWriteLease(db, (sql) => this.stmt(sql));
  }

  /** Statements are compiled once per store: asking runs several per question. */
  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  static open(dataDir: string): SobreStore {
    const file = path.join(dataDir, DATABASE_FILE);
    // Durable commits: the index manifest records the generation, and must never be ahead of the store.
    const db = openDatabase(file, { synchronous: 'full' });
    try {
      migrate(db, 'store', STORE_MIGRATIONS);
    } catch (e) {
      db.close();
      throw e;
    }
    return new SobreStore(db, file);
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Run `fn` in one SQLite transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  getMeta(key: string): string | undefined {
    const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  get generation(): number {
    return Number(this.getMeta('generation') ?? '0');
  }

  private bumpGeneration(): number {
    this.lease.assertHeld(); // every write transaction ends here
    return Number(this.stmt("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation' RETURNING value").pluck().get());
  }

  /** Record the embedder on first use; refuse another one later. */
  bindEmbedder(embedderId: string, dimension: number): void {
    const bound = this.getMeta('embedder_id');
    if (bound === undefined) {
      this.db.transaction(() => {
        this.setMeta('embedder_id', embedderId);
        this.setMeta('embedder_dimension', String(dimension));
      })();
      return;
    }
    if (bound !== embedderId || Number(this.getMeta('embedder_dimension')) !== dimension) {
      throw new SobreError(
        'embedder_mismatch',
        `The store in ${path.dirname(this.file)} holds vectors from ${bound}, not ${embedderId}. ` +
          'Use the same SOBRE_EMBEDDER, another SOBRE_DATA_DIR, or delete the folder and ingest again.',
        { storeEmbedder: bound, configuredEmbedder: embedderId },
      );
    }
  }

  findDocument(source: string): DocumentInfo | undefined {
    return this.documentsWhere('d.source = ?', source)[0];
  }

  getDocument(id: number): DocumentInfo | undefined {
    return this.documentsWhere('d.id = ?', id)[0];
  }

  listDocuments(): DocumentInfo[] {
    return this.documentsWhere('1 = 1');
  }

  private documentsWhere(where: string, ...params: unknown[]): DocumentInfo[] {
    return this.db
      .prepare(
        `SELECT d.id, d.source, d.name, d.title, d.format, d.content_hash AS contentHash, d.size,
                d.created_at AS createdAt, d.updated_at AS updatedAt,
                (SELECT COUNT(*) FROM document_chunks dc WHERE dc.document_id = d.id) AS chunks
         FROM documents d WHERE ${where} ORDER BY d.id`,
      )
      .all(...params) as DocumentInfo[];
  }

  /** The documents read from `file`: the file itself, or its JSONL lines (`file#id`). */
  documentsOfFile(file: string): DocumentInfo[] {
    return this.documentsWhere("d.source = ? OR substr(d.source, 1, length(?) + 1) = ? || '#'", file, file, file);
  }

  /**
   * The documents of `file` when its raw bytes are those fully ingested last time and all its
   * documents are still there; undefined when the file must be read again.
   */
  unchangedFile(file: string, rawHash: string): DocumentInfo[] | undefined {
    const row = this.stmt('SELECT raw_hash AS rawHash, documents FROM files WHERE path = ?').get(file) as { rawHash: string; documents: number } | undefined;
    if (!row || row.rawHash !== rawHash) return undefined;
    const docs = this.documentsOfFile(file);
    return docs.length === row.documents ? docs : undefined;
  }

  /** Remember that every document of `file` (with these raw bytes) is in the store. */
  recordFile(file: string, rawHash: string, documents: number): void {
    this.stmt('INSERT INTO files (path, raw_hash, documents, checked_at) VALUES (?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET raw_hash = excluded.raw_hash, documents = excluded.documents, checked_at = excluded.checked_at')
      .run(file, rawHash, documents, new Date().toISOString());
  }

  /** Which of these chunk hashes are already stored (so need no embedding). */
  knownChunkHashes(hashes: readonly string[]): Set<string> {
    const known = new Set<string>();
    const stmt = this.stmt('SELECT 1 FROM chunks WHERE hash = ?').pluck();
    for (const h of hashes) if (stmt.get(h) !== undefined) known.add(h);
    return known;
  }

  /**
   * Insert or replace a document and its chunks in one transaction. `vectors` must hold a
   * vector for every chunk hash not already stored.
   */
  replaceDocument(doc: DocumentInput, chunks: readonly ChunkInput[], vectors: ReadonlyMap<string, Float32Array>, faq: readonly FaqInput[] = []): ReplaceResult {
    return this.db.transaction((): ReplaceResult => {
      const now = new Date().toISOString();
      const existing = this.stmt('SELECT id FROM documents WHERE source = ?').get(doc.source) as { id: number } | undefined;
      let documentId: number;
      let previousChunkIds: number[] = [];
      if (existing) {
        documentId = existing.id;
        previousChunkIds = this.stmt('SELECT DISTINCT chunk_id FROM document_chunks WHERE document_id = ?').pluck().all(documentId) as number[];
        this.stmt('DELETE FROM document_chunks WHERE document_id = ?').run(documentId);
        this.db
          .prepare('UPDATE documents SET name = ?, title = ?, format = ?, content_hash = ?, size = ?, updated_at = ? WHERE id = ?')
          .run(doc.name, doc.title, doc.format, doc.contentHash, doc.size, now, documentId);
      } else {
        documentId = Number(
          this.db
            .prepare('INSERT INTO documents (source, name, title, format, content_hash, size, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
            .run(doc.source, doc.name, doc.title, doc.format, doc.contentHash, doc.size, now, now).lastInsertRowid,
        );
      }
      const findChunk = this.stmt('SELECT id FROM chunks WHERE hash = ?').pluck();
      const insertChunk = this.stmt('INSERT INTO chunks (hash, title, text, vector, language) VALUES (?, ?, ?, ?, ?)');
      const insertRef = this.stmt('INSERT INTO document_chunks (document_id, ordinal, chunk_id, start_offset, end_offset) VALUES (?, ?, ?, ?, ?)');
      const addedChunks: { id: number; vector: Float32Array }[] = [];
      for (const c of chunks) {
        let chunkId = findChunk.get(c.hash) as number | undefined;
        if (chunkId === undefined) {
          const vector = vectors.get(c.hash);
          if (!vector) throw new SobreError('internal', `No vector for new chunk ${c.hash}`);
          chunkId = Number(insertChunk.run(c.hash, doc.title, c.text, toBlob(vector), chunkLanguage(c.text)).lastInsertRowid);
          this.indexFrench(chunkId, doc.title, c.text);
          addedChunks.push({ id: chunkId, vector });
        }
        insertRef.run(documentId, c.ordinal, chunkId, c.start, c.end);
      }
      const removedChunkIds = this.deleteOrphans(previousChunkIds);
      this.known.replaceFaq(documentId, faq, Date.now());
      const generation = this.bumpGeneration();
      return { documentId, created: !existing, addedChunks, removedChunkIds, generation };
    })();
  }

  /** Delete a document; returns its source and the chunk ids no longer referenced by any document. */
  deleteDocument(documentId: number): { source: string; removedChunkIds: number[]; generation: number } {
    return this.db.transaction(() => {
      const chunkIds = this.stmt('SELECT DISTINCT chunk_id FROM document_chunks WHERE document_id = ?').pluck().all(documentId) as number[];
      const source = this.stmt('DELETE FROM documents WHERE id = ? RETURNING source').pluck().get(documentId) as string | undefined;
      if (source === undefined) throw new SobreError('not_found', `No document with id ${documentId}`);
      const removedChunkIds = this.deleteOrphans(chunkIds);
      const generation = this.bumpGeneration();
      return { source, removedChunkIds, generation };
    })();
  }

  /** A new chunk into the French lexical index (the English one is filled by a trigger; deletion is by trigger for both). */
  private indexFrench(chunkId: number, title: string, text: string): void {
    this.stmt('INSERT INTO chunks_fts_fr (rowid, title, text) VALUES (?, ?, ?)').run(chunkId, frenchIndexText(title), frenchIndexText(text));
  }

  private deleteOrphans(candidateIds: readonly number[]): number[] {
    const stillUsed = this.stmt('SELECT 1 FROM document_chunks WHERE chunk_id = ? LIMIT 1').pluck();
    const del = this.stmt('DELETE FROM chunks WHERE id = ?');
    const removed: number[] = [];
    for (const id of candidateIds) {
      if (stillUsed.get(id) === undefined) {
        del.run(id);
        removed.push(id);
      }
    }
    return removed;
  }

  /**
   * Bring these documents to the state given, in one transaction, keeping the source's ids.
   * Skipped (null) when the replica is already there: two processes may share one replica.
   */
  applyReplica(batch: ReplicaBatch): Omit<ReplaceResult, 'documentId' | 'created'> | null {
    return this.db.transaction(() => {
      if (Number(this.getMeta(REPLICA_POSITION) ?? '0') >= batch.position) return null;
      const refsOf = this.stmt('SELECT DISTINCT chunk_id FROM document_chunks WHERE document_id = ?').pluck();
      const previous: number[] = [];
      const drop = (id: number) => {
        previous.push(...(refsOf.all(id) as number[]));
        this.stmt('DELETE FROM documents WHERE id = ?').run(id);
      };
      for (const id of batch.deleted) drop(id);
      for (const d of batch.documents) {
        const stale = this.stmt('SELECT id FROM documents WHERE source = ? AND id <> ?').pluck().all(d.source, d.id) as number[];
        for (const id of stale) drop(id);
        previous.push(...(refsOf.all(d.id) as number[]));
        this.stmt('DELETE FROM document_chunks WHERE document_id = ?').run(d.id);
        this.stmt(
          `INSERT INTO documents (id, source, name, title, format, content_hash, size, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET source = excluded.source, name = excluded.name, title = excluded.title, format = excluded.format,
             content_hash = excluded.content_hash, size = excluded.size, created_at = excluded.created_at, updated_at = excluded.updated_at`,
        ).run(d.id, d.source, d.name, d.title, d.format, d.contentHash, d.size, d.createdAt, d.updatedAt);
      }
      const used = new Set(batch.documents.flatMap((d) => d.chunks.map((c) => c.chunkId)));
      const removedChunkIds = this.deleteOrphans([...new Set(previous)].filter((id) => !used.has(id)));
      const insertChunk = this.stmt('INSERT INTO chunks (id, hash, title, text, vector, language) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING');
      const addedChunks: { id: number; vector: Float32Array }[] = [];
      for (const c of batch.chunks) {
        if (insertChunk.run(c.id, c.hash, c.title, c.text, toBlob(c.vector), chunkLanguage(c.text)).changes === 0) continue;
        this.indexFrench(c.id, c.title, c.text);
        addedChunks.push({ id: c.id, vector: c.vector });
      }
      const insertRef = this.stmt('INSERT INTO document_chunks (document_id, ordinal, chunk_id, start_offset, end_offset) VALUES (?, ?, ?, ?, ?)');
      for (const d of batch.documents) for (const c of d.chunks) insertRef.run(d.id, c.ordinal, c.chunkId, c.start, c.end);
      this.setMeta(REPLICA_POSITION, String(batch.position));
      return { addedChunks, removedChunkIds, generation: this.bumpGeneration() };
    })();
  }

  /** Which of these chunk ids the store does not hold. */
  missingChunkIds(ids: readonly number[]): number[] {
    const has = this.stmt('SELECT 1 FROM chunks WHERE id = ?').pluck();
    return ids.filter((id) => has.get(id) === undefined);
  }

  chunkIds(): number[] {
    return this.stmt('SELECT id FROM chunks ORDER BY id').pluck().all() as number[];
  }

  chunkCount(): number {
    return this.stmt('SELECT COUNT(*) FROM chunks').pluck().get() as number;
  }

  /**
   * Counts for the store's current generation, made again only when it moved: COUNT(*) reads the
   * whole table (0.5 ms at 100,000 chunks), fts5vocab a term's whole doclist.
   */
  private countedNow(): { chunks: number; frequencies: Map<string, number> } {
    const generation = this.generation;
    if (this.counted?.generation !== generation) {
      // Generation and count in one snapshot: another process may commit in between.
      this.counted = this.transaction(() => ({ generation: this.generation, chunks: this.chunkCount(), frequencies: new Map<string, number>() }));
    }
    return this.counted;
  }

  /** The chunk count (see `countedNow`). */
  chunkCountNow(): number {
    return this.countedNow().chunks;
  }

  vector(chunkId: number): Float32Array | undefined {
    const b = this.stmt('SELECT vector FROM chunks WHERE id = ?').pluck().get(chunkId) as Buffer | undefined;
    return b ? fromBlob(b) : undefined;
  }

  /**
   * BM25 over chunk title and text in the lexical index of `language` (the title weighs twice:
   * measured on NQ-open, R@1 0.66 → 0.79): `query` is an FTS5 MATCH expression in that index's
   * terms. Lower bm25 is better in SQLite; we negate it.
   */
  lexicalSearch(query: string, k: number, language: StemLanguage = 'en'): { chunkId: number; bm25: number }[] {
    return this.lexicalSearchAndScore(query, k, [], language).top;
  }

  /**
   * The best `k` chunks by BM25, and the BM25 of `chunkIds` (absent: the chunk does not match), in
   * one pass over the matching rows: FTS5 scores every match to sort them anyway, and scoring a
   * few given rows separately costs another whole pass (it reads every term's full doclist).
   */
  lexicalSearchAndScore(
    query: string, k: number, chunkIds: readonly number[], language: StemLanguage = 'en',
  ): { top: { chunkId: number; bm25: number }[]; scores: Map<number, number> } {
    const scores = new Map<number, number>();
    if (query.trim() === '') return { top: [], scores };
    const { fts } = LEXICAL_TABLES[language];
    const rows = this.stmt(
      `WITH m AS MATERIALIZED (SELECT rowid AS chunkId, -${bm25(fts)} AS bm25 FROM ${fts} WHERE ${fts} MATCH ?)
       SELECT chunkId, bm25, 1 AS top FROM (SELECT chunkId, bm25 FROM m ORDER BY bm25 DESC LIMIT ?)
       UNION ALL SELECT chunkId, bm25, 0 AS top FROM m WHERE chunkId IN (SELECT value FROM json_each(?))`,
    ).all(query, k, JSON.stringify(chunkIds)) as { chunkId: number; bm25: number; top: number }[];
    const top: { chunkId: number; bm25: number }[] = [];
    for (const r of rows) {
      if (r.top) top.push({ chunkId: r.chunkId, bm25: r.bm25 });
      else scores.set(r.chunkId, r.bm25);
    }
    return { top, scores };
  }

  /**
   * Inverse document frequency over chunks (BM25's form, always > 0) of terms stemmed for
   * `language` (`text/tokens.ts` `stem`); a term the corpus never contains gets the highest value.
   */
  idf(terms: readonly string[], language: StemLanguage = 'en'): Map<string, number> {
    const n = this.countedNow().chunks;
    const out = new Map<string, number>();
    for (const [t, df] of this.documentFrequencies(terms, language)) out.set(t, Math.log((n - df + 0.5) / (df + 0.5) + 1));
    return out;
  }

  /**
   * How many chunks contain each term (stemmed for `language`). Remembered until the store
   * changes: fts5vocab counts a term by reading its whole doclist (about 1 ms for a term in
   * 10,000 chunks), and questions share their common terms.
   */
  documentFrequencies(terms: readonly string[], language: StemLanguage = 'en'): Map<string, number> {
    const byTerm = this.countedNow().frequencies;
    if (byTerm.size > MAX_REMEMBERED_TERMS) byTerm.clear();
    const stmt = this.stmt(`SELECT doc FROM ${LEXICAL_TABLES[language].vocab} WHERE term = ?`).pluck();
    const out = new Map<string, number>();
    for (const t of terms) {
      const key = `${language}:${t}`;
      let df = byTerm.get(key);
      if (df === undefined) {
        df = (stmt.get(t) as number | undefined) ?? 0;
        byTerm.set(key, df);
      }
      out.set(t, df);
    }
    return out;
  }

  /** How many chunks are in each language. */
  languages(): Partial<Record<Language, number>> {
    const rows = this.stmt('SELECT language, COUNT(*) AS n FROM chunks GROUP BY language').all() as { language: Language; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.language, r.n]));
  }

  /** The chunks with their first containing document, in the order of `chunkIds`. */
  chunksWithSource(chunkIds: readonly number[]): ChunkSource[] {
    const stmt = this.stmt(
      `SELECT c.id AS chunkId, c.text, d.id AS documentId, d.title, d.source, d.name, dc.start_offset AS start, dc.end_offset AS end
       FROM chunks c JOIN document_chunks dc ON dc.chunk_id = c.id JOIN documents d ON d.id = dc.document_id
       WHERE c.id = ? ORDER BY d.id, dc.ordinal LIMIT 1`,
    );
    const out: ChunkSource[] = [];
    for (const id of chunkIds) {
      const row = stmt.get(id) as ChunkSource | undefined;
      if (row) out.push(row);
    }
    return out;
  }

  /** Each document's chunk count and duplicate check, for consistency tests and `/readyz`. */
  stats(): { documents: number; chunks: number; references: number } {
    return {
      documents: this.stmt('SELECT COUNT(*) FROM documents').pluck().get() as number,
      chunks: this.chunkCount(),
      references: this.stmt('SELECT COUNT(*) FROM document_chunks').pluck().get() as number,
    };
  }
}
