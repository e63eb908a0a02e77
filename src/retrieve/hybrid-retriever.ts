/**
 * Hybrid retrieval: lexical candidates from FTS5 BM25 and dense candidates from HNSW, scored on
 * both signals and fused linearly with weights learned by calibration (see docs/architecture.md).
 *
 * Every candidate gets both signals: a dense-only hit gets its BM25 from FTS5, a lexical-only
 * hit its cosine from the stored vector. So fusion never mixes "missing" with "low".
 */
import type { KnowledgeBase } from '../knowledge/knowledge-base';
import { contentWords, words } from '../text/tokens';
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
}

/** An FTS5 MATCH expression: content words (all words if none) quoted and OR-ed. */
export function ftsQuery(question: string): string {
  let terms = contentWords(question);
  if (terms.length === 0) terms = words(question);
  return [...new Set(terms)].slice(0, 64).map((t) => `"${t}"`).join(' OR ');
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export interface ScoredCandidate {
  chunkId: number;
  bm25: number;
  cosine: number;
  lexicalRank: number | null;
  denseRank: number | null;
}

export class HybridRetriever {
  constructor(private readonly kb: KnowledgeBase) {}

  async retrieve(question: string, opts: RetrieveOptions): Promise<RetrievalResult> {
    const t0 = performance.now();
    const [queryVector] = await this.kb.embedder.embed([question], 'query');
    const t1 = performance.now();
    const scored = this.score(question, queryVector, opts.candidateK);
    const passages = this.rank(scored, opts.weights ?? DEFAULT_FUSION, opts.topK);
    return { passages, queryVector, candidates: scored.length, embedMs: t1 - t0, searchMs: performance.now() - t1 };
  }

  /** The top passages of fused candidates, with their documents. */
  rank(scored: readonly ScoredCandidate[], weights: FusionWeights, topK: number): Passage[] {
    const top = fuse(scored, weights).slice(0, topK);
    const chunks = this.kb.store.chunksWithSource(top.map((t) => t.s.chunkId));
    const byId = new Map(chunks.map((c) => [c.chunkId, c]));
    const out: Passage[] = [];
    for (const { s, score } of top) {
      const c = byId.get(s.chunkId);
      if (!c) continue;
      out.push({ ...c, score, bm25: s.bm25, cosine: s.cosine, lexicalRank: s.lexicalRank, denseRank: s.denseRank });
    }
    return out;
  }

  /** Candidates from both retrievers with both signals, unranked. */
  score(question: string, queryVector: Float32Array, candidateK: number): ScoredCandidate[] {
    this.kb.refresh();
    const query = ftsQuery(question);
    const lexical = this.kb.store.lexicalSearch(query, candidateK);
    const dense = this.kb.index.search(queryVector, candidateK);
    const byId = new Map<number, ScoredCandidate>();
    lexical.forEach((h, i) => byId.set(h.chunkId, { chunkId: h.chunkId, bm25: h.bm25, cosine: NaN, lexicalRank: i + 1, denseRank: null }));
    dense.forEach((h, i) => {
      const s = byId.get(h.label);
      if (s) {
        s.cosine = h.cosine;
        s.denseRank = i + 1;
      } else byId.set(h.label, { chunkId: h.label, bm25: NaN, cosine: h.cosine, lexicalRank: null, denseRank: i + 1 });
    });
    const missingBm25 = [...byId.values()].filter((s) => Number.isNaN(s.bm25)).map((s) => s.chunkId);
    const bm25 = this.kb.store.lexicalScores(query, missingBm25);
    for (const s of byId.values()) {
      if (Number.isNaN(s.bm25)) s.bm25 = bm25.get(s.chunkId) ?? 0;
      if (Number.isNaN(s.cosine)) {
        const v = this.kb.store.vector(s.chunkId);
        s.cosine = v ? dot(queryVector, v) : 0;
      }
    }
    return [...byId.values()];
  }
}

export function fuse(scored: readonly ScoredCandidate[], weights: FusionWeights): { s: ScoredCandidate; score: number }[] {
  const maxBm25 = Math.max(1e-9, ...scored.map((s) => s.bm25));
  return scored
    .map((s) => ({ s, score: weights.lexical * (s.bm25 / maxBm25) + weights.dense * s.cosine }))
    .sort((a, b) => b.score - a.score || a.s.chunkId - b.s.chunkId);
}

