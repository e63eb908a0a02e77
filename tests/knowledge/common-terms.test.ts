/** Lexical queries leave out common terms (SOBRE_LEXICAL_COMMON_SHARE), over a real SQLite + FTS5 store. */
import { openKnowledge } from '../../src/knowledge';
import { withoutCommonTerms } from '../../src/knowledge/sqlite/lexical-query';
import type { ChunkInput, Knowledge } from '../../src/knowledge/types';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';

describe('withoutCommonTerms', () => {
  const df = new Map([['river', 400], ['heron', 3], ['water', 90]]);

  it('drops terms in more than the share of chunks, once they are in at least minChunks', () => {
    expect(withoutCommonTerms(['river', 'heron', 'water'], df, 1000, { share: 0.05, minChunks: 0 })).toEqual(['heron']);
    expect(withoutCommonTerms(['river', 'heron', 'water'], df, 1000, { share: 0.1, minChunks: 0 })).toEqual(['heron', 'water']);
    expect(withoutCommonTerms(['river', 'heron', 'water'], df, 1000, { share: 0.05, minChunks: 100 })).toEqual(['heron', 'water']);
    expect(withoutCommonTerms(['river', 'heron'], df, 1000, { share: 1, minChunks: 0 })).toEqual(['river', 'heron']);
  });

  it('keeps the rarest term when every term is common', () => {
    expect(withoutCommonTerms(['river', 'water'], df, 1000, { share: 0.01, minChunks: 0 })).toEqual(['water']);
    expect(withoutCommonTerms([], df, 1000, { share: 0.01, minChunks: 0 })).toEqual([]);
  });
});

describe('lexical search without common terms', () => {
  const embedder = new HashEmbedder(32);
  let dir: string;
  const opened: Knowledge[] = [];
  const open = async (share: number) => {
    const k = await openKnowledge({ dataDir: dir, hnswM: 16, hnswEfConstruction: 100, hnswEfSearch: 64, lexicalCommonShare: share, lexicalCommonMinChunks: 0 }, embedder);
    opened.push(k);
    return k;
  };
  const commit = async (k: Knowledge, source: string, texts: string[]) => {
    const vectors = new Map<string, Float32Array>();
    const chunks: ChunkInput[] = [];
    const embedded = await embedder.embed(texts);
    texts.forEach((text, i) => {
      chunks.push({ ordinal: i, hash: `h:${text}`, text, start: 0, end: text.length });
      vectors.set(`h:${text}`, embedded[i]);
    });
    await k.commitDocument({ source, name: source, title: 'notes', format: 'md', contentHash: `c:${source}:${texts.length}`, size: 1 }, chunks, vectors);
  };
  /** Chunk texts that matched the question lexically (bm25 > 0) among all candidates. */
  const lexicalMatches = async (k: Knowledge, question: string) => {
    const [vector] = await embedder.embed([question]);
    const found = await k.candidates({ text: question, vector }, 200);
    const texts = new Map((await k.passages(found.map((c) => c.chunkId))).map((p) => [p.chunkId, p.text]));
    return found.filter((c) => c.bm25 > 0).map((c) => texts.get(c.chunkId) as string).sort();
  };

  beforeEach(async () => {
    dir = makeTempDir();
    const k = await open(1);
    const rivers = Array.from({ length: 40 }, (_, i) => `The river number ${i} flows past reeds and stones.`);
    await commit(k, '/rivers.md', [...rivers, 'A grey heron waits by the river.', 'An otter swims at dusk.']);
  });
  afterEach(async () => {
    for (const k of opened.splice(0)) await k.close();
    removeDir(dir);
  });

  it('searches every term at share 1, and only the rare ones past the share', async () => {
    const every = await open(1);
    expect(await lexicalMatches(every, 'Where does the river heron wait?')).toHaveLength(41);
    const pruned = await open(0.05);
    expect(await lexicalMatches(pruned, 'Where does the river heron wait?')).toEqual(['A grey heron waits by the river.']);
    // A question of common terms only still searches its rarest: "flows" (40 chunks), not "river" (41).
    const flows = await lexicalMatches(pruned, 'Which river flows?');
    expect(flows).toHaveLength(40);
    expect(flows.every((t) => t.includes('flows'))).toBe(true);
    // "flows" is common too once stemmed ("flow", as FTS5 indexes it): the heron is what is left.
    expect(await lexicalMatches(pruned, 'Which heron flows?')).toEqual(['A grey heron waits by the river.']);
  });

  it('counts again after the store changes (another process committing included)', async () => {
    const pruned = await open(0.05);
    expect(await lexicalMatches(pruned, 'heron or otter?')).toEqual(['A grey heron waits by the river.', 'An otter swims at dusk.']);
    const writer = await open(1);
    await commit(writer, '/herons.md', Array.from({ length: 20 }, (_, i) => `Heron colony ${i} nests in tall trees.`));
    expect(await lexicalMatches(pruned, 'heron or otter?')).toEqual(['An otter swims at dusk.']);
  });
});
