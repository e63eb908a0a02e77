/**
 * The one place in `generate/` that imports transformers.js. `loadTextGenerationPipeline` builds a
 * `text-generation` pipeline (tokenizer with its chat template + ONNX decoder on onnxruntime-node) and hands
 * it back behind narrow interfaces: the seam `LocalGenerator` is built on (tests inject a fake loader).
 */
import path from 'node:path';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The parts of a transformers.js tokenizer the local generator uses. */
export interface ChatTokenizer {
  apply_chat_template(messages: ChatMessage[], options: { tokenize: false; add_generation_prompt: true }): string;
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: readonly bigint[], options?: { skip_special_tokens?: boolean }): string;
}

/** transformers.js streamer protocol: `put` gets the prompt ids once, then each new token; `end` at the end. */
export interface TokenStreamer {
  put(value: bigint[][]): void;
  end(): void;
}

/** Called after each generated token with all ids so far, one row per sequence; `true` stops that sequence. */
export type StoppingCriterion = (inputIds: bigint[][]) => boolean[];

export interface TextGenerationCall {
  max_new_tokens: number;
  do_sample: boolean;
  temperature?: number;
  return_full_text: false;
  streamer: TokenStreamer;
  stopping_criteria: StoppingCriterion[];
}

/** A transformers.js text-generation pipeline, as far as the local generator is concerned. */
export interface TextGenerationPipeline {
  (prompt: string, call: TextGenerationCall): Promise<unknown>;
  readonly tokenizer: ChatTokenizer;
  dispose(): Promise<void>;
}

export interface StreamerCallbacks {
  /** Decoded text, released at word boundaries. */
  onText(text: string): void;
  /** Each generated token id (the prompt is skipped). */
  onToken(id: bigint): void;
}

export interface LoadedTextGeneration {
  pipe: TextGenerationPipeline;
  /** A transformers.js `TextStreamer` on the pipeline's tokenizer, skipping the prompt and special tokens. */
  createStreamer(callbacks: StreamerCallbacks): TokenStreamer;
}

/** ONNX weight variant: fp32 is `onnx/model.onnx`, q8 `onnx/model_quantized.onnx`, q4 `onnx/model_q4.onnx`... */
export type ModelDtype = 'auto' | 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';

export interface TextGenerationLoaderOptions {
  /** Never download: use only the cache (`cacheDir`) and local folders. */
  localFilesOnly: boolean;
  /** Where downloads are cached and looked up (`<cacheDir>/<owner>/<name>/...`); transformers.js's default otherwise. */
  cacheDir?: string;
  dtype: ModelDtype;
}

export type TextGenerationLoader = (model: string, options: TextGenerationLoaderOptions) => Promise<LoadedTextGeneration>;

/** The transformers.js module, as `import('@huggingface/transformers')` resolves it. */
export type TransformersModule = typeof import('@huggingface/transformers');

/** A model given as a folder on disk rather than a Hugging Face model id. */
export function isLocalModelPath(model: string): boolean {
  return model.startsWith('.') || path.isAbsolute(model) || /^[A-Za-z]:[\\/]/.test(model);
}

/**
 * A loader over a given transformers.js module. Production uses `loadTextGenerationPipeline`; tests can pass
 * a module required outside jest's sandbox (onnxruntime-node returns typed arrays of the main realm, which
 * onnxruntime-common loaded inside the sandbox rejects).
 */
export function createTextGenerationLoader(importModule: () => Promise<TransformersModule>): TextGenerationLoader {
  return async (model, { localFilesOnly, cacheDir, dtype }) => {
    const { pipeline, TextStreamer, env } = await importModule();
    const folder = isLocalModelPath(model) ? path.resolve(model) : null;
    if (folder !== null) env.allowLocalModels = true;
    const generator = await pipeline('text-generation', folder ?? model, {
      local_files_only: folder !== null || localFilesOnly,
      ...(cacheDir ? { cache_dir: cacheDir } : {}),
      dtype,
    });
    const pipe = generator as unknown as TextGenerationPipeline;
    return {
      pipe,
      createStreamer: ({ onText, onToken }) =>
        new TextStreamer(generator.tokenizer, {
          skip_prompt: true,
          skip_special_tokens: true,
          callback_function: onText,
          token_callback_function: (ids: bigint[]) => ids.forEach(onToken),
        }) as unknown as TokenStreamer,
    };
  };
}

/**
 * Load a text-generation pipeline for a Hugging Face model id (downloaded once into the cache unless
 * `localFilesOnly`) or a local folder (absolute, or relative when it starts with `.`), read from disk only.
 */
export const loadTextGenerationPipeline: TextGenerationLoader = createTextGenerationLoader(() => import('@huggingface/transformers'));
