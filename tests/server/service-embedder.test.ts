/** The service's embedder: same vectors, a cache for questions and sentences, and background ingestion that gives way. */
import type { Embedder, EmbedRole } from '../../src/embed/types';
import { inBackground, serviceEmbedder } from '../../src/server/service-embedder';
import { HashEmbedder } from '../helpers/hash-embedder';

/** Blocks the thread like USE-lite does: no await inside a batch. */
class BlockingEmbedder implements Embedder {
  readonly id = 'blocking';
  readonly dimension = 64;
  calls: number[] = [];
  private readonly inner = new HashEmbedder();
  async embed(texts: readonly string[], role?: EmbedRole): Promise<Float32Array[]> {
    this.calls.push(texts.length);
    const until = Date.now() + 3 * texts.length;
    while (Date.now() < until) { /* busy */ }
    return this.inner.embed(texts, role);
  }
}

test('returns the same vectors and caches texts per role (LRU), each text of a call on its own', async () => {
  const inner = new BlockingEmbedder();
  const e = serviceEmbedder(inner, { cacheEntries: 3 });
  expect(e.id).toBe('blocking');
  const direct = await new HashEmbedder().embed(['a b c', 'd e']);
  const [v1] = await e.embed(['a b c'], 'query');
  expect(Array.from(v1)).toEqual(Array.from(direct[0]));
  v1[0] = 42; // callers get copies
  const [v2, v3] = await e.embed(['a b c', 'd e'], 'query');
  expect(Array.from(v2)).toEqual(Array.from(direct[0]));
  expect(Array.from(v3)).toEqual(Array.from(direct[1]));
  expect(inner.calls).toEqual([1, 1]); // only 'd e' was embedded the second time
  await e.embed(['a b c'], 'passage'); // another role, another entry
  expect([e.cacheHits, e.cacheMisses]).toEqual([1, 3]);
  await e.embed(['x'], 'query'); // evicts the least recently used: 'a b c' as a query
  await e.embed(['d e'], 'query');
  expect([e.cacheHits, e.cacheMisses]).toEqual([2, 4]);
  await e.embed(['a b c'], 'query');
  expect(e.cacheMisses).toBe(5);
});

test('background work bypasses the cache, embeds one text at a time and lets the event loop run in between', async () => {
  const inner = new BlockingEmbedder();
  const e = serviceEmbedder(inner, { cacheEntries: 100 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const vectors = await inBackground(() => e.embed(Array.from({ length: 20 }, (_, i) => `text ${i}`), 'passage'));
  clearInterval(timer);
  expect(vectors).toHaveLength(20);
  expect(inner.calls).toEqual(Array(20).fill(1));
  expect(ticks).toBeGreaterThanOrEqual(10);
  expect(e.cacheHits + e.cacheMisses).toBe(0);
  // Outside the background context the same call is one batch.
  inner.calls = [];
  await e.embed(['p', 'q'], 'passage');
  expect(inner.calls).toEqual([2]);
});

test('background work waits for its pause before each text; a question does not', async () => {
  const log: string[] = [];
  const inner = new HashEmbedder();
  const e = serviceEmbedder({ id: 'x', dimension: 64, embed: async (t) => (log.push(`embed ${t.join()}`), inner.embed(t)) }, {
    cacheEntries: 10, pause: async () => void log.push('pause'),
  });
  await inBackground(() => e.embed(['a', 'b']));
  expect(log).toEqual(['pause', 'embed a', 'pause', 'embed b']);
  log.length = 0;
  await e.embed(['q']); // a question: no pause
  expect(log).toEqual(['embed q']);
});

test('questions asked at the same time share one model call; background texts never join it', async () => {
  const inner = new BlockingEmbedder();
  const e = serviceEmbedder(inner, { cacheEntries: 0 });
  const questions = ['alpha beta', 'gamma', 'delta epsilon zeta'];
  const got = await Promise.all(questions.map((q) => e.embed([q], 'query')));
  expect(inner.calls).toEqual([3]);
  const direct = await new HashEmbedder().embed(questions);
  got.forEach(([v], i) => expect(Array.from(v)).toEqual(Array.from(direct[i])));
  inner.calls = [];
  await Promise.all([inBackground(() => e.embed(['upload one', 'upload two'], 'passage')), e.embed(['a question'], 'query')]);
  expect(inner.calls.sort()).toEqual([1, 1, 1]);
});

test('with threads for uploads, background work goes to them after one pause; questions stay here', async () => {
  const log: string[] = [];
  const here = new HashEmbedder();
  const threads = new HashEmbedder();
  const e = serviceEmbedder({ id: 'x', dimension: 64, embed: async (t) => (log.push(`here ${t.join()}`), here.embed(t)) }, {
    cacheEntries: 10, pause: async () => void log.push('pause'),
    background: { id: 'x', dimension: 64, embed: async (t) => (log.push(`threads ${t.join()}`), threads.embed(t)) },
  });
  const vectors = await inBackground(() => e.embed(['a', 'b', 'c']));
  expect(log).toEqual(['pause', 'threads a,b,c']);
  expect(vectors.map((v) => Array.from(v))).toEqual((await here.embed(['a', 'b', 'c'])).map((v) => Array.from(v)));
  log.length = 0;
  await e.embed(['q']);
  expect(log).toEqual(['here q']);
});
