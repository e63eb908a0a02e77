import path from 'node:path';
import type { Migration } from '../../sqlite/migrate';
import { chunkLanguage, frenchIndexText } from './lexical';

/**
 * The store's schema. Chunks carry the title of the first document that contains them, indexed
 * by FTS5 beside the text: questions often name the document's subject, which a chunk omits.
 * Chunks are stored once per distinct text (`hash` unique) with their
 * vector, so the HNSW index can always be rebuilt from here; `document_chunks` places each
 * chunk in each document that contains it, with its character offsets.
 */
export const STORE_MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE documents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        format TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hash TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        vector BLOB NOT NULL
      );
      CREATE TABLE document_chunks (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        chunk_id INTEGER NOT NULL REFERENCES chunks(id),
        start_offset INTEGER NOT NULL,
        end_offset INTEGER NOT NULL,
        PRIMARY KEY (document_id, ordinal)
      );
      CREATE INDEX document_chunks_by_chunk ON document_chunks(chunk_id);
      CREATE VIRTUAL TABLE chunks_fts USING fts5(
        title, text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
      END;
      CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
      END;
      INSERT INTO meta (key, value) VALUES ('generation', '0');
    `);
  },
  // Term statistics for IDF weighting in the router.
  (db) => {
    db.exec("CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, 'row')");
  },
  // Raw bytes' hash of each file fully ingested, so an unchanged file is not even parsed again.
  (db) => {
    db.exec('CREATE TABLE files (path TEXT PRIMARY KEY, raw_hash TEXT NOT NULL, documents INTEGER NOT NULL, checked_at TEXT NOT NULL)');
  },
  // Known questions with their answers (cache, FAQ, curated) and the chunks each cites. A FAQ
  // pair goes with its document; any entry goes, in the same transaction, with a chunk it cites.
  (db) => {
    db.exec(`
      CREATE TABLE known_answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('cache', 'faq', 'curated')),
        namespace TEXT NOT NULL,
        question TEXT NOT NULL,
        question_key TEXT NOT NULL,
        vector BLOB NOT NULL,
        answer TEXT NOT NULL,
        document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE,
        span_start INTEGER,
        span_end INTEGER,
        generation TEXT,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER,
        used_ms INTEGER NOT NULL,
        hits INTEGER NOT NULL DEFAULT 0
      );
      CREATE UNIQUE INDEX known_answers_key ON known_answers (kind, namespace, question_key) WHERE kind <> 'faq';
      CREATE INDEX known_answers_document ON known_answers (document_id);
      CREATE INDEX known_answers_used ON known_answers (kind, used_ms);
      CREATE INDEX known_answers_expiry ON known_answers (expires_ms) WHERE expires_ms IS NOT NULL;
      CREATE TABLE known_citations (
        answer_id INTEGER NOT NULL REFERENCES known_answers(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        chunk_id INTEGER NOT NULL,
        chunk_hash TEXT NOT NULL,
        PRIMARY KEY (answer_id, ordinal)
      );
      CREATE INDEX known_citations_chunk ON known_citations (chunk_id);
      CREATE TRIGGER chunks_drop_known AFTER DELETE ON chunks BEGIN
        DELETE FROM known_answers WHERE id IN (SELECT answer_id FROM known_citations WHERE chunk_id = old.id);
      END;
      CREATE TRIGGER known_answers_changed_insert AFTER INSERT ON known_answers BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'known_generation';
      END;
      CREATE TRIGGER known_answers_changed_delete AFTER DELETE ON known_answers BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'known_generation';
      END;
      INSERT INTO meta (key, value) VALUES ('known_generation', '0');
    `);
  },
  // The name clients see (relative to the ingested folder); rows from before it get their file's name.
  (db) => {
    db.exec("ALTER TABLE documents ADD COLUMN name TEXT NOT NULL DEFAULT ''");
    const rows = db.prepare('SELECT id, source FROM documents').all() as { id: number; source: string }[];
    const set = db.prepare('UPDATE documents SET name = ? WHERE id = ?');
    for (const r of rows) set.run(path.basename(r.source), r.id);
  },
  // Each chunk's language, and a second lexical index for French questions: the same title and
  // text stemmed by Snowball's French stemmer in JS (FTS5 has none), with its own vocabulary for
  // IDF. Contentless: it holds only the index. English questions still use chunks_fts unchanged.
  // Existing chunks are filled from their stored text.
  (db) => {
    db.exec(`
      ALTER TABLE chunks ADD COLUMN language TEXT NOT NULL DEFAULT 'other';
      CREATE VIRTUAL TABLE chunks_fts_fr USING fts5(
        title, text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
      );
      CREATE VIRTUAL TABLE chunks_vocab_fr USING fts5vocab(chunks_fts_fr, 'row');
      CREATE TRIGGER chunks_fts_fr_delete AFTER DELETE ON chunks BEGIN
        DELETE FROM chunks_fts_fr WHERE rowid = old.id;
      END;
    `);
    const page = db.prepare('SELECT id, title, text FROM chunks WHERE id > ? ORDER BY id LIMIT 500');
    const setLanguage = db.prepare('UPDATE chunks SET language = ? WHERE id = ?');
    const index = db.prepare('INSERT INTO chunks_fts_fr (rowid, title, text) VALUES (?, ?, ?)');
    for (let after = 0; ;) {
      const rows = page.all(after) as { id: number; title: string; text: string }[];
      if (rows.length === 0) break;
      for (const c of rows) {
        setLanguage.run(chunkLanguage(c.text), c.id);
        index.run(c.id, frenchIndexText(c.title), frenchIndexText(c.text));
      }
      after = rows[rows.length - 1].id;
    }
  },
  // The write lease (write-lease.ts): at most one row, the process allowed to write.
  (db) => {
    db.exec(`
      CREATE TABLE write_lease (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        token TEXT NOT NULL,
        holder TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        expires_ms INTEGER NOT NULL
      );
    `);
  },
];
