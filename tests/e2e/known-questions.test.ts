/**
 * Known questions end to end, through POST /v1/ask: the bundled FAQ page answers a reworded
 * question by route `faq`; changed negation, names or numbers do not hit; a generated answer is
 * cached per API key and goes when the passage it cites changes. Real parts: USE-lite, the shipped
 * question matcher, SQLite, hnswlib, Express, LangChain.js's OpenAI client. The generator is the
 * local fake OpenAI server (no LLM can run here).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UseLiteEmbedder } from '../../src/embed/use-lite';
import { OpenAICompatibleGenerator } from '../../src/generate/openai';
import { reply, startFakeOpenAIServer, type FakeOpenAIServer } from '../helpers/fake-openai-server';
import { ROOT } from '../helpers/spawn-service';
import { postJson, startTestServer, type TestServer } from '../server/helpers';

const FAQ = fs.readFileSync(path.join(ROOT, 'corpus/en/faq.html'), 'utf8');
const FORMATS = 'Sobre ingests Markdown, plain text, HTML, PDF and JSON Lines files.\nScanned PDF files without a text layer are reported as failed.\n';
const ALICE = { authorization: 'Bearer alice-key-0123456789abcdef' };
const BOB = { authorization: 'Bearer bob-key-0123456789abcdef0' };

interface Answer {
  route: string;
  answerId: string;
  answer: string | null;
  confidence: number | null;
  citations: { n: number; name: string; chunkId: number; text: string; sentence?: { start: number; end: number } }[];
  explain?: { matched?: { question: string; kind: string } };
}

describe('known questions over HTTP', () => {
  let llm: FakeOpenAIServer;
  let s: TestServer;
  const ask = async (question: string, headers = ALICE): Promise<Answer> => {
    const res = await postJson(`${s.url}/v1/ask?explain=1`, { question }, headers);
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };

  beforeAll(async () => {
    llm = await startFakeOpenAIServer();
    const generator = new OpenAICompatibleGenerator({ baseUrl: llm.baseUrl, model: 'qwen2.5:0.5b', timeoutMs: 10_000, retries: 0 });
    s = await startTestServer({
      embedder: await UseLiteEmbedder.create(), generator, corpus: { 'faq.html': FAQ, 'formats.txt': FORMATS },
      env: { SOBRE_API_KEYS: 'alice:alice-key-0123456789abcdef,bob:bob-key-0123456789abcdef0', SOBRE_AUDIT_RATE: '1' },
    });
  }, 120_000);

  afterAll(async () => {
    await s?.stop();
    await llm?.close();
  });

  it('answers a reworded question of the bundled FAQ with its own answer, by route faq, without the router or the LLM', async () => {
    const calls = llm.requests.length;
    const r = await ask('What file formats can Sobre ingest?');
    expect(r.route).toBe('faq');
    expect(r.answer).toMatch(/^Sobre ingests Markdown \(\.md\), plain text \(\.txt\), HTML \(\.html\), PDF \(\.pdf\) and JSON Lines/);
    expect(r.explain?.matched).toMatchObject({ question: 'Which file formats can Sobre ingest?', kind: 'faq' });
    expect(r.confidence).toBeGreaterThan(0.8);
    expect(r.citations).toHaveLength(1);
    expect(r.citations[0].name).toBe('faq.html');
    expect(r.citations[0].sentence).toBeDefined();
    expect(llm.requests.length).toBe(calls);
  });

  it('does not take a question whose negation, name or subject changed for the known one', async () => {
    // Whatever route they take instead (a generated answer gets the fake server's default reply).
    for (const q of ['What port does Sobre not listen on?', 'What port does Apache listen on?', 'Does Sobre work online?']) {
      expect((await ask(q)).route).not.toBe('faq');
    }
  });

  it('caches a generated answer per key, serves it again without an LLM call, and drops it when its passage changes', async () => {
    const q = 'Are scanned PDF files without a text layer reported as failed?';
    llm.enqueue(reply.ok('Yes, they are reported as failed [1].', { usage: { prompt_tokens: 321, completion_tokens: 11 } }));
    const first = await ask(q);
    expect(first.route).toBe('generate');
    const cited = first.citations.map((c) => c.chunkId);
    expect(cited.length).toBeGreaterThan(0);
    const calls = llm.requests.length;

    const again = await ask('are scanned PDF files without a text layer reported as failed');
    expect(again.route).toBe('cache');
    expect(again.answer).toBe('Yes, they are reported as failed [1].');
    expect(again.citations.map((c) => c.chunkId)).toEqual(cited);
    expect(llm.requests.length).toBe(calls);

    // Another key has its own cache.
    llm.enqueue(reply.ok('Yes [1].'));
    expect((await ask(q, BOB)).route).toBe('generate');

    // The cited passage changes: the entry goes with it, in the same transaction.
    fs.writeFileSync(path.join(s.config.corpusDir, 'formats.txt'), FORMATS.replace('reported as failed', 'reported as failed and listed in the summary'));
    await s.service.ingest([s.config.corpusDir]);
    llm.enqueue(reply.ok('Yes, and they are listed [1].'));
    expect((await ask(q)).route).toBe('generate');
  });

  it('audits known-question hits like direct answers: a reviewer marks one wrong and the report shows that source\'s wrong-hit rate', async () => {
    interface KnownHits { route: string; reviewed: number; wrong: number; wrongHitRate: number | null; interval95: [number, number] | null }
    const knownHits = async (): Promise<KnownHits[]> => {
      const res = await fetch(`${s.url}/v1/report`, { headers: ALICE });
      expect(res.status).toBe(200);
      return ((await res.json()) as { promise: { knownHits: KnownHits[] } }).promise.knownHits;
    };
    const before = (await knownHits()).find((k) => k.route === 'faq') ?? { reviewed: 0, wrong: 0 };
    const hit = await ask('What file formats can Sobre ingest?');
    expect(hit.route).toBe('faq');
    const form = new URLSearchParams({ answerId: hit.answerId, verdict: 'wrong' });
    let status = 0;
    for (let i = 0; i < 50 && status !== 303; i++) { // the observation is written off the answer's path
      status = (await fetch(`${s.url}/review`, { method: 'POST', headers: { ...ALICE, 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' })).status;
      if (status !== 303) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(303);
    const faq = (await knownHits()).find((k) => k.route === 'faq');
    expect(faq).toMatchObject({ reviewed: before.reviewed + 1, wrong: before.wrong + 1 });
    expect(faq!.wrongHitRate).toBeCloseTo(faq!.wrong / faq!.reviewed, 9);
    expect(faq!.interval95![0]).toBeLessThan(faq!.wrongHitRate!); // Wilson: a single review says little
    expect(faq!.interval95![1]).toBeGreaterThanOrEqual(faq!.wrongHitRate!);
    const html = await (await fetch(`${s.url}/report`, { headers: ALICE })).text();
    expect(html).toMatch(/data-metric="wrong_hit_rate_faq" data-value="[0-9.]+"/);
  });
});
