/**
 * The embedding pool with the real USE-lite in two worker threads (the compiled worker script:
 * `npm test` builds first). Same vectors as the model in this thread, in input order.
 */
import { loadConfig } from '../../src/config';
import { createEmbedder } from '../../src/embed';
import { EmbedderPool } from '../../src/embed/pool';

const config = loadConfig({ SOBRE_EMBED_BATCH: '2' }, {});

describe('EmbedderPool (USE-lite on worker threads)', () => {
  let pool: EmbedderPool;
  beforeAll(async () => {
    pool = await EmbedderPool.create(config, 2);
  }, 120_000);
  afterAll(async () => {
    await pool?.close();
  });

  it('gives the vectors of the model in this thread, in order, across batches and threads', async () => {
    const texts = ['Solar panels turn sunlight into electricity.', 'The Eiffel Tower is in Paris.', 'Wind turbines spin.', 'Rivers flow to the sea.', 'Bees make honey.'];
    const local = await createEmbedder(config);
    const [fromPool, fromHere] = await Promise.all([pool.embed(texts, 'passage'), local.embed(texts, 'passage')]);
    expect(pool.id).toBe(local.id);
    expect(pool.dimension).toBe(local.dimension);
    expect(fromPool).toHaveLength(texts.length);
    fromPool.forEach((v, i) => {
      expect(v).toHaveLength(local.dimension);
      let dot = 0;
      for (let d = 0; d < v.length; d++) dot += v[d] * fromHere[i][d];
      expect(dot).toBeGreaterThan(0.9999);
    });
  });

  it('serves concurrent callers, and refuses work once closed', async () => {
    const other = await EmbedderPool.create(config, 2);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => other.embed([`question number ${i}`, `another text ${i}`], 'query')));
    expect(results.map((r) => r.length)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(other.threads).toBe(2);
    await other.close();
    await expect(other.embed(['late'])).rejects.toThrow(/closed/);
  }, 120_000);
});
