/**
 * Generator running a small instruction model in process with transformers.js (onnxruntime-node on CPU).
 * The prompt goes through the model's own chat template; token counts come from its tokenizer; CPU time is
 * measured with `process.cpuUsage()` around the call (the whole process, so concurrent work is included: calls
 * are serialised, one generation at a time, which is also the fastest use of the CPU).
 * Cancellation and the timeout (for the whole call, queueing included) stop generation at the next token
 * through a stopping criterion that watches an AbortSignal.
 */
import { SobreError, errorMessage } from '../errors';
import { AttemptGuard, cancelledError, timeoutError } from './guard';
import { buildPrompt, mapCitations, type BuiltPrompt } from './prompt';
import { loadTextGenerationPipeline, type LoadedTextGeneration, type ModelDtype, type TextGenerationLoader } from './transformers-loader';
import type { GenerateEvent, GenerateRequest, GenerateResult, Generator } from './types';

export const DEFAULT_LOCAL_MODEL = 'onnx-community/Qwen2.5-0.5B-Instruct';

export interface LocalGeneratorOptions {
  /** Hugging Face model id or local folder. Default `onnx-community/Qwen2.5-0.5B-Instruct`. */
  model?: string;
  /** Default completion budget (max_new_tokens). Default 256. */
  maxTokens?: number;
  /** The model's context window, bounds the passages sent. Default 4096. */
  contextTokens?: number;
  /** 0 (default): greedy decoding; above 0: sampling at this temperature. */
  temperature?: number;
  /** Whole call, including waiting for the previous call. Default 30 s. */
  timeoutMs?: number;
  localFilesOnly?: boolean;
  cacheDir?: string;
  /** ONNX weights variant. Default q8 (`onnx/model_quantized.onnx`): small and fast on CPU. */
  dtype?: ModelDtype;
  /** Replaces the transformers.js loader (tests). */
  loader?: TextGenerationLoader;
}

function unavailable(model: string, opts: LocalGeneratorOptions, e: unknown): SobreError {
  const where = opts.cacheDir ? `the model cache ${opts.cacheDir}` : "transformers.js's default model cache";
  const why = opts.localFilesOnly ? 'downloading is disabled (SOBRE_LOCAL_FILES_ONLY=true)' : 'downloading it failed';
  const fix = opts.localFilesOnly
    ? 'download it once with network access (SOBRE_LOCAL_FILES_ONLY=false) and keep the cache folder (SOBRE_MODEL_CACHE), ' +
      'or set SOBRE_LLM_MODEL to a local folder holding config.json, tokenizer files and onnx/'
    : 'check access to huggingface.co, or copy the model into SOBRE_MODEL_CACHE and set SOBRE_LOCAL_FILES_ONLY=true, ' +
      'or set SOBRE_LLM_MODEL to a local folder';
  return new SobreError(
    'model_unavailable',
    `Model ${model} is not in ${where} and ${why}: ${errorMessage(e)}. To fix: ${fix}; or use SOBRE_GENERATOR=openai with an LLM server.`,
    { model, cacheDir: opts.cacheDir, localFilesOnly: opts.localFilesOnly === true, dtype: opts.dtype },
    { cause: e },
  );
}

/** Pieces pushed by callbacks, pulled by an async iterator. */
class PieceQueue implements AsyncIterable<string> {
  private readonly pieces: string[] = [];
  private wake: (() => void) | null = null;
  private finished = false;

  push(piece: string): void {
    this.pieces.push(piece);
    this.wake?.();
  }

  finish(): void {
    this.finished = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const piece = this.pieces.shift();
      if (piece !== undefined) yield piece;
      else if (this.finished) return;
      else await new Promise<void>((resolve) => (this.wake = resolve)).finally(() => (this.wake = null));
    }
  }
}

