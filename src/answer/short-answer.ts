/**
 * A short answer inside the chosen sentence, for questions whose type allows one (when, how
 * many, who, where). Candidates are spans of the expected shape that the question does not
 * already contain; the one closest to the question's words in the sentence wins.
 */
import { fold, words } from '../text/tokens';
import type { AnswerType } from './question-type';

export interface Span {
  text: string;
  start: number;
  end: number;
}

const MONTHS = 'january|february|march|april|may|june|july|august|september|october|november|december|janvier|fevrier|février|mars|avril|mai|juin|juillet|aout|août|septembre|octobre|novembre|decembre|décembre';
const NUMBER_WORDS = 'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|deux|trois|quatre|cinq|dix|cent|mille|million|milliard';
const UNITS = '%|percent|per cent|pour cent|million|billion|trillion|thousand|milliards?|millions?|km|kilometres?|kilometers?|miles?|metres?|meters?|m|kg|tonnes?|tons?|t|twh|gwh|mwh|kwh|wh|tco2e?q?|gco2e?|co2e?|litres?|liters?|l|ml|years?|ans|days?|jours|hours?|heures|minutes?|seconds?|ms|dollars?|euros?|people|personnes';

const PATTERNS: Record<Exclude<AnswerType, 'other'>, RegExp> = {
  date: new RegExp(
    `\\b(?:(?:\\d{1,2}(?:st|nd|rd|th|er)?\\s+)?(?:${MONTHS})(?:\\s+\\d{1,2}(?:st|nd|rd|th)?,?)?\\s+\\d{3,4}|\\d{1,2}(?:st|nd|rd|th)\\s+century|(?:${MONTHS})\\s+\\d{1,2}|1\\d{3}s?|20\\d{2}s?|\\d{3,4}\\s?(?:BC|AD|BCE|CE))\\b`,
    'giu',
  ),
  number: new RegExp(
    `(?:[$€£¥]\\s?)?(?:\\b\\d{1,3}(?:[ ,\\u202f\\u00a0]\\d{3}(?!\\d))+(?:[.,]\\d+)?|\\b\\d+(?:[.,]\\d+)?|\\b(?:${NUMBER_WORDS})\\b)(?:\\s?(?:${UNITS})\\b|(?![\\p{L}\\d]))`,
    'giu',
  ),
  person: /\b[\p{Lu}][\p{L}'’.-]+(?:\s+(?:(?:de|van|von|der|la|le|du|of|bin|al)\s+)?[\p{Lu}][\p{L}'’.-]+)*/gu,
  place: /\b[\p{Lu}][\p{L}'’.-]+(?:\s+(?:(?:de|of|the|la|le|du|upon|sur)\s+)?[\p{Lu}][\p{L}'’.-]+)*/gu,
};

/** Spans of the expected type in `sentence` that add something to the question. */
export function typedCandidates(sentence: string, question: string, type: AnswerType): Span[] {
  if (type === 'other') return [];
  const questionWords = new Set(words(question));
  const out: Span[] = [];
  for (const m of sentence.matchAll(PATTERNS[type])) {
    const text = m[0].trim().replace(/[,.;:]+$/, '');
    if (text.length === 0) continue;
    const start = (m.index ?? 0) + m[0].indexOf(text);
    const spanWords = words(text);
    if (spanWords.length === 0 || spanWords.every((w) => questionWords.has(w))) continue;
    // A capitalised first word of the sentence is usually not a name.
    if ((type === 'person' || type === 'place') && start === 0 && spanWords.length === 1) continue;
    out.push({ text, start, end: start + text.length });
  }
  return out;
}

/** The candidate nearest to the question's words in the sentence, or null. */
export function extractShortAnswer(sentence: string, question: string, type: AnswerType): Span | null {
  const candidates = typedCandidates(sentence, question, type);
  if (candidates.length === 0) return null;
  const anchors: number[] = [];
  const folded = fold(sentence);
  for (const w of new Set(words(question))) {
    if (w.length < 3) continue;
    const re = new RegExp(`\\b${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g');
    for (const m of folded.matchAll(re)) anchors.push(m.index ?? 0);
  }
  if (anchors.length === 0) return candidates[0];
  const distance = (s: Span) => Math.min(...anchors.map((a) => (a < s.start ? s.start - a : a > s.end ? a - s.end : 0)));
  return candidates.reduce((best, c) => (distance(c) < distance(best) ? c : best));
}
