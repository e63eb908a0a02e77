/**
 * Hybrid retrieval: the knowledge's lexical (BM25) and dense (cosine) candidates, each scored on
 * both signals, fused linearly with weights learned by calibration (see docs/architecture.md).
 */
import type { Embedder } from '../embed/types';
import type { Candidate, Knowledge } from '../knowledge/types';
import type { StemLanguage } from '../text/tokens';
import type { Passage } from './types';

export interface FusionWeights {
  /** Weight of BM25 divided by the best BM25 among the candidates (0..1). */
  lexical: number;
  /** Weight of the cosine similarity (−1..1). */
  dense: number;
}

/** BM25 alone until a calibration says otherwise: it beats USE-lite on our measurements. */
export const DEFAULT_FUSION: FusionWeights = { lexical: 1, dense: 0 };

export interface RetrievalResult {
  passages: Passage[];
  queryVector: Float32Array;
  /** Every scored candidate (before the top-k cut), for features and evaluation. */
  candidates: number;
  embedMs: number;
  searchMs: number;
}

export interface RetrieveOptions {
  topK: number;
  candidateK: number;
  weights?: FusionWeights;
  /** The question's language: which lexical index it is matched in (default English). */
  language?: StemLanguage;
}

export class HybridRetriever {
  constructor(
    private readonly knowledge: Knowledge,
    private readonly embedder: Embedder,
  ) {}

  /** `vector`: the question's, when the caller embedded it already. */
  async retrieve(question: string, opts: RetrieveOptions, vector?: Float32Array): Promise<RetrievalResult> {
    const t0 = performance.now();
    const queryVector = vector ?? (await this.embedder.embed([question], 'query'))[0];
    const t1 = performance.now();
    const scored = await this.knowledge.candidates({ text: question, vector: queryVector, language: opts.language }, opts.candidateK);
    const passages = await this.rank(scored, opts.weights ?? DEFAULT_FUSION, opts.topK);
    return { passages, queryVector, candidates: scored.length, embedMs: t1 - t0, searchMs: performance.now() - t1 };
  }

  /** The top passages of fused candidates, with their documents. */
  async rank(scored: readonly Candidate[], weights: FusionWeights, topK: number): Promise<Passage[]> {
    const top = fuse(scored, weights).slice(0, topK);
    const chunks = await this.knowledge.passages(top.map((t) => t.s.chunkId));
    const byId = new Map(chunks.map((c) => [c.chunkId, c]));
    const out: Passage[] = [];
    for (const { s, score } of top) {
      const c = byId.get(s.chunkId);
      if (!c) continue;
      out.push({ ...c, score, bm25: s.bm25, cosine: s.cosine, lexicalRank: s.lexicalRank, denseRank: s.denseRank });
    }
    return out;
  }
}

export function fuse(scored: readonly Candidate[], weights: FusionWeights): { s: Candidate; score: number }[] {
  const maxBm25 = Math.max(1e-9, ...scored.map((s) => s.bm25));
  return scored
    .map((s) => ({ s, score: weights.lexical * (s.bm25 / maxBm25) + weights.dense * s.cosine }))
    .sort((a, b) => b.score - a.score || a.s.chunkId - b.s.chunkId);
}
