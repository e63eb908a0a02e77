/** Turns texts into unit-length vectors. Implementations load their model once in `create`. */
export interface Embedder {
  /** Identity stored with the index, e.g. `use-lite@0.2.0` or `transformers:Xenova/all-MiniLM-L6-v2`. */
  readonly id: string;
  readonly dimension: number;
  /**
   * One L2-normalised vector per input text, in input order. `role` lets models that embed
   * queries and passages differently (e5's prefixes) do so; others ignore it.
   */
  embed(texts: readonly string[], role?: EmbedRole): Promise<Float32Array[]>;
}

export type EmbedRole = 'query' | 'passage';

/** Scale a vector to unit length in place (a zero vector stays zero). */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}
