/**
 * LocalGenerator's own logic through its loader seam, with a fake pipeline and tokenizer that follow
 * transformers.js's generation protocol (streamer.put(prompt ids), then one put per token, stopping criteria
 * after each token, max_new_tokens). The real transformers.js path is covered by local-onnx.test.ts on a
 * tiny self-built model; this file covers what a real model cannot easily show: loader options and errors,
 * pipeline failures, serialisation of calls, a consumer that stops reading, sampling options.
 */
import { createGenerator } from '../../src/generate';
import { LocalGenerator } from '../../src/generate/local';
import type { ChatTokenizer, LoadedTextGeneration, TextGenerationCall, TextGenerationLoader, TextGenerationLoaderOptions, TextGenerationPipeline } from '../../src/generate/transformers-loader';
import type { GeneratorPassage } from '../../src/generate/types';
import { caught } from './caught';

interface FakeScript {
  words: string[];
  /** Delay per generated token (simulated compute), ms. */
  stepMs?: number;
  /** Throw after this many tokens. */
  failAfter?: number;
}

function fakeLoaded(script: FakeScript) {
  const vocab = new Map<string, number>();
  const words: string[] = [];
  const id = (w: string) => {
    if (!vocab.has(w)) {
      vocab.set(w, words.length);
      words.push(w);
    }
    return vocab.get(w) as number;
  };
  const tokenizer: ChatTokenizer = {
    apply_chat_template: (messages) => messages.map((m) => `<${m.role}> ${m.content} </${m.role}>`).join(' ') + ' <assistant>',
    encode: (text) => text.split(/\s+/).filter(Boolean).map(id),
    decode: (ids) => ids.map((i) => words[Number(i)]).join(' '),
  };
  const calls: TextGenerationCall[] = [];
  const state = { active: 0, maxActive: 0, steps: 0 };
  const pipeFn = async (prompt: string, call: TextGenerationCall) => {
    calls.push(call);
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    try {
      const ids: bigint[] = tokenizer.encode(prompt).map(BigInt);
      call.streamer.put([ids]);
      for (let i = 0; i < call.max_new_tokens; i++) {
        if (script.stepMs) await new Promise((r) => setTimeout(r, script.stepMs));
        if (script.failAfter !== undefined && i === script.failAfter) throw new Error('ORT kernel exploded');
        const next = BigInt(id(script.words[i % script.words.length]));
        ids.push(next);
        state.steps++;
        call.streamer.put([[next]]);
        if (call.stopping_criteria.some((c) => c([ids])[0])) break;
      }
      call.streamer.end();
      return [{ generated_text: '' }];
    } finally {
      state.active--;
    }
  };
  const pipe = Object.assign(pipeFn, { tokenizer, dispose: async () => undefined }) as TextGenerationPipeline;
  const loaded: LoadedTextGeneration = {
    pipe,
    createStreamer: ({ onText, onToken }) => {
      let prompt = true;
      return {
        put: ([row]) => {
          if (prompt) {
            prompt = false;
            return;
          }
          for (const t of row) {
            onToken(t);
            onText(tokenizer.decode([t]) + ' ');
          }
        },
        end: () => undefined,
      };
    },
  };
  return { loaded, calls, state };
}

function loaderFor(loaded: LoadedTextGeneration, seen: { model?: string; opts?: TextGenerationLoaderOptions } = {}): TextGenerationLoader {
  return async (model, opts) => {
    seen.model = model;
    seen.opts = opts;
    return loaded;
  };
}

const passages: GeneratorPassage[] = [
  { id: 3, title: 'A', text: 'alpha beta gamma '.repeat(20) },
  { id: 9, title: 'B', text: 'delta epsilon '.repeat(30) },
];

