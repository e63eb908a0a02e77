/**
 * SOBRE_UPLOAD_EMBED_THREADS=2: an upload through the HTTP service is embedded on two threads of
 * its own, each with USE-lite (the compiled thread script: `npm test` builds first), into the same
 * vectors the serving thread computes, and answered from. A pool loading another model is refused.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { lazyPool } from '../../src/embed/pool';
import { UseLiteEmbedder } from '../../src/embed/use-lite';
import { auth, formWith, postJson, startTestServer, TEST_KEY, type TestServer } from '../server/helpers';

const PAGES = Array.from({ length: 6 }, (_, i) => ({
  name: `station-${i}.md`,
  content: `# Station ${i}\n\nWeather station ${i} on the ridge records wind speed every ${10 + i} minutes.\n\nIts batteries are charged by a solar panel of ${100 + i} watts.\n`,
}));

describe('uploads embedded on threads of their own', () => {
  let s: TestServer;
  let model: UseLiteEmbedder;
  beforeAll(async () => {
    model = await UseLiteEmbedder.create();
    s = await startTestServer({ embedder: model, corpus: {}, env: { SOBRE_API_KEYS: `admin:${TEST_KEY}`, SOBRE_UPLOAD_EMBED_THREADS: '2' } });
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
  });

  const threadsRunning = async () => Number(/^sobre_upload_embed_threads (\d+)$/m.exec(await (await fetch(`${s.url}/metrics`, { headers: auth(TEST_KEY) })).text())?.[1]);

  it('stores the vectors the serving thread would compute, and answers from them', async () => {
    expect(await threadsRunning()).toBe(0);
    const res = await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth(TEST_KEY), body: formWith(PAGES) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { summary: { added: number; failed: number } };
    expect(body.summary).toMatchObject({ added: 6, failed: 0 });
    expect(await threadsRunning()).toBe(2);

    const db = new Database(path.join(s.config.dataDir, 'sobre.db'), { readonly: true });
    const rows = db.prepare('SELECT title, text, vector FROM chunks ORDER BY id').all() as { title: string; text: string; vector: Buffer }[];
    db.close();
    expect(rows).toHaveLength(6);
    const here = await model.embed(rows.map((r) => `${r.title}. ${r.text}`)); // USE-lite has no roles; as ingest/pipeline.ts embeds a chunk
    rows.forEach((r, i) => {
      const stored = new Float32Array(new Uint8Array(r.vector).buffer);
      let dot = 0;
      for (let d = 0; d < stored.length; d++) dot += stored[d] * here[i][d];
      expect(dot).toBeGreaterThan(0.9999);
    });

    const answer = (await (await postJson(`${s.url}/v1/ask`, { question: 'How often does weather station 3 record wind speed?' }, auth(TEST_KEY))).json()) as { citations: { name: string }[] };
    expect(answer.citations[0].name).toBe('station-3.md');
  }, 120_000);

  it('refuses threads that load another model than the one this process embeds with', async () => {
    const pool = lazyPool(loadConfig({}, {}), 1, { id: 'another-model', dimension: 512 });
    const first = await pool.embed(['text']).catch((e: unknown) => e);
    expect(String(first)).toMatch(/load use-lite.*embeds with another-model/);
    // The next upload gets the same answer at once, without starting the threads again.
    expect(await pool.embed(['again']).catch((e: unknown) => e)).toBe(first);
    expect(pool.threads).toBe(0);
    await pool.close();
  }, 120_000);
});
