/**
 * Copying a SQLite knowledge store (a data folder's `sobre.db`) into PostgreSQL, ids and vectors
 * kept (nothing is embedded again), inside the caller's transaction. The target must be empty:
 * the caller checks. Used by `npm run migrate`.
 */
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Queryable } from '../../postgres/database';
import { notifyIn } from '../../postgres/notify';
import { CHANGES_TOPIC } from './store';

const BATCH = 500;

export interface KnowledgeCopy {
  documents: number;
  chunks: number;
  references: number;
  files: number;
  /** Known answers: FAQ pairs, pins and cached answers. */
  knownAnswers: number;
}

/** Rows of `sql` in batches, so a large store is never in memory at once. */
async function inBatches<R>(source: Database, sql: string, each: (rows: R[]) => Promise<void>): Promise<number> {
  let batch: R[] = [];
  let n = 0;
  for (const row of source.prepare(sql).iterate() as IterableIterator<R>) {
    batch.push(row);
    if (batch.length === BATCH) {
      await each(batch);
      n += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) await each(batch);
  return n + batch.length;
}

function column<R, K extends keyof R>(rows: readonly R[], key: K): R[K][] {
  return rows.map((r) => r[key]);
}

export async function copyKnowledge(source: Database, q: Queryable, schema: string): Promise<KnowledgeCopy> {
  const meta = new Map((source.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  if (meta.has('embedder_id')) {
    await q.query('UPDATE knowledge_state SET embedder_id = $1, embedder_dimension = $2 WHERE id = 1', [meta.get('embedder_id'), Number(meta.get('embedder_dimension'))]);
  }
  type Doc = { id: number; source: string; name: string; title: string; format: string; content_hash: string; size: number; created_at: string; updated_at: string };
  // A store from before documents had a name: its file's own name, as the SQLite migration gives.
  const hasName = source.prepare("SELECT 1 FROM pragma_table_info('documents') WHERE name = 'name'").get() !== undefined;
  const documents = await inBatches<Doc>(source, `SELECT id, source, ${hasName ? 'name' : "'' AS name"}, title, format, content_hash, size, created_at, updated_at FROM documents ORDER BY id`, async (rows) => {
    const named = rows.map((r) => ({ ...r, name: hasName ? r.name : path.basename(r.source) }));
    await q.query(
      `INSERT INTO documents (id, source, name, title, format, content_hash, size, created_at, updated_at)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::timestamptz[], $9::timestamptz[])`,
      [column(named, 'id'), column(named, 'source'), column(named, 'name'), column(named, 'title'), column(named, 'format'), column(named, 'content_hash'), column(named, 'size'), column(named, 'created_at'), column(named, 'updated_at')],
    );
  });
  type Chunk = { id: number; hash: string; title: string; text: string; vector: Buffer };
  const chunks = await inBatches<Chunk>(source, 'SELECT id, hash, title, text, vector FROM chunks ORDER BY id', async (rows) => {
    await q.query('INSERT INTO chunks (id, hash, title, text, vector) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bytea[])', [
      column(rows, 'id'), column(rows, 'hash'), column(rows, 'title'), column(rows, 'text'), column(rows, 'vector'),
    ]);
  });
  type Ref = { document_id: number; ordinal: number; chunk_id: number; start_offset: number; end_offset: number };
  const references = await inBatches<Ref>(source, 'SELECT document_id, ordinal, chunk_id, start_offset, end_offset FROM document_chunks', async (rows) => {
    await q.query('INSERT INTO document_chunks (document_id, ordinal, chunk_id, start_offset, end_offset) SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::int[], $5::int[])', [
      column(rows, 'document_id'), column(rows, 'ordinal'), column(rows, 'chunk_id'), column(rows, 'start_offset'), column(rows, 'end_offset'),
    ]);
  });
  type File = { path: string; raw_hash: string; documents: number; checked_at: string };
  const hasFiles = source.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'files'").get() !== undefined;
  const files = !hasFiles ? 0 : await inBatches<File>(source, 'SELECT path, raw_hash, documents, checked_at FROM files', async (rows) => {
    await q.query('INSERT INTO files (path, raw_hash, documents, checked_at) SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[])', [
      column(rows, 'path'), column(rows, 'raw_hash'), column(rows, 'documents'), column(rows, 'checked_at'),
    ]);
  });
  const hasKnown = source.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'known_answers'").get() !== undefined;
  type Known = {
    id: number; kind: string; namespace: string; question: string; question_key: string; vector: Buffer; answer: string; document_id: number | null;
    span_start: number | null; span_end: number | null; generation: string | null; created_ms: number; expires_ms: number | null; used_ms: number; hits: number;
  };
  const knownAnswers = !hasKnown ? 0 : await inBatches<Known>(source, 'SELECT * FROM known_answers ORDER BY id', async (rows) => {
    await q.query(
      `INSERT INTO known_answers (id, kind, namespace, question, question_key, vector, answer, document_id, span_start, span_end, generation, created_ms, expires_ms, used_ms, hits)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::text[], $8::bigint[], $9::int[], $10::int[], $11::jsonb[],
         $12::bigint[], $13::bigint[], $14::bigint[], $15::int[])`,
      [column(rows, 'id'), column(rows, 'kind'), column(rows, 'namespace'), column(rows, 'question'), column(rows, 'question_key'), column(rows, 'vector'),
        column(rows, 'answer'), column(rows, 'document_id'), column(rows, 'span_start'), column(rows, 'span_end'), column(rows, 'generation'),
        column(rows, 'created_ms'), column(rows, 'expires_ms'), column(rows, 'used_ms'), column(rows, 'hits')],
    );
  });
  if (hasKnown) {
    type Citation = { answer_id: number; ordinal: number; chunk_id: number; chunk_hash: string };
    await inBatches<Citation>(source, 'SELECT answer_id, ordinal, chunk_id, chunk_hash FROM known_citations', async (rows) => {
      await q.query('INSERT INTO known_citations (answer_id, ordinal, chunk_id, chunk_hash) SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[])', [
        column(rows, 'answer_id'), column(rows, 'ordinal'), column(rows, 'chunk_id'), column(rows, 'chunk_hash'),
      ]);
    });
    await q.query("SELECT setval(pg_get_serial_sequence('known_answers', 'id'), GREATEST((SELECT MAX(id) FROM known_answers), 1))");
  }
  // Every document is one change, so replicas copy all of them; the sequences go past the copied ids.
  await q.query('INSERT INTO document_changes (document_id, generation) SELECT id, row_number() OVER (ORDER BY id) FROM documents');
  await q.query('UPDATE knowledge_state SET generation = (SELECT COUNT(*) FROM documents) WHERE id = 1');
  await q.query("SELECT setval(pg_get_serial_sequence('documents', 'id'), GREATEST((SELECT MAX(id) FROM documents), 1))");
  await q.query("SELECT setval(pg_get_serial_sequence('chunks', 'id'), GREATEST((SELECT MAX(id) FROM chunks), 1))");
  await notifyIn(q, schema, CHANGES_TOPIC, String(documents));
  return { documents, chunks, references, files, knownAnswers };
}
