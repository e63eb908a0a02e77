import type { PgMigration } from '../../postgres/migrate';

/**
 * The knowledge's tables in PostgreSQL: the same model as the SQLite store (documents,
 * deduplicated chunks with their vectors as float32 `bytea`, document_chunks, files), plus what
 * replicas need: `knowledge_state.generation`, bumped by every change (its row lock also
 * serialises writers, so generations are handed out in commit order), and `document_changes`,
 * the generation at which each document last changed (deleted ones stay as tombstones).
 */
export const KNOWLEDGE_MIGRATIONS: readonly PgMigration[] = [
  `
  CREATE TABLE knowledge_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL,
    knowledge_id TEXT NOT NULL,
    embedder_id TEXT,
    embedder_dimension INTEGER
  );
  INSERT INTO knowledge_state (id, generation, knowledge_id) VALUES (1, 0, gen_random_uuid()::text);
  CREATE TABLE documents (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    format TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE chunks (
    id BIGSERIAL PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    vector BYTEA NOT NULL
  );
  CREATE TABLE document_chunks (
    document_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    chunk_id BIGINT NOT NULL REFERENCES chunks(id),
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    PRIMARY KEY (document_id, ordinal)
  );
  CREATE INDEX document_chunks_by_chunk ON document_chunks(chunk_id);
  CREATE TABLE files (path TEXT PRIMARY KEY, raw_hash TEXT NOT NULL, documents INTEGER NOT NULL, checked_at TIMESTAMPTZ NOT NULL);
  CREATE TABLE document_changes (document_id BIGINT PRIMARY KEY, generation BIGINT NOT NULL UNIQUE);
  `,
];
