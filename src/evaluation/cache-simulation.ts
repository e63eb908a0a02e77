/**
 * The cache simulation of `eval:cache` and `fit:matcher`: every `question1` of a part of the
 * pairs is a known question, every `question2` is looked up against them. Candidates come from
 * the known-question index by cosine; which one is a hit is decided by the caller (the matcher
 * or a cosine threshold).
 */
import { precisionCurve } from '../answer/calibration';
import { HnswIndex, type HnswParams } from '../index/hnsw-index';
import type { MatchCurvePoint } from '../match/model';
import { duplicateClassOf, pairKey, type PairSet } from './pairs';

export interface Candidate {
  id: number;
  text: string;
  vector: Float32Array;
  cosine: number;
}

export interface Lookup {
  asked: string;
  vector: Float32Array;
  /** Nearest known questions by cosine, nearest first. */
  candidates: Candidate[];
  /** A known question in the asked one's duplicate class exists (a right hit is possible). */
  answerable: boolean;
  searchMs: number;
}

/** The known questions' index in the simulation: the service's index class, with the parameters the shipped numbers were measured at. */
export const KNOWN_QUESTIONS_HNSW: HnswParams = { m: 16, efConstruction: 100, efSearch: 64 };

export interface KnownSet {
  texts: string[];
  vectors: Float32Array[];
  index: HnswIndex;
}

/** The distinct `question1` texts of the chosen pairs, indexed. */
export function buildKnown(set: PairSet, pairs: readonly number[], vectors: ReadonlyMap<string, Float32Array>): KnownSet {
  const texts = [...new Set(pairs.map((i) => pairKey(set.pairs[i].question1)))];
  const dimension = vectors.get(texts[0])?.length ?? 1;
  const index = HnswIndex.inMemory('eval', dimension, KNOWN_QUESTIONS_HNSW);
  const known = texts.map((t) => vectors.get(t)!);
  known.forEach((v, id) => index.add(id, v));
  return { texts, vectors: known, index };
}

export function lookups(set: PairSet, pairs: readonly number[], known: KnownSet, vectors: ReadonlyMap<string, Float32Array>, k: number): Lookup[] {
  const classes = new Set(known.texts.map((t) => duplicateClassOf(set, t)));
  return pairs.map((pair) => {
    const asked = pairKey(set.pairs[pair].question2);
    const vector = vectors.get(asked)!;
    const started = performance.now();
    const hits = known.index.search(vector, k);
    const searchMs = performance.now() - started;
    return {
      asked,
      vector,
      candidates: hits.map((h) => ({ id: h.label, text: known.texts[h.label], vector: known.vectors[h.label], cosine: h.cosine })),
      answerable: classes.has(duplicateClassOf(set, asked)),
      searchMs,
    };
  });
}

/** One lookup's outcome at every threshold: the best candidate's score and whether it is right. */
export interface JudgedLookup {
  score: number;
  right: boolean;
}

/**
 * Wrong-hit rate and duplicate recall at every distinct score, with the one-sided 95% bootstrap
 * upper bound of the wrong-hit rate (the router's precision bootstrap, read as 1 − precision).
 */
export function matchCurve(judged: readonly JudgedLookup[], withDuplicate: number): MatchCurvePoint[] {
  const scored = judged.filter((j) => j.score >= 0); // a lookup with no candidate is never a hit
  return precisionCurve(scored.map((j) => ({ probability: j.score, correct: j.right, answerable: true }))).map((p) => ({
    threshold: p.threshold,
    hits: p.answered,
    wrongHitRate: 1 - p.precision,
    wrongHitRateUpper: 1 - p.precisionLower,
    duplicateRecall: (p.precision * p.answered) / Math.max(1, withDuplicate),
  }));
}

/** At most about `points` points, evenly spaced in hits, keeping the first and last. */
export function thinCurve(curve: readonly MatchCurvePoint[], points: number): MatchCurvePoint[] {
  if (curve.length <= points) return [...curve];
  const step = (curve[curve.length - 1].hits - curve[0].hits) / (points - 1);
  const out: MatchCurvePoint[] = [curve[0]];
  for (const p of curve.slice(1, -1)) if (p.hits >= out[out.length - 1].hits + step) out.push(p);
  out.push(curve[curve.length - 1]);
  return out;
}
