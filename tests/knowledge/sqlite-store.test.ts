import Database from 'better-sqlite3';
import path from 'node:path';
import { STORE_MIGRATIONS } from '../../src/knowledge/sqlite/schema';
import { ftsQuery, queryTerms } from '../../src/knowledge/sqlite/lexical-query';
import { SobreStore } from '../../src/knowledge/sqlite/store';
import { migrate } from '../../src/sqlite/migrate';
import { SobreError } from '../../src/errors';
import { stem } from '../../src/text/tokens';
import { makeTempDir, removeDir } from '../helpers/temp';

const vec = (x: number) => Float32Array.from([x, 1 - x, 0.5]);

function chunk(ordinal: number, hash: string, text: string, start = 0) {
  return { ordinal, hash, text, start, end: start + text.length };
}

/** The SQLite store behind the knowledge (private to knowledge/sqlite): what the contract cannot see. */
describe('SobreStore', () => {
  let dir: string;
  let store: SobreStore;
  beforeEach(() => {
    dir = makeTempDir();
    store = SobreStore.open(dir);
  });
  afterEach(() => {
    store.close();
    removeDir(dir);
  });

  const doc = (source: string, contentHash = 'h1') => ({ source, name: source, title: source, format: 'md', contentHash, size: 10 });

  it('runs in WAL mode with a schema version', () => {
    const db = new Database(path.join(dir, 'sobre.db'), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare("SELECT version FROM schema_versions WHERE component = 'store'").pluck().get()).toBeGreaterThanOrEqual(2);
    } finally {
      db.close();
    }
  });

  it('stores identical chunks once and shares them between documents', () => {
    const a = store.replaceDocument(doc('a'), [chunk(0, 'x', 'shared text'), chunk(1, 'y', 'only in a', 12)], new Map([['x', vec(0.1)], ['y', vec(0.2)]]));
    const b = store.replaceDocument(doc('b'), [chunk(0, 'x', 'shared text')], new Map());
    expect(a.addedChunks.map((c) => c.id)).toHaveLength(2);
    expect(b.addedChunks).toHaveLength(0);
    expect(store.stats()).toEqual({ documents: 2, chunks: 2, references: 3 });
  });

  it('replacing a document removes the chunks nobody else uses', () => {
    store.replaceDocument(doc('a'), [chunk(0, 'x', 'shared text'), chunk(1, 'y', 'only in a')], new Map([['x', vec(0.1)], ['y', vec(0.2)]]));
    store.replaceDocument(doc('b'), [chunk(0, 'x', 'shared text')], new Map());
    const r = store.replaceDocument(doc('a', 'h2'), [chunk(0, 'z', 'new text')], new Map([['z', vec(0.3)]]));
    expect(r.created).toBe(false);
    expect(r.removedChunkIds).toHaveLength(1);
    expect(store.stats()).toEqual({ documents: 2, chunks: 2, references: 2 });
    expect(store.findDocument('a')?.contentHash).toBe('h2');
  });

  it('deletes a document and its orphan chunks, and bumps the generation on every change', () => {
    const g0 = store.generation;
    const a = store.replaceDocument(doc('a'), [chunk(0, 'x', 'text')], new Map([['x', vec(0.1)]]));
    expect(store.generation).toBe(g0 + 1);
    expect(store.deleteDocument(a.documentId)).toEqual({ source: 'a', removedChunkIds: [a.addedChunks[0].id], generation: g0 + 2 });
    expect(store.generation).toBe(g0 + 2);
    expect(store.stats().chunks).toBe(0);
    expect(() => store.deleteDocument(a.documentId)).toThrow(SobreError);
  });

  it('rolls back a document whose new chunk has no vector: nothing half-done', () => {
    expect(() => store.replaceDocument(doc('a'), [chunk(0, 'x', 'text')], new Map())).toThrow(/No vector/);
    expect(store.stats()).toEqual({ documents: 0, chunks: 0, references: 0 });
  });

  it('keeps vectors exactly', () => {
    const r = store.replaceDocument(doc('a'), [chunk(0, 'x', 'text')], new Map([['x', vec(0.25)]]));
    expect(Array.from(store.vector(r.addedChunks[0].id) ?? [])).toEqual(Array.from(vec(0.25)));
  });

  it('matches French words without their accents (FTS5 remove_diacritics)', () => {
    store.replaceDocument(doc('fr'), [chunk(0, 'x', 'La consommation électrique des centres de données augmente.')], new Map([['x', vec(0.1)]]));
    expect(store.lexicalSearch('"electrique"', 5)).toHaveLength(1);
    expect(store.lexicalSearch('"donnees"', 5)).toHaveLength(1);
    expect(store.lexicalSearch('"absent"', 5)).toHaveLength(0);
    // Porter stemming: "augmenter" finds "augmente", "consommations" finds "consommation".
    expect(store.lexicalSearch('"consommations"', 5)).toHaveLength(1);
  });

  it('scores given chunks in the same pass as the search, as a search that found them would', () => {
    const texts = ['solar panels make electricity', 'solar heat for water', 'panels of wood', 'rivers and lakes', 'solar solar solar wind'];
    const r = store.replaceDocument(doc('a'), texts.map((t, i) => chunk(i, `h${i}`, t)), new Map(texts.map((_, i) => [`h${i}`, vec(i / 10)])));
    const ids = r.addedChunks.map((c) => c.id);
    const query = '"solar" OR "panels"';
    const all = store.lexicalSearch(query, 10);
    const { top, scores } = store.lexicalSearchAndScore(query, 2, [ids[2], ids[3], ids[4]]);
    expect(top).toEqual(all.slice(0, 2));
    expect(scores.get(ids[2])).toBe(all.find((h) => h.chunkId === ids[2])?.bm25);
    expect(scores.get(ids[4])).toBe(all.find((h) => h.chunkId === ids[4])?.bm25);
    expect(scores.has(ids[3])).toBe(false); // does not match
    expect(scores.get(ids[2])).toBeGreaterThan(0);
  });

  it('gives rarer terms a higher IDF', () => {
    store.replaceDocument(doc('a'), [chunk(0, 'x', 'energy saved'), chunk(1, 'y', 'energy used'), chunk(2, 'z', 'water')], new Map([['x', vec(0.1)], ['y', vec(0.2)], ['z', vec(0.3)]]));
    const [energy, water, unknown] = ['energy', 'water', 'unknown'].map((w) => stem(w));
    const idf = store.idf([energy, water, unknown]);
    expect(idf.get(water)).toBeGreaterThan(idf.get(energy) ?? Infinity);
    expect(idf.get(unknown)).toBeGreaterThan(idf.get(water) ?? Infinity);
  });

  it('refuses vectors from another embedder', () => {
    store.bindEmbedder('use-lite@0.2.0', 512);
    expect(() => store.bindEmbedder('use-lite@0.2.0', 512)).not.toThrow();
    expect(() => store.bindEmbedder('transformers:x', 384)).toThrow(/holds vectors from use-lite/);
  });

  it('fills the French index and each chunk\'s language when it opens a data folder from before them', () => {
    const old = makeTempDir();
    try {
      const db = new Database(path.join(old, 'sobre.db'));
      const frenchStep = STORE_MIGRATIONS.findIndex((step) => step.toString().includes('chunks_fts_fr'));
      migrate(db, 'store', STORE_MIGRATIONS.slice(0, frenchStep));
      db.prepare('INSERT INTO chunks (hash, title, text, vector) VALUES (?, ?, ?, ?)').run('c', 'Camargue', 'Les chevaux sauvages galopent dans les marais.', Buffer.alloc(12));
      db.close();
      const reopened = SobreStore.open(old);
      try {
        expect(reopened.languages()).toEqual({ fr: 1 });
        expect(reopened.lexicalSearch(ftsQuery(queryTerms('Où galope le cheval ?', 'fr')), 5, 'fr').map((h) => h.chunkId)).toHaveLength(1);
      } finally {
        reopened.close();
      }
    } finally {
      removeDir(old);
    }
  });
});
