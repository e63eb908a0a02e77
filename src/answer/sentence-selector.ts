/**
 * Which sentence of the top passages answers the question: a small logistic model over lexical
 * features of each sentence (coverage of the question's words alone, with the passage title and
 * with the previous sentence, phrase matches, answer-type evidence, position), fitted by
 * `npm run calibrate` on sentences labelled by whether they contain a gold answer.
 */
import type { Passage } from '../retrieve/types';
import { contentStems, stems, type StemLanguage } from '../text/tokens';
import { predict, type LogisticModel } from './logistic';
import type { QuestionType } from './question-type';
import { splitSentences } from './sentences';
import { extractShortAnswer, type Span } from './short-answer';

export const SELECTOR_FEATURES = [
  'coverage', 'coverage_with_title', 'coverage_with_previous', 'plain_coverage', 'bigram_match',
  'typed_found', 'typed_missing', 'first_sentence', 'position_log', 'passage_rank', 'passage_score_ratio',
  'chars_log', 'novel_words',
] as const;
export type SelectorFeatures = Record<(typeof SELECTOR_FEATURES)[number], number>;

export interface SentenceCandidate {
  passageIndex: number;
  text: string;
  /** Offsets in the passage (chunk) text. */
  start: number;
  end: number;
  /**
   * The direct answer's extent in the passage: the sentence and, when both fit in
   * MAX_ANSWER_CHARS, the sentence after it (answers often sit right after the sentence that
   * names the question's subject).
   */
  answerEnd: number;
  coverage: number;
  plainCoverage: number;
  shortAnswer: Span | null;
  features: SelectorFeatures;
  /** The selector's probability that this sentence holds the answer. */
  selectionScore: number;
}

export const MAX_ANSWER_CHARS = 300;
const QUESTION_END = /[?？][\s"'”’»)\]]*$/;

/** Sentences from this many top passages compete. */
export const SENTENCE_PASSAGES = 3;

export function coverageOf(present: ReadonlySet<string>, terms: readonly string[], idf: ReadonlyMap<string, number>): { weighted: number; plain: number } {
  if (terms.length === 0) return { weighted: 0, plain: 0 };
  let total = 0;
  let found = 0;
  let count = 0;
  for (const t of terms) {
    const w = idf.get(t) ?? 1;
    total += w;
    if (present.has(t)) {
      found += w;
      count++;
    }
  }
  return { weighted: total > 0 ? found / total : 0, plain: count / terms.length };
}

function bigrams(ws: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + 1 < ws.length; i++) out.add(`${ws[i]} ${ws[i + 1]}`);
  return out;
}

/** Used until a selector is fitted (and to collect its training data): coverage plus type evidence. */
function heuristicScore(f: SelectorFeatures): number {
  return f.coverage + 0.1 * f.typed_found - 0.1 * f.typed_missing - 0.03 * f.passage_rank;
}

/** Every candidate sentence of the top passages with its features, best first; words stemmed for `language`, the question's. */
export function selectSentences(
  question: string,
  qtype: QuestionType,
  passages: readonly Passage[],
  idf: ReadonlyMap<string, number>,
  selector: LogisticModel | null,
  language: StemLanguage = 'en',
): SentenceCandidate[] {
  const terms = [...new Set(contentStems(question, language))];
  const questionWords = stems(question, language);
  const questionSet = new Set(questionWords);
  const questionBigrams = bigrams(questionWords);
  const topScore = Math.max(1e-9, passages[0]?.score ?? 1);
  const out: SentenceCandidate[] = [];
  passages.slice(0, SENTENCE_PASSAGES).forEach((p, passageIndex) => {
    const titleWords = stems(p.title, language);
    let previous: string[] = [];
    const sentences = splitSentences(p.text);
    sentences.forEach((s, position) => {
      const sentenceWords = stems(s.text, language);
      // A question (an FAQ entry, a heading, a quoted title) restates the asker's words but answers nothing.
      if (sentenceWords.length < 3 || QUESTION_END.test(s.text)) {
        previous = sentenceWords;
        return;
      }
      const present = new Set(sentenceWords);
      const cov = coverageOf(present, terms, idf);
      const next = sentences[position + 1];
      // The next sentence joins only within the same line: a line break starts a heading, an item or a paragraph.
      const joins = next && next.end - s.start <= MAX_ANSWER_CHARS && !QUESTION_END.test(next.text) && !p.text.slice(s.end, next.start).includes('\n');
      const answerEnd = joins ? next.end : s.end;
      // An answer adds something to the question: a meaningful word it does not contain.
      const spanStems = new Set(contentStems(p.text.slice(s.start, answerEnd), language));
      if (![...spanStems].some((w) => !questionSet.has(w))) {
        previous = sentenceWords;
        return;
      }
      // The short answer may sit in the following sentence of the answer.
      const shortAnswer = extractShortAnswer(p.text.slice(s.start, answerEnd), question, qtype.answerType);
      const sentenceBigrams = bigrams(sentenceWords);
      const typed = qtype.answerType !== 'other';
      const features: SelectorFeatures = {
        coverage: cov.weighted,
        coverage_with_title: coverageOf(new Set([...sentenceWords, ...titleWords]), terms, idf).weighted,
        coverage_with_previous: coverageOf(new Set([...sentenceWords, ...previous]), terms, idf).weighted,
        plain_coverage: cov.plain,
        bigram_match: questionBigrams.size ? [...questionBigrams].filter((b) => sentenceBigrams.has(b)).length / questionBigrams.size : 0,
        typed_found: typed && shortAnswer ? 1 : 0,
        typed_missing: typed && !shortAnswer ? 1 : 0,
        first_sentence: position === 0 ? 1 : 0,
        position_log: Math.log(1 + position),
        passage_rank: passageIndex,
        passage_score_ratio: p.score / topScore,
        chars_log: Math.log(1 + s.text.length),
        novel_words: sentenceWords.filter((w) => !questionSet.has(w)).length / sentenceWords.length,
      };
      const selectionScore = selector ? predict(selector, SELECTOR_FEATURES.map((n) => features[n])) : heuristicScore(features);
      out.push({ passageIndex, text: s.text, start: s.start, end: s.end, answerEnd, coverage: cov.weighted, plainCoverage: cov.plain, shortAnswer, features, selectionScore });
      previous = sentenceWords;
    });
  });
  return out.sort((a, b) => b.selectionScore - a.selectionScore);
}
