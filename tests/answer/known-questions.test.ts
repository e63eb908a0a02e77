/**
 * Known questions in the ask path: FAQ pairs and cached generated answers answer a recognised
 * question before retrieval, with their citations; cache entries are per namespace and go with
 * the passages they cite. Real SQLite, hnswlib and ledger; a hash embedder, a scripted generator
 * (an LLM cannot run here) and a matcher that recognises only the same words (the real matcher
 * has tests of its own, and tests/e2e/known-questions.test.ts runs it end to end).
 */
import { loadConfig } from '../../src/config';
import { createDeps, type SobreDeps } from '../../src/deps';
import type { GenerateEvent, GenerateRequest, GenerateResult, Generator } from '../../src/generate/types';
import { ingestDocument } from '../../src/ingest/pipeline';
import type { KnownCandidate } from '../../src/knowledge/types';
import { SobreError } from '../../src/errors';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';

/** Answers from the scripted replies, citing its first passage as [1]; remembers what it was sent. */
class ScriptedGenerator implements Generator {
  readonly kind = 'openai' as const;
  readonly model = 'scripted';
  calls: GenerateRequest[] = [];
  async generate(req: GenerateRequest): Promise<GenerateResult> {
    this.calls.push(req);
    const first = req.passages[0];
    return {
      text: `From the notes: ${first.text.slice(0, 30)} [1].`, citedPassageIds: [first.id],
      usage: { promptTokens: 400, completionTokens: 30, source: 'server' }, model: this.model, kind: this.kind, latencyMs: 5, passagesSent: req.passages.length,
    };
  }
  async *stream(req: GenerateRequest): AsyncIterable<GenerateEvent> {
    yield { type: 'done', result: await this.generate(req) };
  }
}

const sameWords = {
  candidates: 5,
  best<C extends KnownCandidate>(question: string, _v: Float32Array, candidates: readonly C[]) {
    const key = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
    const c = candidates.find((x) => key(x.text) === key(question));
    return c ? { candidate: c, probability: 0.97 } : null;
  },
};

describe('known questions in AskService', () => {
  let dir: string;
  let deps: SobreDeps;
  let generator: ScriptedGenerator;
  const embedder = new HashEmbedder();
  const notes = 'Owls hunt at night in the forest. Bats sleep by day in caves. Foxes dig dens in spring.';
  const faq = 'How do I reset my key?\n\nAsk an administrator to issue a new key.';

  beforeEach(async () => {
    dir = makeTempDir();
    const config = loadConfig({ SOBRE_DATA_DIR: dir, SOBRE_CACHE_TTL_HOURS: '1' });
    generator = new ScriptedGenerator();
    deps = await createDeps(config, { embedder, generator, matcher: sameWords });
    const target = { knowledge: deps.knowledge, embedder, settings: config };
    await ingestDocument(target, { source: '/docs/notes.md', title: 'Animal notes', text: notes, format: 'md' }, 'notes.md');
    await ingestDocument(target, { source: '/docs/faq.html', title: 'FAQ', text: faq, format: 'html' }, 'faq.html');
  });
  afterEach(async () => {
    await deps.close();
    removeDir(dir);
  });

  test('a FAQ question is answered with the document’s own answer and its span, before retrieval', async () => {
    const r = await deps.ask.ask('how do I reset my key', { explain: true });
    expect(r.route).toBe('faq');
    expect(r.answer).toBe('Ask an administrator to issue a new key.');
    expect(r.confidence).toBe(0.97);
    expect(r.citations).toHaveLength(1);
    expect(r.citations[0]).toMatchObject({ n: 1, name: 'faq.html' });
    expect(r.citations[0]).not.toHaveProperty('source'); // a server path, never shown to an asking client
    expect(faq.slice(r.citations[0].sentence!.start, r.citations[0].sentence!.end)).toBe('Ask an administrator to issue a new key.');
    expect(r.explain).toEqual({ matched: { question: 'How do I reset my key?', kind: 'faq', probability: 0.97 } });
    expect(generator.calls).toHaveLength(0);
    expect(r.compute).toMatchObject({ route: 'faq', callStatus: 'avoided' });
  });

  test('a generated answer is cached: the same question again costs no LLM call, and the ledger counts what it spent', async () => {
    const q = 'Do owls hunt at night or by day?';
    const first = await deps.ask.ask(q, { namespace: 'alice' });
    expect(first.route).toBe('generate');
    expect(generator.calls).toHaveLength(1);
    const again = await deps.ask.ask(q.toUpperCase(), { namespace: 'alice' });
    expect(again.route).toBe('cache');
    expect(again.answer).toBe(first.answer);
    expect(again.citations.map((c) => [c.n, c.chunkId])).toEqual([[1, first.citations[0].chunkId]]);
    expect(generator.calls).toHaveLength(1);
    expect(again.compute).toMatchObject({ callStatus: 'avoided', llm: { promptTokens: 400, completionTokens: 30, tokenSource: 'caller' } });
    // Another key's questions never see alice's cache.
    expect((await deps.ask.ask(q, { namespace: 'bob' })).route).toBe('generate');
    expect(generator.calls).toHaveLength(2);
  });

  test('a cached answer goes when the passage it cites changes', async () => {
    const q = 'Do owls hunt at night or by day?';
    await deps.ask.ask(q);
    expect((await deps.ask.ask(q)).route).toBe('cache');
    await ingestDocument({ knowledge: deps.knowledge, embedder, settings: deps.config }, { source: '/docs/notes.md', title: 'Animal notes', text: notes.replace('night', 'dusk'), format: 'md' }, 'notes.md');
    expect((await deps.ask.ask(q)).route).toBe('generate');
  });

  test('a known-questions store that cannot be reached makes a miss, not a failure, and the generated answer is still returned', async () => {
    await deps.close();
    const config = loadConfig({ SOBRE_DATA_DIR: dir });
    const failures: string[] = [];
    deps = await createDeps(config, { embedder, generator, matcher: sameWords, onKnownFailure: (what) => failures.push(what) });
    const store = deps.knowledge.known;
    const down = () => Promise.reject(new SobreError('database_unavailable', 'the database went away'));
    store.nearest = down;
    store.put = down;
    const faqAsked = await deps.ask.ask('how do I reset my key');
    expect(faqAsked.route).not.toBe('faq');
    expect(failures[0]).toBe('lookup');
    failures.length = 0;
    const r = await deps.ask.ask('Do owls hunt at night or by day?');
    expect(r.route).toBe('generate');
    expect(r.answer).toMatch(/^From the notes/);
    expect(failures).toEqual(['lookup', 'remember']);
  });
});

