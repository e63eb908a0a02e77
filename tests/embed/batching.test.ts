import { batchingEmbedder } from '../../src/embed/batching';
import type { Embedder, EmbedRole } from '../../src/embed/types';
import { HashEmbedder } from '../helpers/hash-embedder';

/** Records each model call: its texts and role. */
class Recording implements Embedder {
  readonly id = 'recording';
  readonly dimension = 32;
  calls: { texts: string[]; role?: EmbedRole }[] = [];
  fail = false;
  private readonly inner = new HashEmbedder(32);
  async embed(texts: readonly string[], role?: EmbedRole): Promise<Float32Array[]> {
    this.calls.push({ texts: [...texts], role });
    if (this.fail) throw new Error('model down');
    return this.inner.embed(texts, role);
  }
}

const same = (a: Float32Array, b: Float32Array) => expect(Array.from(a)).toEqual(Array.from(b));

describe('batching concurrent embedding calls', () => {
  it('embeds texts asked at the same time in one call, each caller getting its own vectors in order', async () => {
    const inner = new Recording();
    const e = batchingEmbedder(inner, { maxBatch: 16, waitMs: 5 });
    const asked = [['alpha beta'], ['gamma', 'delta'], ['epsilon zeta']];
    const got = await Promise.all(asked.map((texts) => e.embed(texts, 'query')));
    expect(inner.calls).toEqual([{ texts: ['alpha beta', 'gamma', 'delta', 'epsilon zeta'], role: 'query' }]);
    const direct = new HashEmbedder(32);
    for (const [i, texts] of asked.entries()) {
      const expected = await direct.embed(texts);
      expect(got[i]).toHaveLength(texts.length);
      got[i].forEach((v, j) => same(v, expected[j]));
    }
  });

  it('sends a full batch at once, and keeps roles apart', async () => {
    const inner = new Recording();
    const e = batchingEmbedder(inner, { maxBatch: 2, waitMs: 60_000 });
    const started = Date.now();
    await Promise.all([e.embed(['a'], 'query'), e.embed(['b'], 'query')]);
    expect(Date.now() - started).toBeLessThan(5000); // did not wait for the timer
    const c = e.embed(['c'], 'query');
    await Promise.all([e.embed(['d'], 'passage'), e.embed(['e'], 'passage')]);
    expect(inner.calls.map((x) => [x.role, x.texts])).toEqual([['query', ['a', 'b']], ['passage', ['d', 'e']]]);
    // 'c' is still waiting for a partner (or its timer): a later question joins it.
    await Promise.all([c, e.embed(['f'], 'query')]);
    expect(inner.calls[2]).toEqual({ texts: ['c', 'f'], role: 'query' });
  });

  it('a failed model call fails every caller of its batch, and the next batch works', async () => {
    const inner = new Recording();
    const e = batchingEmbedder(inner, { maxBatch: 16, waitMs: 1 });
    inner.fail = true;
    const results = await Promise.allSettled([e.embed(['a'], 'query'), e.embed(['b'], 'query')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    inner.fail = false;
    await expect(e.embed(['c'], 'query')).resolves.toHaveLength(1);
  });
});
