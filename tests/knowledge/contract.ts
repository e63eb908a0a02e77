/**
 * The behaviour every `Knowledge` implementation must show (in the style of Haystack's document
 * store test mixins): each implementation's test file calls `knowledgeContract` with a factory.
 * `open(location)` opens the knowledge at a location; two opens of the same location are two
 * processes (or instances) sharing it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SobreError } from '../../src/errors';
import type { KnowledgeConfig } from '../../src/knowledge';
import type { ChunkInput, DocumentInput, Knowledge, KnownAnswerInput, LeaseHolder } from '../../src/knowledge/types';
import { stem } from '../../src/text/tokens';
import { HashEmbedder } from '../helpers/hash-embedder';
import { buildServer, REPO } from '../server/process-helpers';

export interface ContractSubject {
  /** A fresh, empty location (a folder, a database). */
  location(): Promise<string>;
  open(location: string, embedder: { id: string; dimension: number }): Promise<Knowledge>;
  /** How another process opens the knowledge at `location` (`openKnowledge`'s settings). */
  config(location: string): KnowledgeConfig;
  dispose(location: string): Promise<void>;
}

const embedder = new HashEmbedder(64);

async function chunksOf(texts: readonly string[], start = 0): Promise<{ chunks: ChunkInput[]; vectors: Map<string, Float32Array> }> {
  const vectors = await embedder.embed(texts);
  const chunks: ChunkInput[] = [];
  const byHash = new Map<string, Float32Array>();
  let at = start;
  texts.forEach((text, i) => {
    const hash = `h:${text}`;
    chunks.push({ ordinal: i, hash, text, start: at, end: at + text.length });
    byHash.set(hash, vectors[i]);
    at += text.length + 1;
  });
  return { chunks, vectors: byHash };
}

function doc(source: string, contentHash = `c:${source}`, title = source): DocumentInput {
  return { source, name: `name of ${source}`, title, format: 'md', contentHash, size: 100 };
}

async function commit(k: Knowledge, source: string, texts: readonly string[], contentHash?: string) {
  const { chunks, vectors } = await chunksOf(texts);
  return k.commitDocument(doc(source, contentHash), chunks, vectors);
}

async function search(k: Knowledge, text: string, n = 10) {
  const [vector] = await embedder.embed([text]);
  return k.candidates({ text, vector }, n);
}

/** Another process (the compiled code) that takes the write lease and says so on stdout. */
function leaseHolderProcess(config: KnowledgeConfig): Promise<ChildProcess> {
  const code = `
    const { openKnowledge } = require(${JSON.stringify(path.join(REPO, 'dist/src/knowledge/index.js'))});
    openKnowledge(JSON.parse(process.argv[1]), JSON.parse(process.argv[2]))
      .then((k) => k.writeLease({ holder: 'lease test child' }))
      .then(() => { process.stdout.write('held\\n'); setInterval(() => {}, 1000); });`;
  const child = spawn(process.execPath, ['-e', code, JSON.stringify(config), JSON.stringify({ id: embedder.id, dimension: embedder.dimension })], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('held')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`the lease holder exited with ${code}`)));
  });
}

