/**
 * Known questions, asked before retrieval: a question the matcher recognises as one already
 * answered (a FAQ pair of the documents, an admin's pinned answer, a generated answer kept in
 * the cache) is answered with that answer and its citations, without the router or the LLM.
 * Generated answers are kept (with the question's vector, the chunks they cite and what they
 * cost) under the asker's namespace: an API key's name, or '' when no keys are configured.
 */
import type { SobreConfig } from '../config';
import type { GeneratorPassage, GenerateResult } from '../generate/types';
import { renumberCitations } from '../generate/prompt';
import type { KnownAnswer, KnownAnswers, KnownCandidate } from '../knowledge/types';

/** What the question matcher (`match/`) does for the ask path. */
export interface Matcher {
  /** How many nearest known questions to judge. */
  readonly candidates: number;
  best(question: string, vector: Float32Array, candidates: readonly KnownCandidate[]): { candidate: KnownCandidate; probability: number } | null;
}

export interface KnownHit {
  entry: KnownAnswer;
  /** The matcher's probability that the asked question is the known one. */
  probability: number;
}

export type KnownQuestionsConfig = Pick<SobreConfig, 'cacheTtlHours' | 'cacheMaxEntries'>;

export class KnownQuestions {
  constructor(
    private readonly known: KnownAnswers,
    private readonly matcher: Matcher,
    private readonly config: KnownQuestionsConfig,
  ) {}

  /** The known answer to this question, if the matcher recognises it and the entry still stands. */
  async lookup(question: string, vector: Float32Array, namespace: string): Promise<KnownHit | null> {
    let candidates = await this.known.nearest(vector, [namespace, ''], this.matcher.candidates);
    // A match whose entry has just gone (its passage changed) is a miss; the next best may stand.
    while (candidates.length > 0) {
      const match = this.matcher.best(question, vector, candidates);
      if (!match) return null;
      const entry = await this.known.get(match.candidate.id);
      if (entry) {
        await this.known.touch(entry.id);
        return { entry, probability: match.probability };
      }
      candidates = candidates.filter((c) => c.id !== match.candidate.id);
    }
    return null;
  }

  /** Keep a generated answer that cites passages; a passage gone meanwhile means it is not kept. */
  async remember(question: string, vector: Float32Array, namespace: string, result: GenerateResult, passages: readonly GeneratorPassage[], promptVersion: string): Promise<KnownAnswer | null> {
    if (result.citedPassageIds.length === 0) return null;
    const ttlMs = this.config.cacheTtlHours * 3_600_000;
    const entry = await this.known.put({
      kind: 'cache', namespace, question, vector,
      answer: renumberCitations(result.text, passages.slice(0, result.passagesSent), result.citedPassageIds),
      citedChunkIds: result.citedPassageIds,
      generation: { generator: result.kind, model: result.model, promptVersion, promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens },
      expiresAt: ttlMs > 0 ? new Date(Date.now() + ttlMs) : null,
    }).catch((e: unknown) => {
      if ((e as { code?: string }).code === 'not_found') return null;
      throw e;
    });
    if (entry) await this.known.prune(this.config.cacheMaxEntries);
    return entry;
  }
}
