/**
 * The knowledge's SQL in PostgreSQL, the source of truth: documents and deduplicated chunks with
 * their vectors, written one document per transaction with the SQLite store's semantics (a chunk
 * text stored once, removed with its last document), and read back as pages of changes for the
 * replicas. Private to `knowledge/postgres/`.
 */
import { SobreError } from '../../errors';
import type { PgDatabase, Queryable } from '../../postgres/database';
import { notifyIn } from '../../postgres/notify';
import type { ReplicaBatch, ReplicaChunk, ReplicaDocument } from '../sqlite/sqlite-knowledge';
import type { ChunkInput, DocumentInfo, DocumentInput, FaqInput } from '../types';
import { fromBytes, toBytes } from './bytes';
import { replaceFaq } from './known-answers';
import { assertLeaseHeld } from './write-lease';

/** The notification topic of knowledge changes; the payload is the new generation. */
export const CHANGES_TOPIC = 'knowledge';

interface DocumentRow {
  id: number;
  source: string;
  name: string;
  title: string;
  format: string;
  content_hash: string;
  size: number;
  created_at: Date;
  updated_at: Date;
  chunks: number;
}

const DOCUMENT_COLUMNS = `d.id, d.source, d.name, d.title, d.format, d.content_hash, d.size, d.created_at, d.updated_at,
  (SELECT COUNT(*) FROM document_chunks dc WHERE dc.document_id = d.id)::int AS chunks`;

function toInfo(r: DocumentRow): DocumentInfo {
  return {
    id: r.id, source: r.source, name: r.name, title: r.title, format: r.format, contentHash: r.content_hash, size: r.size,
    createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(), chunks: r.chunks,
  };
}

export interface WriteResult {
  documentId: number;
  created: boolean;
  chunksAdded: number;
  chunksRemoved: number;
  generation: number;
}

export class PgKnowledgeStore {
  /** `leaseHolder`: the server pid of the connection holding this process's write lease, if any. */
  constructor(
    private readonly db: PgDatabase,
    private readonly leaseHolder: () => number | null = () => null,
  ) {}

