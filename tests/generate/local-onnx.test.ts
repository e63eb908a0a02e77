/**
 * LocalGenerator run for real: transformers.js + onnxruntime-node, no mocks, on a tiny model the test writes
 * itself (tests/generate/tiny-chat-model.ts: a qwen2-typed bigram decoder, a WordPiece tokenizer and a
 * ChatML chat template), so generation is deterministic and the expected answer is known.
 *
 * Under jest, transformers.js is required by Node's own loader, outside jest's module sandbox: onnxruntime-node
 * returns output tensors as typed arrays of the main realm, which onnxruntime-common loaded inside the
 * sandbox rejects ("A float32 tensor's data must be type of function Float32Array()"). The loader code is
 * the production one (`createTextGenerationLoader`); only where the module is loaded differs. Plain Node
 * (the service) has one realm and no such issue.
 */
import vm from 'node:vm';
import { createGenerator } from '../../src/generate';
import { LocalGenerator } from '../../src/generate/local';
import { buildPrompt } from '../../src/generate/prompt';
import { createTextGenerationLoader, type TransformersModule } from '../../src/generate/transformers-loader';
import type { GenerateEvent, GeneratorPassage } from '../../src/generate/types';
import { caught } from './caught';
import { writeTinyChatModel, type TinyChatModel } from './tiny-chat-model';

const mainRealmLoader = createTextGenerationLoader(async () => {
  const mainModule = vm.runInThisContext('process.mainModule') as NodeJS.Module | undefined;
  if (!mainModule) throw new Error('no Node main module to load transformers.js outside the jest sandbox');
  return mainModule.require(require.resolve('@huggingface/transformers')) as TransformersModule;
});

const passages: GeneratorPassage[] = [
  { id: 41, title: 'France', text: 'Paris is the capital of France.' },
  { id: 7, title: 'Italy', text: 'Rome is the capital of Italy.' },
];
const question = 'What is the capital of France?';

describe('LocalGenerator on a real (tiny) transformers.js model', () => {
  let answering: TinyChatModel;
  let looping: TinyChatModel;
  let gen: LocalGenerator;
  let endless: LocalGenerator;

  beforeAll(async () => {
    answering = writeTinyChatModel({ answer: ['Paris', 'is', 'the', 'capital', '[', '##1', '##]', '.'] });
    looping = writeTinyChatModel({ answer: ['tick', 'tock'], loop: true });
    gen = await LocalGenerator.create({ model: answering.modelId, cacheDir: answering.cacheDir, localFilesOnly: true, loader: mainRealmLoader, maxTokens: 64 });
    endless = await LocalGenerator.create({ model: looping.modelId, cacheDir: looping.cacheDir, localFilesOnly: true, loader: mainRealmLoader, timeoutMs: 300, maxTokens: 1_000_000 });
  });

  afterAll(async () => {
    await gen?.dispose();
    await endless?.dispose();
    answering?.cleanup();
    looping?.cleanup();
  });

  test('generates through the chat template, counts tokens with the tokenizer, measures time and CPU', async () => {
    const r = await gen.generate({ question, passages });
    expect(r.text).toBe('Paris is the capital [1].');
    expect(r.citedPassageIds).toEqual([41]);
    expect(r.kind).toBe('local');
    expect(r.model).toBe(answering.modelId);
    expect(r.passagesSent).toBe(2);
    // 8 answer tokens + the <|im_end|> that stopped generation.
    expect(r.usage).toEqual({ promptTokens: expect.any(Number), completionTokens: 9, source: 'tokenizer' });
    // The templated prompt: system + user text plus the ChatML markers (<|im_start|>, role, <|im_end|> ×2, then <|im_start|>assistant).
    const prompt = buildPrompt(question, passages, { contextTokens: 4096, maxTokens: 64, countTokens: (t) => gen.countTokens(t) });
    expect(r.usage.promptTokens).toBe(gen.countTokens(prompt.system) + gen.countTokens(prompt.user) + 3 + 3 + 2);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.cpuMs).toBeGreaterThan(0);
  });

  test('streams word pieces from a TextStreamer, then done with the full result', async () => {
    const events: GenerateEvent[] = [];
    for await (const ev of gen.stream({ question, passages })) events.push(ev);
    const tokens = events.filter((e): e is Extract<GenerateEvent, { type: 'token' }> => e.type === 'token').map((e) => e.text);
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.join('').trim()).toBe('Paris is the capital [1].');
    const last = events[events.length - 1];
    expect(events.findIndex((e) => e.type === 'done')).toBe(events.length - 1);
    expect(last.type === 'done' && last.result.text).toBe('Paris is the capital [1].');
  });

  test('honours max tokens', async () => {
    const r = await gen.generate({ question, passages, maxTokens: 3 });
    expect(r.text).toBe('Paris is the');
    expect(r.usage.completionTokens).toBe(3);
    expect(r.citedPassageIds).toEqual([]);
  });

  test('cancellation stops generation at the next token', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const t0 = Date.now();
    const err = await caught(
      (async () => {
        for await (const ev of endless.stream({ question, passages, signal: ac.signal })) {
          if (ev.type === 'token') {
            seen.push(ev.text);
            ac.abort();
          }
        }
      })(),
    );
    expect(err.code).toBe('generator_failed');
    expect(err.details).toMatchObject({ cancelled: true });
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(Date.now() - t0).toBeLessThan(300); // well before the 300 ms timeout
  });

  test('a generation that runs past the timeout fails with generator_timeout', async () => {
    const err = await caught(endless.generate({ question, passages }));
    expect(err.code).toBe('generator_timeout');
    expect(err.details).toMatchObject({ timeoutMs: 300 });
    expect((err.details as { completionTokens: number }).completionTokens).toBeGreaterThan(10);
  });

  test('createGenerator(local) loads the model from the cache folder offline', async () => {
    // Loading only (no inference), so the default loader works inside the jest sandbox.
    const g = await createGenerator({
      generator: 'local', llmModel: answering.modelId, llmBaseUrl: '', llmApiKey: '', llmTimeoutMs: 1000, llmMaxTokens: 16,
      llmTemperature: 0, llmContextTokens: 2048, llmRetries: 0, modelCacheDir: answering.cacheDir, localFilesOnly: true,
    });
    expect(g).toBeInstanceOf(LocalGenerator);
    expect(g?.kind).toBe('local');
    await (g as LocalGenerator).dispose();
  });

  test('a model missing from the cache with downloads disabled gives a clear model_unavailable', async () => {
    const err = await caught(LocalGenerator.create({ model: 'sobre-tests/not-there', cacheDir: answering.cacheDir, localFilesOnly: true }));
    expect(err.code).toBe('model_unavailable');
    expect(err.message).toMatch(/^Model sobre-tests\/not-there is not in the model cache .* and downloading is disabled \(SOBRE_LOCAL_FILES_ONLY=true\)/);
    expect(err.message).toMatch(/To fix: .*SOBRE_MODEL_CACHE/);
  });
});
