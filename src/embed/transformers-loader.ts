/**
 * The one place that imports transformers.js. `loadFeatureExtractor` builds a `feature-extraction`
 * pipeline (tokenizer + ONNX model on onnxruntime-node) and hides it behind `FeatureExtractor`, the
 * seam `TransformersEmbedder` is built on (tests inject a fake loader through it).
 */
import fs from 'node:fs';
import path from 'node:path';

/** A batch of embeddings, row-major: `dims = [texts, dimension]`. */
export interface PooledBatch {
  readonly data: ArrayLike<number>;
  readonly dims: readonly number[];
}

export interface FeatureExtractor {
  /** Mean-pooled over the attention mask and L2-normalised, one row per text, in order. */
  extract(texts: string[]): Promise<PooledBatch>;
  /** `hidden_size` from the model's config.json, when it declares one. */
  readonly hiddenSize?: number;
  /** Releases the ONNX session. */
  dispose(): Promise<void>;
}

export interface LoaderOptions {
  /** Never download: use only the cache (`cacheDir`) and local folders. */
  localFilesOnly: boolean;
  /** Where downloads are cached and looked up (`<cacheDir>/<owner>/<name>/...`); transformers.js's own default otherwise. */
  cacheDir?: string;
}

export type FeatureExtractionLoader = (model: string, options: LoaderOptions) => Promise<FeatureExtractor>;

/** A model given as a folder on disk rather than a Hugging Face model id. */
export function isLocalModelPath(model: string): boolean {
  return model.startsWith('.') || model.startsWith('/') || path.isAbsolute(model) || /^[A-Za-z]:[\\/]/.test(model);
}

/**
 * transformers.js picks the ONNX file by dtype: fp32 is `onnx/model.onnx`, q8 `onnx/model_quantized.onnx`.
 * 'auto' means the model's own `transformers.js_config.dtype`, else the device default (fp32 on CPU).
 * A local folder holding only the quantized file gets q8, so it loads without extra configuration.
 */
function dtypeFor(folder: string | null): 'auto' | 'q8' {
  if (folder === null) return 'auto';
  const onnx = path.join(folder, 'onnx');
  if (!fs.existsSync(path.join(onnx, 'model.onnx')) && fs.existsSync(path.join(onnx, 'model_quantized.onnx'))) return 'q8';
  return 'auto';
}

/** The transformers.js module, as `import('@huggingface/transformers')` resolves it. */
export type TransformersModule = typeof import('@huggingface/transformers');

/**
 * A loader over a given transformers.js module. Production uses `loadFeatureExtractor`; tests pass a
 * module required outside jest's sandbox, because onnxruntime-node hands back typed arrays of the
 * main realm and onnxruntime-common, loaded inside the sandbox, rejects them (`instanceof` fails).
 */
export function createFeatureExtractorLoader(importModule: () => Promise<TransformersModule>): FeatureExtractionLoader {
  return async (model, { localFilesOnly, cacheDir }) => {
    const { pipeline, env } = await importModule();
    const folder = isLocalModelPath(model) ? path.resolve(model) : null;
    // A path that is not a valid model id is read as-is from disk, which needs local models enabled
    // (the default under Node; set again in case another part of the process turned it off).
    if (folder !== null) env.allowLocalModels = true;
    const extractor = await pipeline('feature-extraction', folder ?? model, {
      // A local folder is never downloaded: without this, a missing optional file would abort the load.
      local_files_only: folder !== null || localFilesOnly,
      ...(cacheDir ? { cache_dir: cacheDir } : {}),
      dtype: dtypeFor(folder),
    });
    const hiddenSize: unknown = (extractor.model.config as { hidden_size?: unknown } | undefined)?.hidden_size;
    return {
      hiddenSize: typeof hiddenSize === 'number' ? hiddenSize : undefined,
      async extract(texts) {
        const tensor = await extractor(texts, { pooling: 'mean', normalize: true });
        // `type`, not `instanceof`: the typed array may come from another realm (native addon, jest vm).
        if (tensor.type !== 'float32' && tensor.type !== 'float64') {
          throw new Error(`the model produced ${tensor.type} embeddings; only float32 models are supported`);
        }
        return { data: tensor.data as ArrayLike<number>, dims: tensor.dims };
      },
      async dispose() {
        await extractor.dispose();
      },
    };
  };
}

/**
 * Load a feature-extraction pipeline for a Hugging Face model id (downloaded once into the cache
 * unless `localFilesOnly`) or a local folder (absolute, or relative to the working directory when it
 * starts with `.`), which is always read from disk only. Pooling: mean over the attention mask, then
 * L2 normalisation.
 */
export const loadFeatureExtractor: FeatureExtractionLoader = createFeatureExtractorLoader(() => import('@huggingface/transformers'));
