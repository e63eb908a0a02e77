/**
 * The embedder as the service uses it: the same model (same id, same vectors), plus
 * - questions first: the embedders compute on the JS thread without yielding to the event loop
 *   (USE-lite: ~100 ms of CPU per 1,000-character passage, a batch of 16 in one go), so an upload
 *   would stall every question for seconds. Work started with `inBackground` (ingestion) embeds
 *   one text at a time and waits for `pause` in between (the service waits until no question is
 *   waiting, see `TurnQueue.quiet`). With SOBRE_UPLOAD_EMBED_THREADS > 1 it runs on threads of
 *   its own instead (`background`);
 * - a bounded LRU cache for everything else (a question, the sentences the router compares it
 *   with): a repeated question or a sentence seen before costs no model call. Background work
 *   bypasses it, so uploads do not evict it;
 * - questions asked at the same time are embedded in one model call (`embed/batching.ts`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { batchingEmbedder, type BatchingOptions } from '../embed/batching';
import type { Embedder, EmbedRole } from '../embed/types';

const MAX_CACHED_CHARS = 2000;

const background = new AsyncLocalStorage<true>();

/** Run `fn` (and everything it awaits) as background work: ingestion, not a question. */
export function inBackground<T>(fn: () => Promise<T>): Promise<T> {
  return background.run(true, fn);
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface ServiceEmbedder extends Embedder {
  readonly cacheHits: number;
  readonly cacheMisses: number;
}

export interface ServiceEmbedderOptions {
  cacheEntries: number;
  /** What background work waits for before each text (default: one event-loop turn). */
  pause?: () => Promise<void>;
  /** How questions asked together are batched (null: each alone). */
  batch?: BatchingOptions | null;
  /**
   * Background work on other threads (the same model): each call waits for `pause` once, then
   * runs whole, sharing the cores with questions instead of giving way text by text.
   */
  background?: Embedder;
}

/** A question waits at most 1 ms for others: under load the batch fills long before. */
const DEFAULT_BATCH: BatchingOptions = { maxBatch: 16, waitMs: 1 };

export function serviceEmbedder(inner: Embedder, { cacheEntries, pause = nextTurn, batch = DEFAULT_BATCH, background: elsewhere }: ServiceEmbedderOptions): ServiceEmbedder {
  const foreground = batch ? batchingEmbedder(inner, batch) : inner;
  const cache = new Map<string, Float32Array>();
  let hits = 0;
  let misses = 0;
  const keyOf = (text: string, role: EmbedRole | undefined) => `${role ?? ''}\u0000${text}`;

  const cached = async (texts: readonly string[], role: EmbedRole | undefined): Promise<Float32Array[]> => {
    const out: (Float32Array | undefined)[] = texts.map((t) => {
      const key = keyOf(t, role);
      const found = cache.get(key);
      if (!found) return undefined;
      cache.delete(key); // most recently used goes last
      cache.set(key, found);
      return new Float32Array(found);
    });
    const missing = texts.map((t, i) => (out[i] ? -1 : i)).filter((i) => i >= 0);
    hits += texts.length - missing.length;
    misses += missing.length;
    if (missing.length > 0) {
      const vectors = await foreground.embed(missing.map((i) => texts[i]), role);
      missing.forEach((i, j) => {
        out[i] = vectors[j];
        if (texts[i].length > MAX_CACHED_CHARS) return;
        cache.set(keyOf(texts[i], role), new Float32Array(vectors[j]));
        if (cache.size > cacheEntries) cache.delete(cache.keys().next().value as string);
      });
    }
    return out as Float32Array[];
  };

  return {
    id: inner.id,
    dimension: inner.dimension,
    get cacheHits() {
      return hits;
    },
    get cacheMisses() {
      return misses;
    },
    async embed(texts: readonly string[], role?: EmbedRole): Promise<Float32Array[]> {
      if (!background.getStore()) return cacheEntries > 0 ? cached(texts, role) : foreground.embed(texts, role);
      if (elsewhere) {
        await pause();
        return elsewhere.embed(texts, role);
      }
      const out: Float32Array[] = [];
      for (const text of texts) {
        await pause();
        out.push(...(await inner.embed([text], role)));
      }
      return out;
    },
  };
}
