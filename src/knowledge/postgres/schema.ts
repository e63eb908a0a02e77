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
  // Known answers (cache, FAQ, curated) and the chunks each cites, as in the SQLite store: a
  // FAQ pair goes with its document, any entry with a chunk it cites, in the same transaction.
  // Their own counter (not knowledge_state's row, which serialises document writers) tells each
  // instance when to bring its in-memory question index up to date.
  `
  CREATE TABLE known_state (id INTEGER PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL);
  INSERT INTO known_state (id, generation) VALUES (1, 0);
  CREATE TABLE known_answers (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('cache', 'faq', 'curated')),
    namespace TEXT NOT NULL,
    question TEXT NOT NULL,
    question_key TEXT NOT NULL,
    vector BYTEA NOT NULL,
    answer TEXT NOT NULL,
    document_id BIGINT REFERENCES documents(id) ON DELETE CASCADE,
    span_start INTEGER,
    span_end INTEGER,
    generation JSONB,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT,
    used_ms BIGINT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX known_answers_key ON known_answers (kind, namespace, question_key) WHERE kind <> 'faq';
  CREATE INDEX known_answers_document ON known_answers (document_id);
  CREATE INDEX known_answers_used ON known_answers (kind, used_ms);
  CREATE INDEX known_answers_expiry ON known_answers (expires_ms) WHERE expires_ms IS NOT NULL;
  CREATE TABLE known_citations (
    answer_id BIGINT NOT NULL REFERENCES known_answers(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    chunk_id BIGINT NOT NULL,
    chunk_hash TEXT NOT NULL,
    PRIMARY KEY (answer_id, ordinal)
  );
  CREATE INDEX known_citations_chunk ON known_citations (chunk_id);
  CREATE FUNCTION known_drop_for_chunk() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    DELETE FROM known_answers WHERE id IN (SELECT answer_id FROM known_citations WHERE chunk_id = OLD.id);
    RETURN OLD;
  END $$;
  CREATE TRIGGER chunks_drop_known AFTER DELETE ON chunks FOR EACH ROW EXECUTE FUNCTION known_drop_for_chunk();
  CREATE FUNCTION known_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE known_state SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
  END $$;
  CREATE TRIGGER known_answers_changed AFTER INSERT OR DELETE ON known_answers FOR EACH STATEMENT EXECUTE FUNCTION known_changed();
  `,
  // The name clients see (relative to the ingested folder); rows from before it get their file's name.
  `
  ALTER TABLE documents ADD COLUMN name TEXT NOT NULL DEFAULT '';
  UPDATE documents SET name = regexp_replace(source, '^.*/', '');
  `,
];