describe('LocalGenerator through its loader seam', () => {
  test('passes model, dtype (q8 by default), cache and offline flag to the loader', async () => {
    const seen: { model?: string; opts?: TextGenerationLoaderOptions } = {};
    const g = await LocalGenerator.create({ model: 'org/m', cacheDir: '/cache', localFilesOnly: true, loader: loaderFor(fakeLoaded({ words: ['x'] }).loaded, seen) });
    expect(g.model).toBe('org/m');
    expect(seen).toEqual({ model: 'org/m', opts: { localFilesOnly: true, cacheDir: '/cache', dtype: 'q8' } });
    const seen2: { model?: string; opts?: TextGenerationLoaderOptions } = {};
    await LocalGenerator.create({ loader: loaderFor(fakeLoaded({ words: ['x'] }).loaded, seen2), dtype: 'q4' });
    expect(seen2).toEqual({ model: 'onnx-community/Qwen2.5-0.5B-Instruct', opts: { localFilesOnly: false, cacheDir: undefined, dtype: 'q4' } });
  });

  test("createGenerator('local') maps the config; the default Ollama model name means the same model in ONNX form", async () => {
    const seen: { model?: string; opts?: TextGenerationLoaderOptions } = {};
    const config = {
      generator: 'local' as const, llmBaseUrl: '', llmModel: 'qwen2.5:0.5b', llmApiKey: '', llmTimeoutMs: 1000, llmMaxTokens: 3,
      llmTemperature: 0, llmContextTokens: 2048, llmRetries: 0, modelCacheDir: '/models', localFilesOnly: true,
    };
    const g = await createGenerator(config, { local: { loader: loaderFor(fakeLoaded({ words: ['x'] }).loaded, seen) } });
    expect(g?.kind).toBe('local');
    expect(seen).toEqual({ model: 'onnx-community/Qwen2.5-0.5B-Instruct', opts: { localFilesOnly: true, cacheDir: '/models', dtype: 'q8' } });
    expect((await g!.generate({ question: 'q?', passages })).usage.completionTokens).toBe(3);
    await createGenerator({ ...config, llmModel: './my-model' }, { local: { loader: loaderFor(fakeLoaded({ words: ['x'] }).loaded, seen) } });
    expect(seen.model).toBe('./my-model');
  });

  test('a model that cannot be downloaded gives model_unavailable with how to fix it', async () => {
    const failing: TextGenerationLoader = async () => {
      throw new TypeError('fetch failed');
    };
    const err = await caught(LocalGenerator.create({ model: 'org/m', loader: failing }));
    expect(err.code).toBe('model_unavailable');
    expect(err.message).toContain("Model org/m is not in transformers.js's default model cache and downloading it failed: fetch failed.");
    expect(err.message).toMatch(/To fix: check access to huggingface\.co, or copy the model into SOBRE_MODEL_CACHE and set SOBRE_LOCAL_FILES_ONLY=true/);
    expect(err.details).toMatchObject({ model: 'org/m', localFilesOnly: false });
  });

  test('tokens are streamed, counted and timed; max tokens honoured', async () => {
    const { loaded, calls } = fakeLoaded({ words: ['one', 'two', 'three', '[2]'] });
    const g = await LocalGenerator.create({ loader: loaderFor(loaded), maxTokens: 4 });
    const pieces: string[] = [];
    let result;
    for await (const ev of g.stream({ question: 'q?', passages })) {
      if (ev.type === 'token') pieces.push(ev.text);
      else result = ev.result;
    }
    expect(pieces).toEqual(['one ', 'two ', 'three ', '[2] ']);
    expect(result).toMatchObject({ text: 'one two three [2]', citedPassageIds: [9], kind: 'local', passagesSent: 2 });
    expect(result!.usage.completionTokens).toBe(4);
    expect(result!.usage.source).toBe('tokenizer');
    expect(result!.cpuMs).toBeGreaterThanOrEqual(0);
    expect(calls[0]).toMatchObject({ max_new_tokens: 4, do_sample: false, return_full_text: false });
    const r2 = await g.generate({ question: 'q?', passages, maxTokens: 2 });
    expect(r2.usage.completionTokens).toBe(2);
    expect(calls[1].max_new_tokens).toBe(2);
  });

  test('the prompt is trimmed with the tokenizer count to fit the context', async () => {
    const { loaded } = fakeLoaded({ words: ['ok'] });
    const g = await LocalGenerator.create({ loader: loaderFor(loaded), maxTokens: 8, contextTokens: 190 });
    const r = await g.generate({ question: 'q?', passages });
    expect(r.passagesSent).toBe(1);
    expect(r.usage.promptTokens).toBeLessThanOrEqual(190 - 8);
  });

  test('temperature above 0 switches to sampling', async () => {
    const { loaded, calls } = fakeLoaded({ words: ['ok'] });
    const g = await LocalGenerator.create({ loader: loaderFor(loaded), maxTokens: 1, temperature: 0.7 });
    await g.generate({ question: 'q?', passages });
    expect(calls[0]).toMatchObject({ do_sample: true, temperature: 0.7 });
  });

  test('a failing pipeline surfaces as generator_failed, and the next call still runs', async () => {
    const { loaded } = fakeLoaded({ words: ['a', 'b'], failAfter: 2 });
    const g = await LocalGenerator.create({ loader: loaderFor(loaded), maxTokens: 10 });
    const err = await caught(g.generate({ question: 'q?', passages }));
    expect(err.code).toBe('generator_failed');
    expect(err.message).toContain('ORT kernel exploded');
    expect(err.details).toMatchObject({ completionTokens: 2 });
    const ok = await g.generate({ question: 'q?', passages, maxTokens: 1 });
    expect(ok.text).toBe('a');
  });

  test('calls are serialised: one generation at a time', async () => {
    const { loaded, state } = fakeLoaded({ words: ['w'], stepMs: 2 });
    const g = await LocalGenerator.create({ loader: loaderFor(loaded), maxTokens: 5 });
    const results = await Promise.all([1, 2, 3].map(() => g.generate({ question: 'q?', passages })));
    expect(results.map((r) => r.usage.completionTokens)).toEqual([5, 5, 5]);
    expect(state.maxActive).toBe(1);
  });

  test('a consumer that stops reading the stream stops the generation', async () => {
    const { loaded, state } = fakeLoaded({ words: ['w'], stepMs: 2 });
    const g = await LocalGenerator.create({ loader: loaderFor(loaded), maxTokens: 1000 });
    let n = 0;
    for await (const ev of g.stream({ question: 'q?', passages })) {
      if (ev.type === 'token' && ++n === 3) break;
    }
    expect(state.active).toBe(0);
    expect(state.steps).toBeLessThan(10);
    const next = await g.generate({ question: 'q?', passages, maxTokens: 2 });
    expect(next.usage.completionTokens).toBe(2);
  });

  test('an already aborted signal fails fast as cancelled', async () => {
    const { loaded, state } = fakeLoaded({ words: ['w'] });
    const g = await LocalGenerator.create({ loader: loaderFor(loaded) });
    const err = await caught(g.generate({ question: 'q?', passages, signal: AbortSignal.abort() }));
    expect(err.details).toMatchObject({ cancelled: true });
    expect(state.steps).toBe(0);
  });
});
