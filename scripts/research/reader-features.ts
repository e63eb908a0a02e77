/**
 * Research (#9): cheap "poor man's reader" features of the router's candidate, computed beside
 * the router's own (src/answer/features.ts) to test whether they separate right from wrong
 * candidates. Not used by the service. Method: docs/research/router-model.md.
 */
import type { QuestionType } from '../../src/answer/question-type';
import { coverageOf, type SentenceCandidate } from '../../src/answer/sentence-selector';
import { typedCandidates } from '../../src/answer/short-answer';
import type { Passage } from '../../src/retrieve/types';
import { isCorrect } from '../../src/evaluation/collect';
import { contentStems, fold, stem, stems, words } from '../../src/text/tokens';

export const READER_FEATURES = [
  'short_in_sentence', 'typed_count_log', 'short_distance_log', 'window_coverage', 'ordered_share',
  'missing_terms', 'novel_names_log', 'novel_numbers_log', 'novel_share', 'short_support',
  'novel_support', 'other_passage_agree', 'score_gap_rel', 'near_ties', 'context_gain',
  'missing_everywhere_idf', 'entities_absent_everywhere', 'other_type_names',
] as const;
export type ReaderFeatures = Record<(typeof READER_FEATURES)[number], number>;

const WINDOW = 8;

/** IDF-weighted share of `terms` among `present`. */
function share(present: ReadonlySet<string>, terms: readonly string[], idf: ReadonlyMap<string, number>): number {
  return coverageOf(present, terms, idf).weighted;
}

/** Longest common subsequence length of two stem lists (question order kept in the span). */
function lcs(a: readonly string[], b: readonly string[]): number {
  const prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = x === b[j - 1] ? diag + 1 : Math.max(prev[j], prev[j - 1]);
      diag = up;
    }
  }
  return prev[b.length];
}

function containsPhrase(text: string, phrase: string): boolean {
  return isCorrect(text, [phrase]);
}

/** Capitalised words after a sentence's first word, and numbers, that the question lacks. */
function novelTokens(span: string, questionWords: ReadonlySet<string>): { names: number; numbers: number } {
  const tokens = span.match(/[\p{L}\p{N}]+/gu) ?? [];
  let names = 0;
  let numbers = 0;
  tokens.forEach((t, i) => {
    if (questionWords.has(fold(t))) return;
    if (/^\p{N}+$/u.test(t)) numbers++;
    else if (i > 0 && /^\p{Lu}/u.test(t)) names++;
  });
  return { names, numbers };
}

export function readerFeatures(
  question: string,
  qtype: QuestionType,
  terms: readonly string[],
  idf: ReadonlyMap<string, number>,
  passages: readonly Passage[],
  candidates: readonly SentenceCandidate[],
): ReaderFeatures {
  const f = Object.fromEntries(READER_FEATURES.map((n) => [n, 0])) as ReaderFeatures;
  const best = candidates[0];
  if (!best) return f;
  const passage = passages[best.passageIndex];
  const span = passage.text.slice(best.start, best.answerEnd);
  const questionWords = new Set(words(question));
  const questionStems = new Set(stems(question));
  const spanStems = stems(span);
  const maxIdf = Math.max(1e-9, ...[...idf.values()]);

  // Answer type: where the short answer sits, how many candidates of the type compete.
  const typed = typedCandidates(span, question, qtype.answerType);
  f.typed_count_log = Math.log(1 + typed.length);
  const sa = best.shortAnswer;
  f.short_in_sentence = sa && sa.start < best.end - best.start ? 1 : 0;
  // The question's words around the short answer (or the best window of the span).
  let windowCov = 0;
  if (sa) {
    const at = stems(span.slice(0, sa.start)).length;
    const saLen = Math.max(1, stems(sa.text).length);
    windowCov = share(new Set(spanStems.slice(Math.max(0, at - WINDOW), at + saLen + WINDOW)), terms, idf);
    const anchors: number[] = [];
    spanStems.forEach((s, i) => {
      if (terms.includes(s)) anchors.push(i);
    });
    const d = anchors.length ? Math.min(...anchors.map((a) => (a < at ? at - a : a >= at + saLen ? a - at - saLen + 1 : 0))) : spanStems.length;
    f.short_distance_log = Math.log(1 + d);
  } else {
    for (let i = 0; i < Math.max(1, spanStems.length - 2 * WINDOW); i++) windowCov = Math.max(windowCov, share(new Set(spanStems.slice(i, i + 2 * WINDOW + 1)), terms, idf));
  }
  f.window_coverage = windowCov;
  const spanContent = contentStems(span);
  f.ordered_share = terms.length ? lcs(contentStems(question), spanContent) / contentStems(question).length : 0;
  const spanSet = new Set(spanStems);
  f.missing_terms = terms.filter((t) => !spanSet.has(t)).length;

  // Words the sentence adds to the question: the answer slot.
  const novel = novelTokens(span, questionWords);
  f.novel_names_log = Math.log(1 + novel.names);
  f.novel_numbers_log = Math.log(1 + novel.numbers);
  const novelStems = [...new Set(spanContent.filter((s) => !questionStems.has(s)))];
  f.novel_share = spanContent.length ? novelStems.length / new Set(spanContent).size : 0;
  f.other_type_names = qtype.answerType === 'other' && novel.names + novel.numbers > 0 ? 1 : 0;

  // Agreement across the top passages.
  const others = passages.filter((_, i) => i !== best.passageIndex);
  if (sa && others.length) f.short_support = others.filter((p) => containsPhrase(p.text, sa.text)).length / others.length;
  if (novelStems.length && others.length) {
    const otherStems = new Set(others.flatMap((p) => stems(p.text)));
    f.novel_support = novelStems.filter((s) => otherStems.has(s)).length / novelStems.length;
  }
  const rival = candidates.find((c) => c.passageIndex !== best.passageIndex);
  if (rival) {
    const rivalText = passages[rival.passageIndex].text.slice(rival.start, rival.answerEnd);
    if (sa) f.other_passage_agree = containsPhrase(rivalText, sa.text) ? 1 : 0;
    else {
      const rs = new Set(contentStems(rivalText).filter((s) => !questionStems.has(s)));
      const inter = novelStems.filter((s) => rs.has(s)).length;
      f.other_passage_agree = inter / Math.max(1, novelStems.length + rs.size - inter);
    }
  }

  // Margins among the candidate sentences.
  const second = candidates.find((c) => c.text !== best.text);
  f.score_gap_rel = second ? (best.selectionScore - second.selectionScore) / Math.max(1e-9, Math.abs(best.selectionScore)) : 1;
  f.near_ties = Math.log(1 + candidates.filter((c) => c !== best && c.selectionScore >= best.selectionScore - 0.05).length);

  // The passage around the sentence, and question words found nowhere.
  f.context_gain = share(new Set(stems(`${passage.title} ${passage.text}`)), terms, idf) - share(spanSet, terms, idf);
  const everywhere = new Set(passages.flatMap((p) => stems(`${p.title} ${p.text}`)));
  f.missing_everywhere_idf = Math.max(0, ...terms.filter((t) => !everywhere.has(t)).map((t) => idf.get(t) ?? 0)) / maxIdf;
  const qTokens = question.match(/[\p{L}\p{N}]+/gu) ?? [];
  const entities = qTokens.filter((t, i) => (i > 0 && /^\p{Lu}/u.test(t)) || /^\p{N}+$/u.test(t)).map((t) => stem(fold(t)));
  f.entities_absent_everywhere = entities.filter((e) => !everywhere.has(e)).length;
  return f;
}