/** Whether `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void p.then(() => (settled = true), () => (settled = true));
  await new Promise((r) => setTimeout(r, ms));
  return settled;
}

export function knowledgeContract(name: string, subject: ContractSubject): void {
  describe(`Knowledge contract: ${name}`, () => {
    let location: string;
    let k: Knowledge;
    const opened: Knowledge[] = [];
    const open = async () => {
      const o = await subject.open(location, embedder);
      opened.push(o);
      return o;
    };

    beforeEach(async () => {
      location = await subject.location();
      k = await open();
    });
    afterEach(async () => {
      for (const o of opened.splice(0)) await o.close();
      await subject.dispose(location);
    });

    test('a committed document is found by both retrievers, each candidate scored on both signals', async () => {
      const r = await commit(k, '/docs/solar.md', ['Solar panels convert sunlight into electricity.', 'Wind turbines spin in the breeze.']);
      expect(r).toMatchObject({ created: true, chunksAdded: 2, chunksRemoved: 0 });
      const found = await search(k, 'sunlight electricity');
      const top = [...found].sort((a, b) => b.bm25 - a.bm25)[0];
      expect(top.bm25).toBeGreaterThan(0);
      expect(top.lexicalRank).toBe(1);
      expect(top.denseRank).not.toBeNull();
      expect(top.cosine).toBeGreaterThan(0);
      const other = found.find((c) => c.chunkId !== top.chunkId);
      expect(other?.bm25).toBe(0); // found densely only: its BM25 is looked up, and is 0
      const [p] = await k.passages([top.chunkId]);
      expect(p).toMatchObject({ chunkId: top.chunkId, documentId: r.documentId, source: '/docs/solar.md', name: 'name of /docs/solar.md', title: '/docs/solar.md', start: 0 });
      expect(p.text).toBe('Solar panels convert sunlight into electricity.');
      expect(p.end).toBe(p.text.length);
    });

    test('a search given a timings object says where its time went', async () => {
      await commit(k, '/docs/a.md', ['alpha one', 'beta two']);
      const [vector] = await embedder.embed(['alpha']);
      const timings = { lexicalMs: Number.NaN, denseMs: Number.NaN };
      const found = await k.candidates({ text: 'alpha', vector }, 5, timings);
      expect(found.length).toBeGreaterThan(0);
      expect(timings.lexicalMs).toBeGreaterThanOrEqual(0);
      expect(timings.denseMs).toBeGreaterThanOrEqual(0);
    });

    test('passages keep the order asked and skip unknown ids', async () => {
      await commit(k, '/docs/a.md', ['alpha one', 'beta two', 'gamma three']);
      const ids = (await search(k, 'alpha beta gamma')).map((c) => c.chunkId).sort((a, b) => b - a);
      const got = await k.passages([ids[0], 987654, ids[2], ids[1]]);
      expect(got.map((p) => p.chunkId)).toEqual([ids[0], ids[2], ids[1]]);
    });

    test('identical chunk texts are stored once, shared, and removed only with their last document', async () => {
      await commit(k, '/docs/a.md', ['shared passage about rivers', 'only in a']);
      expect(await k.knownChunkHashes(['h:shared passage about rivers', 'h:never seen'])).toEqual(new Set(['h:shared passage about rivers']));
      const b = await commit(k, '/docs/b.md', ['shared passage about rivers']);
      expect(b.chunksAdded).toBe(0);
      expect(await k.stats()).toMatchObject({ documents: 2, chunks: 2, references: 3, indexVectors: 2 });
      const a = await k.findDocument('/docs/a.md');
      expect(await k.deleteDocument(a!.id)).toEqual({ documentId: a!.id, source: '/docs/a.md', chunksRemoved: 1 });
      expect((await search(k, 'rivers')).filter((c) => c.bm25 > 0)).toHaveLength(1);
      expect(await k.deleteDocument(b.documentId)).toMatchObject({ chunksRemoved: 1 });
      expect(await search(k, 'rivers')).toEqual([]);
      expect(await k.check()).toEqual({ consistent: true, storeChunks: 0, indexVectors: 0 });
    });

    test('replacing a document swaps its chunks in every index', async () => {
      await commit(k, '/docs/a.md', ['old text about trains', 'kept sentence'], 'v1');
      const r = await commit(k, '/docs/a.md', ['new text about heat pumps', 'kept sentence'], 'v2');
      expect(r).toMatchObject({ created: false, chunksAdded: 1, chunksRemoved: 1 });
      expect((await search(k, 'trains')).filter((c) => c.bm25 > 0)).toEqual([]);
      const dense = await search(k, 'old text about trains', 10);
      const texts = (await k.passages(dense.map((c) => c.chunkId))).map((p) => p.text);
      expect(texts).not.toContain('old text about trains');
      expect((await k.findDocument('/docs/a.md'))?.contentHash).toBe('v2');
      expect(await k.listDocuments()).toHaveLength(1);
      expect((await k.check()).consistent).toBe(true);
    });

    test('a commit missing a new chunk vector changes nothing', async () => {
      const { chunks } = await chunksOf(['no vector given']);
      await expect(k.commitDocument(doc('/docs/x.md'), chunks, new Map())).rejects.toThrow(/vector/i);
      expect(await k.stats()).toMatchObject({ documents: 0, chunks: 0, indexVectors: 0 });
    });

    test('deleting an unknown document is not_found', async () => {
      await expect(k.deleteDocument(424242)).rejects.toMatchObject({ code: 'not_found' });
      await expect(k.deleteDocument(424242)).rejects.toBeInstanceOf(SobreError);
    });

    test('documents by source, id, file (JSON Lines records are file#id) and in order', async () => {
      await commit(k, '/docs/lines.jsonl#1', ['first record']);
      await commit(k, '/docs/lines.jsonl#2', ['second record']);
      await commit(k, '/docs/lines.jsonl.bak', ['not a record of it']);
      const all = await k.listDocuments();
      expect(all.map((d) => d.source)).toEqual(['/docs/lines.jsonl#1', '/docs/lines.jsonl#2', '/docs/lines.jsonl.bak']);
      expect(all[0]).toMatchObject({ title: '/docs/lines.jsonl#1', name: 'name of /docs/lines.jsonl#1', format: 'md', chunks: 1, size: 100 });
      expect(Date.parse(all[0].createdAt)).not.toBeNaN();
      expect((await k.getDocument(all[1].id))?.source).toBe('/docs/lines.jsonl#2');
      expect(await k.getDocument(999999)).toBeUndefined();
      expect((await k.documentsOfFile('/docs/lines.jsonl')).map((d) => d.source)).toEqual(['/docs/lines.jsonl#1', '/docs/lines.jsonl#2']);
    });

    test('a file is unchanged only with the same raw bytes and all its documents still there', async () => {
      await commit(k, '/docs/lines.jsonl#1', ['first record']);
      await commit(k, '/docs/lines.jsonl#2', ['second record']);
      expect(await k.unchangedFile('/docs/lines.jsonl', 'raw1')).toBeUndefined();
      await k.recordFile('/docs/lines.jsonl', 'raw1', 2);
      expect(await k.unchangedFile('/docs/lines.jsonl', 'raw1')).toHaveLength(2);
      expect(await k.unchangedFile('/docs/lines.jsonl', 'raw2')).toBeUndefined();
      await k.deleteDocument((await k.findDocument('/docs/lines.jsonl#2'))!.id);
      expect(await k.unchangedFile('/docs/lines.jsonl', 'raw1')).toBeUndefined();
    });

    test('rarer terms weigh more; a term the corpus never has weighs most', async () => {
      await commit(k, '/docs/a.md', ['energy saved', 'energy used', 'water']);
      const [energy, water, unknown] = ['energy', 'water', 'unknown'].map((w) => stem(w));
      const idf = await k.idf([energy, water, unknown]);
      expect(idf.get(water)).toBeGreaterThan(idf.get(energy) ?? Infinity);
      expect(idf.get(unknown)).toBeGreaterThan(idf.get(water) ?? Infinity);
    });

    test('what one instance commits, another sees (refresh, or its next search), without re-embedding', async () => {
      const other = await open();
      await commit(k, '/docs/a.md', ['alpha text here']);
      expect(await other.refresh()).toMatchObject({ added: 1, removed: 0 });
      expect((await other.check()).consistent).toBe(true);
      expect(await other.refresh()).toBeNull();
      await commit(k, '/docs/b.md', ['beta text there']);
      expect((await search(other, 'beta')).filter((c) => c.bm25 > 0)).toHaveLength(1);
      await other.deleteDocument((await other.findDocument('/docs/a.md'))!.id);
      expect((await search(k, 'alpha')).filter((c) => c.bm25 > 0)).toEqual([]);
      expect((await k.check()).consistent).toBe(true);
    });

    test('data survives closing and reopening; close is idempotent', async () => {
      await commit(k, '/docs/a.md', ['persistent words']);
      await k.close();
      await k.close();
      const again = await open();
      expect(again.opened).toMatchObject({ added: 0, removed: 0 });
      expect((await search(again, 'persistent')).filter((c) => c.bm25 > 0)).toHaveLength(1);
      expect(await again.check()).toEqual({ consistent: true, storeChunks: 1, indexVectors: 1 });
    });

    test('an instance that stopped without flushing is repaired from stored vectors on the next open', async () => {
      await commit(k, '/docs/a.md', ['alpha text here']);
      await k.flush();
      await commit(k, '/docs/b.md', ['beta text there']); // committed, never flushed: as after kill -9
      const before = embedder.embedded;
      const next = await open();
      expect(await next.check()).toEqual({ consistent: true, storeChunks: 2, indexVectors: 2 });
      expect(embedder.embedded).toBe(before);
    });

    test('a French question is matched by French stems ("cheval" finds "chevaux"), and chunks are counted by language', async () => {
      const r = await commit(k, '/docs/camargue.md', ['Les chevaux sauvages galopent dans les marais de Camargue.', 'The wild horses of the Camargue run in the marshes.']);
      const [vector] = await embedder.embed(['cheval']);
      const matched = async (language: 'en' | 'fr') => (await k.candidates({ text: 'Où vit le cheval ?', vector, language }, 10)).filter((c) => c.bm25 > 0);
      const french = await matched('fr');
      expect(french).toHaveLength(1);
      expect((await k.passages([french[0].chunkId]))[0].text).toContain('chevaux');
      // The English index stems with Porter, which leaves "chevaux" and "cheval" apart.
      expect(await matched('en')).toHaveLength(0);
      expect(await k.languages()).toEqual({ fr: 1, en: 1 });
      const idf = await k.idf([stem('chevaux', 'fr'), stem('inconnus', 'fr')], 'fr');
      expect(idf.get(stem('chevaux', 'fr'))).toBeLessThan(idf.get(stem('inconnus', 'fr'))!);
      await k.deleteDocument(r.documentId);
      expect(await matched('fr')).toHaveLength(0);
      expect(await k.languages()).toEqual({});
    });

    describe('known answers', () => {
      const vec = async (text: string) => (await embedder.embed([text]))[0];
      const chunkOf = async (text: string) => (await search(k, text)).sort((a, b) => b.bm25 - a.bm25)[0].chunkId;
      const put = async (question: string, citedChunkIds: number[], over: Partial<KnownAnswerInput> = {}) =>
        k.known.put({ kind: 'cache', namespace: 'alice', question, vector: await vec(question), answer: `answer to ${question}`, citedChunkIds, ...over });

      test('a cached answer is found near its question, in its namespace only, with its citations', async () => {
        await commit(k, '/docs/a.md', ['Owls hunt at night in the forest.', 'Bats sleep by day.']);
        const owls = await chunkOf('owls hunt');
        const e = await put('When do owls hunt?', [owls], { generation: { generator: 'openai', model: 'm', promptVersion: 'p1', promptTokens: 300, completionTokens: 40 } });
        expect(e).toMatchObject({ kind: 'cache', namespace: 'alice', hits: 0, generation: { completionTokens: 40 } });
        expect(e.citations.map((c) => c.text)).toEqual(['Owls hunt at night in the forest.']);
        const near = await k.known.nearest(await vec('When do owls hunt?'), ['alice', ''], 3);
        expect(near[0]).toMatchObject({ id: e.id, kind: 'cache', text: 'When do owls hunt?' });
        expect(near[0].vector).toHaveLength(64);
        expect(await k.known.nearest(await vec('When do owls hunt?'), ['bob', ''], 3)).toEqual([]);
        await k.known.touch(e.id);
        expect((await k.known.get(e.id))?.hits).toBe(1);
      });

      test('the same question again replaces its entry; a gone chunk is refused', async () => {
        await commit(k, '/docs/a.md', ['Owls hunt at night in the forest.']);
        const owls = await chunkOf('owls');
        const first = await put('When do owls hunt?', [owls]);
        const second = await put('when do OWLS hunt', [owls], { answer: 'At night.' });
        expect(await k.known.get(first.id)).toBeUndefined();
        expect((await k.known.get(second.id))?.answer).toBe('At night.');
        expect(await k.known.count({ kind: 'cache' })).toBe(1);
        await expect(put('Where?', [987654])).rejects.toMatchObject({ code: 'not_found' });
      });

      test('an entry goes in the same step as a chunk it cites, for every instance', async () => {
        await commit(k, '/docs/a.md', ['Owls hunt at night in the forest.', 'Bats sleep by day.'], 'v1');
        const e = await put('When do owls hunt?', [await chunkOf('owls')]);
        const other = await open();
        expect(await other.known.get(e.id)).toBeDefined();
        await commit(k, '/docs/a.md', ['Owls hunt at dawn now.', 'Bats sleep by day.'], 'v2');
        expect(await k.known.get(e.id)).toBeUndefined();
        expect(await other.known.get(e.id)).toBeUndefined();
        expect(await k.known.nearest(await vec('When do owls hunt?'), ['alice'], 3)).toEqual([]);
        expect(await other.known.nearest(await vec('When do owls hunt?'), ['alice'], 3)).toEqual([]);
      });

      test('FAQ pairs come and go with their document; removing cache entries leaves them', async () => {
        const text = ['Which port does it use?', 'It listens on port 3000 by default.'];
        const { chunks, vectors } = await chunksOf(text);
        const faq = [{ question: text[0], vector: await vec(text[0]), answer: text[1], answerStart: chunks[1].start, answerEnd: chunks[1].end }];
        const d = await k.commitDocument(doc('/docs/faq.html'), chunks, vectors, faq);
        const [hit] = await k.known.nearest(await vec('Which port does it use?'), [''], 1);
        const entry = await k.known.get(hit.id);
        expect(entry).toMatchObject({ kind: 'faq', namespace: '', answer: text[1], span: { documentId: d.documentId, start: chunks[1].start, end: chunks[1].end } });
        expect(entry?.citations[0].text).toBe(text[1]);
        expect(await k.known.remove({})).toBe(0);
        expect(await k.known.count({ kind: 'faq' })).toBe(1);
        await k.commitDocument(doc('/docs/faq.html', 'v2'), chunks, vectors, []);
        expect(await k.known.count({ kind: 'faq' })).toBe(0);
        await k.commitDocument(doc('/docs/faq.html', 'v3'), chunks, vectors, faq);
        expect(await k.known.count({ kind: 'faq' })).toBe(1);
        await k.deleteDocument(d.documentId);
        expect(await k.known.count({})).toBe(0);
      });

      test('expired entries are never returned; prune drops them, then the least recently used beyond the bound', async () => {
        await commit(k, '/docs/a.md', ['Owls hunt at night.']);
        const owls = await chunkOf('owls');
        const old = await put('Expired question?', [owls], { expiresAt: new Date(Date.now() - 1000) });
        expect(await k.known.get(old.id)).toBeUndefined();
        expect(await k.known.nearest(await vec('Expired question?'), ['alice'], 5)).toEqual([]);
        const a = await put('First question?', [owls]);
        const b = await put('Second question?', [owls]);
        const c = await put('Third question?', [owls]);
        await k.known.touch(a.id); // b is now the least recently used
        expect(await k.known.prune(2)).toBe(2); // the expired one, then b
        expect(await k.known.get(b.id)).toBeUndefined();
        expect(await k.known.get(a.id)).toBeDefined();
        expect(await k.known.get(c.id)).toBeDefined();
        expect((await k.known.list({ namespace: 'alice' }, { limit: 10, offset: 0 })).map((e) => e.question)).toEqual(['First question?', 'Third question?']);
      });

      test('curated answers are kept apart from the cache and removed by kind or id', async () => {
        await commit(k, '/docs/a.md', ['Owls hunt at night.']);
        const owls = await chunkOf('owls');
        await put('Cached?', [owls]);
        const pin = await put('Pinned?', [], { kind: 'curated', namespace: '' });
        expect(pin.citations).toEqual([]);
        expect(await k.known.remove({ kind: 'cache' })).toBe(1);
        expect(await k.known.count({})).toBe(1);
        expect(await k.known.remove({ id: pin.id })).toBe(1);
      });
    });

    describe('write lease', () => {
      beforeAll(() => buildServer(), 120_000);

      test('a second holder waits, told who holds it, until the first releases', async () => {
        const release = await k.writeLease({ holder: 'first writer' });
        const other = await open();
        const told: LeaseHolder[] = [];
        const second = other.writeLease({ holder: 'second writer', onWait: (h) => told.push(h) });
        expect(await settlesWithin(second, 400)).toBe(false);
        expect(told).toHaveLength(1);
        expect(told[0].description).toContain(`first writer pid ${process.pid}`);
        await release();
        await release(); // idempotent
        const releaseSecond = await second;
        const third = k.writeLease();
        expect(await settlesWithin(third, 300)).toBe(false);
        await releaseSecond();
        await (await third)();
      });

      test('a waiter that gives up is refused with cancelled, and takes nothing', async () => {
        const release = await k.writeLease();
        const other = await open();
        const controller = new AbortController();
        const waiting = other.writeLease({ signal: controller.signal });
        setTimeout(() => controller.abort(), 200);
        await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
        await release();
        await (await other.writeLease())();
        const gaveUp = new AbortController();
        gaveUp.abort();
        await expect(other.writeLease({ signal: gaveUp.signal })).rejects.toMatchObject({ code: 'cancelled' });
      });

      test('a holder killed with -9 frees the lease at once', async () => {
        const child = await leaseHolderProcess(subject.config(location));
        try {
          const told: LeaseHolder[] = [];
          const taking = k.writeLease({ onWait: (h) => told.push(h) });
          expect(await settlesWithin(taking, 300)).toBe(false);
          expect(told[0]?.description).toContain(`lease test child pid ${child.pid}`);
          child.kill('SIGKILL');
          const started = Date.now();
          await (await taking)();
          expect(Date.now() - started).toBeLessThan(5000); // well before a lapse (30 s)
        } finally {
          child.kill('SIGKILL');
        }
      });
    });

    test('another embedder is refused, with what to do', async () => {
      await commit(k, '/docs/a.md', ['some text']);
      await expect(subject.open(location, { id: 'another-model', dimension: 64 })).rejects.toMatchObject({ code: 'embedder_mismatch' });
    });
  });
}
