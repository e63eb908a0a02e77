/**
 * Sentence embeddings from any transformers.js feature-extraction model (e.g.
 * `Xenova/all-MiniLM-L6-v2`, `Xenova/multilingual-e5-small`) or a local folder holding one:
 * mean pooling over the attention mask, then L2 normalisation. The model is loaded once in
 * `create`; the transformers.js import sits behind the loader seam in `transformers-loader.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Embedder, EmbedRole } from './types';
import { normalize } from './types';
import { SobreError, errorMessage } from '../errors';
import type { FeatureExtractionLoader, FeatureExtractor } from './transformers-loader';
import { isLocalModelPath, loadFeatureExtractor } from './transformers-loader';

export type { FeatureExtractionLoader, FeatureExtractor, LoaderOptions, PooledBatch, TransformersModule } from './transformers-loader';
export { createFeatureExtractorLoader, isLocalModelPath, loadFeatureExtractor } from './transformers-loader';

export interface TransformersEmbedderOptions {
  /** Hugging Face model id, or a local folder (absolute, or starting with `.`). */
  model: string;
  localFilesOnly: boolean;
  cacheDir?: string;
  batchSize: number;
  /** Replaces the transformers.js loader (tests). */
  loader?: FeatureExtractionLoader;
}

export type RolePrefixes = Readonly<Record<EmbedRole, string>>;

const NO_PREFIXES: RolePrefixes = { query: '', passage: '' };
const E5_PREFIXES: RolePrefixes = { query: 'query: ', passage: 'passage: ' };
/** e5 `-instruct` models: a task instruction before queries, nothing before passages (model card). */
const E5_INSTRUCT_PREFIXES: RolePrefixes = {
  query: 'Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: ',
  passage: '',
};

/**
 * The text each role's inputs must start with. e5 models were trained with `query: ` / `passage: `.
 * Matched on the model's name (last path segment) with `e5` as a whole word (`multilingual-e5-small`),
 * so a folder that merely contains the letters (a temp folder `abe5x`) is not mistaken for one.
 */
export function rolePrefixes(model: string): RolePrefixes {
  const name = model.split(/[\\/]/).filter(Boolean).pop() ?? '';
  if (!/(^|[^a-z0-9])e5([^a-z0-9]|$)/i.test(name)) return NO_PREFIXES;
  return /instruct/i.test(name) ? E5_INSTRUCT_PREFIXES : E5_PREFIXES;
}

/** Whether a load failure means the files are missing (offline, not cached, wrong id) rather than broken. */
function isMissingModelError(e: unknown): boolean {
  const text = `${errorMessage(e)} ${e instanceof Error && e.cause !== undefined ? errorMessage(e.cause) : ''}`;
  // transformers.js 3.x messages: missing local files, HTTP errors (`Could not locate file`,
  // `Unauthorized access to file`, `... while trying to load file`), and fetch's network failures.
  return /local_files_only|not found locally|allowRemoteModels|local file missing|could not locate file|access to file|while trying to load file|fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network/i.test(text);
}

function causeText(e: unknown): string {
  const cause = e instanceof Error && e.cause !== undefined ? ` (${errorMessage(e.cause)})` : '';
  // The sentence around it supplies the full stop.
  return (errorMessage(e) + cause).replace(/[.\s]+$/, '');
}

function unavailable(model: string, e: unknown): SobreError {
  const message = isMissingModelError(e)
    ? `Embedding model ${model} is not available locally and could not be downloaded: ${causeText(e)}. ` +
      'Connect once to download it, set SOBRE_MODEL_CACHE to a folder that holds it, or use SOBRE_EMBEDDER=use-lite'
    : `Embedding model ${model} could not be loaded: ${causeText(e)}. Check that it is a feature-extraction ` +
      'model with ONNX weights (onnx/model.onnx), or use SOBRE_EMBEDDER=use-lite';
  return new SobreError('model_unavailable', message, { model }, { cause: e });
}

export class TransformersEmbedder implements Embedder {
  readonly id: string;

  private constructor(
    readonly model: string,
    readonly dimension: number,
    private readonly extractor: FeatureExtractor,
    private readonly batchSize: number,
    readonly prefixes: RolePrefixes,
  ) {
    this.id = `transformers:${model}`;
  }

  static async create(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const model = options.model.trim();
    if (model === '') {
      throw new SobreError('bad_config', 'SOBRE_EMBEDDER=transformers: needs a model id or folder, e.g. transformers:Xenova/all-MiniLM-L6-v2', { setting: 'embedder' });
    }
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new SobreError('bad_config', `Embedding batch size must be a positive integer, got ${options.batchSize}`, { setting: 'embedBatchSize' });
    }
    if (isLocalModelPath(model) && !fs.existsSync(path.resolve(model))) {
      throw new SobreError(
        'bad_config',
        `SOBRE_EMBEDDER names the model folder ${model} (${path.resolve(model)}), which does not exist`,
        { setting: 'embedder', value: model },
      );
    }

    const loader = options.loader ?? loadFeatureExtractor;
    let extractor: FeatureExtractor;
    try {
      extractor = await loader(model, { localFilesOnly: options.localFilesOnly, cacheDir: options.cacheDir });
    } catch (e) {
      throw unavailable(model, e);
    }

    // The dimension is whatever the model really produces (a probe at load time, which also fails
    // fast on a model that loads but cannot run); config `hidden_size` is only a fallback.
    let dimension: number | undefined;
    try {
      const probe = await extractor.extract(['dimension probe']);
      dimension = probe.dims.length === 2 && probe.dims[0] === 1 ? probe.dims[1] : undefined;
    } catch (e) {
      await extractor.dispose().catch(() => undefined);
      throw unavailable(model, e);
    }
    dimension ??= extractor.hiddenSize;
    if (dimension === undefined || !Number.isInteger(dimension) || dimension < 1) {
      await extractor.dispose().catch(() => undefined);
      throw new SobreError('model_unavailable', `Embedding model ${model} does not produce one vector per text; is it a feature-extraction model?`, { model });
    }
    return new TransformersEmbedder(model, dimension, extractor, options.batchSize, rolePrefixes(model));
  }

  /** One unit vector per text, in order; `role` only matters for models with prefixes (e5). */
  async embed(texts: readonly string[], role: EmbedRole = 'passage'): Promise<Float32Array[]> {
    const prefix = this.prefixes[role];
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize).map((t) => prefix + t);
      let result;
      try {
        result = await this.extractor.extract(batch);
      } catch (e) {
        throw new SobreError('internal', `Embedding with ${this.id} failed: ${errorMessage(e)}`, { model: this.model }, { cause: e });
      }
      const [rows, dim] = result.dims;
      if (result.dims.length !== 2 || rows !== batch.length || dim !== this.dimension || result.data.length < rows * dim) {
        throw new SobreError('internal', `Embedding with ${this.id} returned shape [${result.dims.join(', ')}], expected [${batch.length}, ${this.dimension}]`, { model: this.model });
      }
      for (let r = 0; r < rows; r++) {
        const v = new Float32Array(dim);
        for (let k = 0; k < dim; k++) v[k] = result.data[r * dim + k];
        out.push(normalize(v));
      }
    }
    return out;
  }

  /** Releases the ONNX session; the embedder must not be used afterwards. */
  async dispose(): Promise<void> {
    await this.extractor.dispose();
  }
}
