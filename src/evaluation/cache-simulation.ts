/**
 * The cache simulation of `eval:cache` and `fit:matcher`: every `question1` of a part of the
 * pairs is a known question, every `question2` is looked up against them. Candidates come from
 * the known-question index by cosine; which one is a hit is decided by the caller (the matcher
 * or a cosine threshold).
 */
import { KnownQuestionIndex } from '../match/known-index';
import { pairKey, type PairSet } from './pairs';

export interface Candidate {
  id: number;
  text: string;
  vector: Float32Array;
  cosine: number;
}

export interface Lookup {
  /** Index of the pair in the set. */
  pair: number;
  asked: string;
  vector: Float32Array;
  /** Nearest known questions by cosine, nearest first. */
  candidates: Candidate[];
  /** A known question in the asked one's duplicate class exists (a right hit is possible). */
  answerable: boolean;
  searchMs: number;
}

export interface KnownSet {
  texts: string[];
  vectors: Float32Array[];
  index: KnownQuestionIndex;
}

/** The distinct `question1` texts of the chosen pairs, indexed. */
export function buildKnown(set: PairSet, pairs: readonly number[], vectors: ReadonlyMap<string, Float32Array>): KnownSet {
  const texts = [...new Set(pairs.map((i) => pairKey(set.pairs[i].question1)))];
  const dimension = vectors.get(texts[0])?.length ?? 1;
  const index = new KnownQuestionIndex({ dimension, initialCapacity: texts.length });
  const known = texts.map((t) => vectors.get(t)!);
  known.forEach((v, id) => index.add(id, v));
  return { texts, vectors: known, index };
}

export function lookups(set: PairSet, pairs: readonly number[], known: KnownSet, vectors: ReadonlyMap<string, Float32Array>, k: number): Lookup[] {
  const classes = new Set(known.texts.map((t) => set.duplicateClass.get(t)));
  return pairs.map((pair) => {
    const asked = pairKey(set.pairs[pair].question2);
    const vector = vectors.get(asked)!;
    const started = performance.now();
    const hits = known.index.search(vector, k);
    const searchMs = performance.now() - started;
    return {
      pair,
      asked,
      vector,
      candidates: hits.map((h) => ({ id: h.id, text: known.texts[h.id], vector: known.vectors[h.id], cosine: h.cosine })),
      answerable: classes.has(set.duplicateClass.get(asked)),
      searchMs,
    };
  });
}
