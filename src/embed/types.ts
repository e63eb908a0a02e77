/** Turns texts into unit-length vectors. Implementations load their model once in `create`. */
export interface Embedder {
  /** Identity stored with the index, e.g. `use-lite@0.2.0` or `transformers:Xenova/all-MiniLM-L6-v2`. */
  readonly id: string;
  readonly dimension: number;
  /** One L2-normalised vector per input text, in input order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}