  async documentsWhere(where: string, params: readonly unknown[]): Promise<DocumentInfo[]> {
    const rows = await this.db.query<DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM documents d WHERE ${where} ORDER BY d.id`, params);
    return rows.map(toInfo);
  }

  async generation(): Promise<number> {
    const rows = await this.db.query<{ generation: number }>('SELECT generation FROM knowledge_state WHERE id = 1');
    return rows[0].generation;
  }

  /** Records the embedder on first use, refuses another one; returns the knowledge's id. */
  async bindEmbedder(embedder: { id: string; dimension: number }): Promise<string> {
    return this.db.transaction(async (q) => {
      const [s] = await q.query<{ knowledge_id: string; embedder_id: string | null; embedder_dimension: number | null }>(
        'SELECT knowledge_id, embedder_id, embedder_dimension FROM knowledge_state WHERE id = 1 FOR UPDATE',
      );
      if (s.embedder_id === null) {
        await q.query('UPDATE knowledge_state SET embedder_id = $1, embedder_dimension = $2 WHERE id = 1', [embedder.id, embedder.dimension]);
      } else if (s.embedder_id !== embedder.id || s.embedder_dimension !== embedder.dimension) {
        throw new SobreError(
          'embedder_mismatch',
          `The knowledge in ${this.db.location} holds vectors from ${s.embedder_id}, not ${embedder.id}. ` +
            'Use the same SOBRE_EMBEDDER, or another SOBRE_DATABASE_SCHEMA.',
          { storeEmbedder: s.embedder_id, configuredEmbedder: embedder.id },
        );
      }
      return s.knowledge_id;
    });
  }

  async unchangedFile(file: string, rawHash: string): Promise<DocumentInfo[] | undefined> {
    const rows = await this.db.query<{ raw_hash: string; documents: number }>('SELECT raw_hash, documents FROM files WHERE path = $1', [file]);
    if (rows.length === 0 || rows[0].raw_hash !== rawHash) return undefined;
    const docs = await this.documentsOfFile(file);
    return docs.length === rows[0].documents ? docs : undefined;
  }

  documentsOfFile(file: string): Promise<DocumentInfo[]> {
    return this.documentsWhere("d.source = $1 OR starts_with(d.source, $1 || '#')", [file]);
  }

  async recordFile(file: string, rawHash: string, documents: number): Promise<void> {
    await this.db.query(
      `INSERT INTO files (path, raw_hash, documents, checked_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (path) DO UPDATE SET raw_hash = EXCLUDED.raw_hash, documents = EXCLUDED.documents, checked_at = EXCLUDED.checked_at`,
      [file, rawHash, documents],
    );
  }

  async knownChunkHashes(hashes: readonly string[]): Promise<Set<string>> {
    const rows = await this.db.query<{ hash: string }>('SELECT hash FROM chunks WHERE hash = ANY($1::text[])', [[...new Set(hashes)]]);
    return new Set(rows.map((r) => r.hash));
  }

  async stats(): Promise<{ documents: number; chunks: number; references: number }> {
    const [r] = await this.db.query<{ documents: number; chunks: number; refs: number }>(
      'SELECT (SELECT COUNT(*) FROM documents)::int AS documents, (SELECT COUNT(*) FROM chunks)::int AS chunks, (SELECT COUNT(*) FROM document_chunks)::int AS refs',
    );
    return { documents: r.documents, chunks: r.chunks, references: r.refs };
  }

  /** One change: the next generation (waiting for any other writer), the work, the change log, the notification. */
  private change<T extends { documentId: number }>(work: (q: Queryable, generation: number) => Promise<T>): Promise<T & { generation: number }> {
    return this.db.transaction(async (q) => {
      const [{ generation }] = await q.query<{ generation: number }>('UPDATE knowledge_state SET generation = generation + 1 WHERE id = 1 RETURNING generation');
      // After that row lock (every writer takes it): a writer that took the lease must still hold it.
      const holder = this.leaseHolder();
      if (holder !== null) await assertLeaseHeld(q, holder);
      const result = await work(q, generation);
      await q.query(
        'INSERT INTO document_changes (document_id, generation) VALUES ($1, $2) ON CONFLICT (document_id) DO UPDATE SET generation = EXCLUDED.generation',
        [result.documentId, generation],
      );
      await notifyIn(q, this.db.schema, CHANGES_TOPIC, String(generation));
      return { ...result, generation };
    });
  }

  replaceDocument(doc: DocumentInput, chunks: readonly ChunkInput[], vectors: ReadonlyMap<string, Float32Array>, faq: readonly FaqInput[] = []): Promise<WriteResult> {
    return this.change(async (q) => {
      const existing = await q.query<{ id: number }>('SELECT id FROM documents WHERE source = $1', [doc.source]);
      let documentId: number;
      let previous: number[] = [];
      if (existing.length > 0) {
        documentId = existing[0].id;
        previous = (await q.query<{ chunk_id: number }>('DELETE FROM document_chunks WHERE document_id = $1 RETURNING chunk_id', [documentId])).map((r) => r.chunk_id);
        await q.query('UPDATE documents SET name = $1, title = $2, format = $3, content_hash = $4, size = $5, updated_at = now() WHERE id = $6', [
          doc.name, doc.title, doc.format, doc.contentHash, doc.size, documentId,
        ]);
      } else {
        const [row] = await q.query<{ id: number }>(
          'INSERT INTO documents (source, name, title, format, content_hash, size, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now(), now()) RETURNING id',
          [doc.source, doc.name, doc.title, doc.format, doc.contentHash, doc.size],
        );
        documentId = row.id;
      }
      const idByHash = new Map<string, number>();
      const hashes = [...new Set(chunks.map((c) => c.hash))];
      for (const r of await q.query<{ id: number; hash: string }>('SELECT id, hash FROM chunks WHERE hash = ANY($1::text[])', [hashes])) idByHash.set(r.hash, r.id);
      const fresh = hashes.filter((h) => !idByHash.has(h));
      const textOf = new Map(chunks.map((c) => [c.hash, c.text]));
      const freshVectors = fresh.map((h) => {
        const v = vectors.get(h);
        if (!v) throw new SobreError('internal', `No vector for new chunk ${h}`);
        return toBytes(v);
      });
      if (fresh.length > 0) {
        const inserted = await q.query<{ id: number; hash: string }>(
          'INSERT INTO chunks (hash, title, text, vector) SELECT h, $2, t, v FROM unnest($1::text[], $3::text[], $4::bytea[]) AS u(h, t, v) RETURNING id, hash',
          [fresh, doc.title, fresh.map((h) => textOf.get(h)), freshVectors],
        );
        for (const r of inserted) idByHash.set(r.hash, r.id);
      }
      await q.query(
        `INSERT INTO document_chunks (document_id, ordinal, chunk_id, start_offset, end_offset)
         SELECT $1, o, c, s, e FROM unnest($2::int[], $3::bigint[], $4::int[], $5::int[]) AS u(o, c, s, e)`,
        [documentId, chunks.map((c) => c.ordinal), chunks.map((c) => idByHash.get(c.hash)), chunks.map((c) => c.start), chunks.map((c) => c.end)],
      );
      const removed = await deleteOrphans(q, previous);
      await replaceFaq(q, documentId, faq, Date.now());
      return { documentId, created: existing.length === 0, chunksAdded: fresh.length, chunksRemoved: removed };
    });
  }

  deleteDocument(id: number): Promise<{ documentId: number; source: string; chunksRemoved: number; generation: number }> {
    return this.change(async (q) => {
      const previous = (await q.query<{ chunk_id: number }>('SELECT chunk_id FROM document_chunks WHERE document_id = $1', [id])).map((r) => r.chunk_id);
      const gone = await q.query<{ source: string }>('DELETE FROM documents WHERE id = $1 RETURNING source', [id]);
      if (gone.length === 0) throw new SobreError('not_found', `No document with id ${id}`);
      return { documentId: id, source: gone[0].source, chunksRemoved: await deleteOrphans(q, previous) };
    });
  }

  /**
   * The changes after generation `from`, at most `limit` documents, as one replica batch read in
   * one snapshot. `missing` says which chunk ids the replica lacks (only those rows are sent).
   * `more` is true when another page follows.
   */
  changesSince(from: number, limit: number, missing: (ids: number[]) => number[]): Promise<{ batch: ReplicaBatch; more: boolean }> {
    return this.db.transaction(async (q) => {
      const [{ generation }] = await q.query<{ generation: number }>('SELECT generation FROM knowledge_state WHERE id = 1');
      const changed = await q.query<{ document_id: number; generation: number }>(
        'SELECT document_id, generation FROM document_changes WHERE generation > $1 ORDER BY generation LIMIT $2',
        [from, limit + 1],
      );
      const more = changed.length > limit;
      const page = changed.slice(0, limit);
      const position = more ? page[page.length - 1].generation : generation;
      const ids = page.map((c) => c.document_id);
      const docs = ids.length === 0 ? [] : await q.query<DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM documents d WHERE d.id = ANY($1::bigint[])`, [ids]);
      const refs = ids.length === 0 ? [] : await q.query<{ document_id: number; ordinal: number; chunk_id: number; start_offset: number; end_offset: number }>(
        'SELECT document_id, ordinal, chunk_id, start_offset, end_offset FROM document_chunks WHERE document_id = ANY($1::bigint[]) ORDER BY document_id, ordinal',
        [ids],
      );
      const byDoc = new Map<number, ReplicaDocument>();
      for (const r of docs) byDoc.set(r.id, { ...toInfo(r), chunks: [] });
      for (const r of refs) byDoc.get(r.document_id)?.chunks.push({ ordinal: r.ordinal, chunkId: r.chunk_id, start: r.start_offset, end: r.end_offset });
      const need = missing([...new Set(refs.map((r) => r.chunk_id))]);
      const chunks: ReplicaChunk[] = need.length === 0 ? [] : (await q.query<{ id: number; hash: string; title: string; text: string; vector: Buffer }>(
        'SELECT id, hash, title, text, vector FROM chunks WHERE id = ANY($1::bigint[])',
        [need],
      )).map((c) => ({ id: c.id, hash: c.hash, title: c.title, text: c.text, vector: fromBytes(c.vector) }));
      return { batch: { documents: [...byDoc.values()], deleted: ids.filter((id) => !byDoc.has(id)), chunks, position }, more };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }
}

/** Delete the chunks among `ids` no document uses any more; returns how many. */
async function deleteOrphans(q: Queryable, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await q.query(
    'DELETE FROM chunks c WHERE c.id = ANY($1::bigint[]) AND NOT EXISTS (SELECT 1 FROM document_chunks dc WHERE dc.chunk_id = c.id) RETURNING c.id',
    [[...new Set(ids)]],
  );
  return rows.length;
}
