/**
 * The router's evidence: the best candidate sentence among the top passages, and the features
 * (retrieval scores and margins, retriever agreement, how much of the question the sentence and
 * passage cover, answer-type match) the calibrated model turns into a probability.
 */
import type { Passage } from '../retrieve/types';
import { contentStems, fold, stem, stems, type StemLanguage } from '../text/tokens';
import { classifyQuestion, type QuestionType } from './question-type';
import type { LogisticModel } from './logistic';
import { coverageOf, selectSentences, type SentenceCandidate } from './sentence-selector';

export type { SentenceCandidate } from './sentence-selector';

export const FEATURE_NAMES = [
  'sentence_coverage', 'sentence_plain_coverage', 'selector_score', 'selector_margin', 'sentence_cosine',
  'passage_coverage', 'missing_idf_max', 'bm25_log_ratio', 'cosine_top', 'cosine_margin', 'retrievers_agree',
  'from_top_passage', 'typed_question', 'typed_match', 'question_words_log', 'sentence_chars_log',
  'wh_when', 'wh_who', 'wh_where', 'wh_how_many', 'wh_what', 'wh_which', 'wh_why_how',
  'sentence_missing_idf_max', 'missing_entities', 'question_negation', 'negation_mismatch',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export type Features = Record<FeatureName, number>;

export interface Evidence {
  question: QuestionType;
  best: SentenceCandidate | null;
  features: Features;
}

const NEGATION = /\b(not|never|no|nor|without|none|neither|cannot|ne|pas|jamais|aucun|aucune|sans)\b|n't\b/;

/** Names and numbers of the question (capitalised words after the first, digits), stemmed. */
function questionEntities(question: string, language: StemLanguage): string[] {
  const tokens = question.match(/[\p{L}\p{N}]+/gu) ?? [];
  return tokens.filter((t, i) => (i > 0 && /^\p{Lu}/u.test(t)) || /^\p{N}+$/u.test(t)).map((t) => (language === 'en' ? stem(fold(t)) : stem(t, language)));
}

/** The question's distinct content stems (stemmed for its language): the terms whose IDF the features weigh. */
export function questionTerms(question: string, language: StemLanguage = 'en'): string[] {
  return [...new Set(contentStems(question, language))];
}

/**
 * `idf` must hold the IDF of every `questionTerms(question, language)` (`TermStats.idf`);
 * question and passages are stemmed for `language`, the question's.
 */
export function computeEvidence(
  question: string,
  passages: readonly Passage[],
  idf: ReadonlyMap<string, number>,
  selector: LogisticModel | null,
  language: StemLanguage = 'en',
): Evidence {
  const qtype = classifyQuestion(question);
  const terms = questionTerms(question, language);
  const candidates = selectSentences(question, qtype, passages, idf, selector, language);
  const best = candidates[0] ?? null;
  const second = candidates.find((c) => c.text !== best?.text);
  const top = passages[0];
  const topWords = new Set(top ? stems(`${top.title} ${top.text}`, language) : []);
  const passageCov = coverageOf(topWords, terms, idf);
  const maxIdf = Math.max(1e-9, ...[...idf.values()]);
  const missingIdf = Math.max(0, ...terms.filter((t) => !topWords.has(t)).map((t) => idf.get(t) ?? 0));
  const f = {} as Features;
  f.sentence_coverage = best?.coverage ?? 0;
  f.sentence_plain_coverage = best?.plainCoverage ?? 0;
  f.selector_score = best?.selectionScore ?? 0;
  f.selector_margin = best ? best.selectionScore - (second?.selectionScore ?? 0) : 0;
  f.sentence_cosine = 0; // filled in by gatherEvidence, which embeds the chosen sentence
  f.passage_coverage = passageCov.weighted;
  f.missing_idf_max = missingIdf / maxIdf;
  f.bm25_log_ratio = top && passages[1] ? Math.log((1 + Math.max(0, top.bm25 ?? 0)) / (1 + Math.max(0, passages[1].bm25 ?? 0))) : top ? 1 : 0;
  f.cosine_top = top?.cosine ?? 0;
  f.cosine_margin = top && passages[1] ? (top.cosine ?? 0) - (passages[1].cosine ?? 0) : 0;
  f.retrievers_agree = top && top.lexicalRank === 1 && top.denseRank === 1 ? 1 : 0;
  f.from_top_passage = best?.passageIndex === 0 ? 1 : 0;
  f.typed_question = qtype.answerType === 'other' ? 0 : 1;
  f.typed_match = qtype.answerType !== 'other' && best?.shortAnswer ? 1 : 0;
  f.question_words_log = Math.log(1 + terms.length);
  f.sentence_chars_log = best ? Math.log(1 + best.text.length) : 0;
  f.wh_when = qtype.wh === 'when' ? 1 : 0;
  f.wh_who = qtype.wh === 'who' ? 1 : 0;
  f.wh_where = qtype.wh === 'where' ? 1 : 0;
  f.wh_how_many = qtype.wh === 'how-many' ? 1 : 0;
  f.wh_what = qtype.wh === 'what' ? 1 : 0;
  f.wh_which = qtype.wh === 'which' ? 1 : 0;
  f.wh_why_how = qtype.wh === 'why' || qtype.wh === 'how' ? 1 : 0;
  // Questions written to look answerable swap a name, number or polarity of the sentence.
  const sentenceWords = new Set(best ? stems(best.text, language) : []);
  f.sentence_missing_idf_max = Math.max(0, ...terms.filter((t) => !sentenceWords.has(t)).map((t) => idf.get(t) ?? 0)) / maxIdf;
  f.missing_entities = questionEntities(question, language).filter((e) => !sentenceWords.has(e)).length;
  const qNeg = NEGATION.test(fold(question));
  f.question_negation = qNeg ? 1 : 0;
  f.negation_mismatch = best && qNeg !== NEGATION.test(fold(best.text)) ? 1 : 0;
  return { question: qtype, best, features: f };
}

/** SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces. */
export function normalizeAnswer(s: string): string {
  return fold(s)
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
