/**
 * A weak label from the generator: when a question went to the generator, does its answer agree
 * with the router's candidate sentence? (docs/learning.md)
 *
 * - The generator's "the documents do not say" reply: the candidate does not answer (wrong).
 * - Otherwise, the generated answer's *new* content words (stems not in the question: the part
 *   that answers rather than restates) are looked up in the candidate (sentence, passage title
 *   and short answer). Support ≥ AGREE: the candidate holds what the generator answered (right);
 *   support ≤ DISAGREE: it does not (wrong); in between, or nothing new to compare, no label.
 */
import { NO_ANSWER } from '../generate/prompt';
import { contentStems } from '../text/tokens';
import { normalizeAnswer } from './features';

export const AGREE = 0.6;
export const DISAGREE = 0.2;

export interface Agreement {
  correct: boolean | null;
  /** Share of the generated answer's new content words found in the candidate (null: none to compare). */
  support: number | null;
}

/** Citation markers ([1], [2][3]) are not words of the answer. */
function withoutCitations(text: string): string {
  return text.replace(/\[\d+\]/g, ' ');
}

export function agreement(question: string, generated: string, candidate: { answer: string; title?: string; shortAnswer?: string | null }): Agreement {
  const text = withoutCitations(generated).trim();
  if (normalizeAnswer(text).startsWith(normalizeAnswer(NO_ANSWER))) return { correct: false, support: 0 };
  const asked = new Set(contentStems(question));
  const fresh = [...new Set(contentStems(text))].filter((w) => !asked.has(w));
  if (fresh.length === 0) return { correct: null, support: null };
  const held = new Set(contentStems(`${candidate.title ?? ''} ${candidate.answer} ${candidate.shortAnswer ?? ''}`));
  const support = fresh.filter((w) => held.has(w)).length / fresh.length;
  return { correct: support >= AGREE ? true : support <= DISAGREE ? false : null, support };
}
