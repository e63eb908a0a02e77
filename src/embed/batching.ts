/**
 * Concurrent embedding calls share one model call: texts asked for within `waitMs` of each other
 * (or until `maxBatch` are waiting) go to the model together, per role. A model call has a fixed
 * cost on top of its texts' (USE-lite: one short question costs about 15 ms of CPU alone, about 8
 * in a batch of 8), so under load a question gets cheaper; alone, it waits `waitMs` more.
 */
import type { Embedder, EmbedRole } from './types';

interface Waiting {
  texts: readonly string[];
  resolve: (vectors: Float32Array[]) => void;
  reject: (e: unknown) => void;
}

export interface BatchingOptions {
  /** Texts per model call at most. */
  maxBatch: number;
  /** How long the first waiting text waits for others. */
  waitMs: number;
}

export function batchingEmbedder(inner: Embedder, { maxBatch, waitMs }: BatchingOptions): Embedder {
  const queues = new Map<EmbedRole | undefined, { waiting: Waiting[]; count: number; timer: NodeJS.Timeout | null }>();

  const flush = (role: EmbedRole | undefined): void => {
    const q = queues.get(role);
    if (!q || q.waiting.length === 0) return;
    if (q.timer) clearTimeout(q.timer);
    const batch = q.waiting.splice(0);
    q.count = 0;
    q.timer = null;
    inner.embed(batch.flatMap((w) => w.texts), role).then(
      (vectors) => {
        let at = 0;
        for (const w of batch) {
          w.resolve(vectors.slice(at, at + w.texts.length));
          at += w.texts.length;
        }
      },
      (e: unknown) => {
        for (const w of batch) w.reject(e);
      },
    );
  };

  return {
    id: inner.id,
    dimension: inner.dimension,
    embed(texts, role) {
      if (texts.length === 0) return Promise.resolve([]);
      if (texts.length >= maxBatch) return inner.embed(texts, role);
      let q = queues.get(role);
      if (!q) {
        q = { waiting: [], count: 0, timer: null };
        queues.set(role, q);
      }
      const queue = q;
      return new Promise<Float32Array[]>((resolve, reject) => {
        queue.waiting.push({ texts, resolve, reject });
        queue.count += texts.length;
        if (queue.count >= maxBatch) flush(role);
        else queue.timer ??= setTimeout(() => flush(role), waitMs);
      });
    },
  };
}