export class LocalGenerator implements Generator {
  readonly kind = 'local' as const;
  readonly model: string;
  private readonly maxTokens: number;
  private readonly contextTokens: number;
  private readonly timeoutMs: number;
  private readonly temperature: number;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly loaded: LoadedTextGeneration,
    opts: LocalGeneratorOptions & { model: string },
  ) {
    this.model = opts.model;
    this.maxTokens = opts.maxTokens ?? 256;
    this.contextTokens = opts.contextTokens ?? 4096;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.temperature = opts.temperature ?? 0;
  }

  /** Load the model (from the cache or a local folder; downloads unless `localFilesOnly`). */
  static async create(options: LocalGeneratorOptions = {}): Promise<LocalGenerator> {
    const model = options.model || DEFAULT_LOCAL_MODEL;
    const loader = options.loader ?? loadTextGenerationPipeline;
    let loaded: LoadedTextGeneration;
    try {
      loaded = await loader(model, { localFilesOnly: options.localFilesOnly === true, cacheDir: options.cacheDir || undefined, dtype: options.dtype ?? 'q8' });
    } catch (e) {
      throw unavailable(model, options, e);
    }
    return new LocalGenerator(loaded, { ...options, model });
  }

  /** Tokens of `text` with the model's tokenizer (no special tokens added). */
  countTokens(text: string): number {
    return this.loaded.pipe.tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  generate(req: GenerateRequest): Promise<GenerateResult> {
    return this.run(req, req.signal, () => undefined);
  }

  async *stream(req: GenerateRequest): AsyncGenerator<GenerateEvent> {
    const stop = new AbortController(); // the consumer stopped reading
    const signal = req.signal ? AbortSignal.any([req.signal, stop.signal]) : stop.signal;
    const pieces = new PieceQueue();
    const running = this.run(req, signal, (piece) => pieces.push(piece));
    running.then(
      () => pieces.finish(),
      () => pieces.finish(),
    );
    let done = false;
    try {
      for await (const piece of pieces) yield { type: 'token', text: piece };
      const result = await running;
      done = true;
      yield { type: 'done', result };
    } finally {
      if (!done) {
        stop.abort(new Error('The consumer stopped reading the stream'));
        await running.catch(() => undefined);
      }
    }
  }

  async dispose(): Promise<void> {
    await this.loaded.pipe.dispose();
  }

  /** One generation, after the previous ones (serialised). */
  private run(req: GenerateRequest, signal: AbortSignal | undefined, onText: (piece: string) => void): Promise<GenerateResult> {
    const started = performance.now();
    const guard = new AttemptGuard(signal, this.timeoutMs);
    guard.arm();
    const turn = this.queue.then(() => this.generateNow(req, guard, onText, started));
    this.queue = turn.catch(() => undefined);
    return turn.finally(() => guard.dispose());
  }

  private async generateNow(req: GenerateRequest, guard: AttemptGuard, onText: (piece: string) => void, started: number): Promise<GenerateResult> {
    const { pipe, createStreamer } = this.loaded;
    const maxTokens = req.maxTokens ?? this.maxTokens;
    let prompt: BuiltPrompt;
    let chat: string;
    let promptTokens: number;
    try {
      prompt = buildPrompt(req.question, req.passages, { contextTokens: this.contextTokens, maxTokens, countTokens: (t) => this.countTokens(t) });
      chat = pipe.tokenizer.apply_chat_template(
        [{ role: 'system', content: prompt.system }, { role: 'user', content: prompt.user }],
        { tokenize: false, add_generation_prompt: true },
      );
      promptTokens = this.countTokens(chat);
    } catch (e) {
      throw new SobreError('generator_failed', `The local model ${this.model} could not build the prompt: ${errorMessage(e)}`, { model: this.model }, { cause: e });
    }
    const generated: bigint[] = [];
    const cpuStart = process.cpuUsage();
    const outcome = (): Record<string, unknown> => ({ model: this.model, completionTokens: generated.length });
    if (!guard.signal.aborted) {
      try {
        await pipe(chat, {
          max_new_tokens: maxTokens,
          ...(this.temperature > 0 ? { do_sample: true, temperature: this.temperature } : { do_sample: false }),
          return_full_text: false,
          streamer: createStreamer({ onText, onToken: (id) => generated.push(id) }),
          stopping_criteria: [(ids) => ids.map(() => guard.signal.aborted)],
        });
      } catch (e) {
        if (!guard.signal.aborted) {
          throw new SobreError('generator_failed', `The local model ${this.model} failed: ${errorMessage(e)}`, outcome(), { cause: e });
        }
      }
    }
    if (guard.timedOut) throw timeoutError(this.model, this.timeoutMs, outcome());
    if (guard.cancelled || guard.signal.aborted) throw cancelledError(this.model, guard.signal.reason);
    const cpu = process.cpuUsage(cpuStart);
    const text = pipe.tokenizer.decode(generated, { skip_special_tokens: true }).trim();
    return {
      text,
      citedPassageIds: mapCitations(text, prompt.passagesUsed),
      usage: { promptTokens, completionTokens: generated.length, source: 'tokenizer' },
      model: this.model,
      kind: 'local',
      latencyMs: performance.now() - started,
      cpuMs: (cpu.user + cpu.system) / 1000,
      passagesSent: prompt.passagesUsed.length,
    };
  }
}
