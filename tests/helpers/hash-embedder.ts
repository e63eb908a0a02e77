import { createHash } from 'node:crypto';
import type { Embedder, EmbedRole } from '../../src/embed/types';
import { normalize } from '../../src/embed/types';
import { words } from '../../src/text/tokens';

/**
 * A deterministic bag-of-words embedder for unit tests (like Haystack's mock embedder): texts
 * sharing words get similar vectors. It counts its calls so tests can assert nothing was embedded.
 */
export class HashEmbedder implements Embedder {
  readonly id: string;
  embedded = 0;

  constructor(readonly dimension = 64, id = 'hash-test') {
    this.id = id;
  }

  async embed(texts: readonly string[], _role?: EmbedRole): Promise<Float32Array[]> {
    this.embedded += texts.length;
    return texts.map((t) => {
      const v = new Float32Array(this.dimension);
      for (const w of words(t)) v[createHash('md5').update(w).digest().readUInt32BE(0) % this.dimension] += 1;
      if (v.every((x) => x === 0)) v[0] = 1;
      return normalize(v);
    });
  }
}
