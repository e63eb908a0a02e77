/**
 * Question/answer pairs inside a document's cleaned text, found at ingest: a paragraph that is
 * one line phrased as a question (a Markdown or HTML heading ending in "?", a `Q:` line, a
 * `<dt>`), followed by the paragraphs that answer it (`A:` stripped), up to the next question
 * or heading. JSON Lines records with `question` and `answer` fields say so themselves
 * (`LoadedDocument.faq`). The answer kept is the FAQ's own, cut to 300 characters at a sentence end.
 */
import type { FaqSpan, LoadedDocument } from './types';

export const MAX_FAQ_ANSWER_CHARS = 300;
const MAX_QUESTION_CHARS = 200;
const QUESTION_PREFIX = /^(?:Q|Question)\s*[:.)-]\s*/i;
const ANSWER_PREFIX = /^(?:A|Answer|R|Réponse)\s*[:.)-]\s*/i;

export interface FaqPair {
  question: string;
  /** The answer served (at most MAX_FAQ_ANSWER_CHARS), and its offsets in the cleaned text. */
  answer: string;
  answerStart: number;
  answerEnd: number;
}

interface Paragraph {
  text: string;
  start: number;
  end: number;
}

function paragraphs(text: string): Paragraph[] {
  const out: Paragraph[] = [];
  const re = /[^\n]+(?:\n(?!\s*\n)[^\n]*)*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const raw = m[0];
    const lead = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (trimmed) out.push({ text: trimmed, start: m.index + lead, end: m.index + lead + trimmed.length });
  }
  return out;
}

function asQuestion(p: Paragraph): string | null {
  if (p.text.includes('\n') || p.text.length > MAX_QUESTION_CHARS) return null;
  const prefixed = QUESTION_PREFIX.test(p.text);
  const q = p.text.replace(QUESTION_PREFIX, '').trim();
  if (!/\?["»”')\]]*$/.test(q) && !prefixed) return null;
  return q.split(/\s+/).length >= 2 ? q : null;
}

/** A quotation or a code block: part of an answer, never its start nor a heading. */
function isQuoteOrCode(p: Paragraph): boolean {
  return /^(?:>|```|~~~)/.test(p.text);
}

/** A short line without closing punctuation: a heading, which ends an answer. */
function isHeading(p: Paragraph): boolean {
  return !isQuoteOrCode(p) && !p.text.includes('\n') && p.text.length <= 80 && !/[.!?:;»"”)]$/.test(p.text);
}

/**
 * How much of `text` to keep: the longest run of whole sentences within `max` characters once
 * line breaks are spaces, else a cut at a word (then `ellipsis`).
 */
export function sentenceCut(text: string, max = MAX_FAQ_ANSWER_CHARS): { length: number; ellipsis: boolean } {
  const flat = (s: string) => s.replace(/\s*\n\s*/g, ' ');
  if (flat(text).length <= max) return { length: text.length, ellipsis: false };
  let end = -1;
  const re = /[.!?…](?=["»”')\]]*(?:\s|$))/g;
  for (let m = re.exec(text); m && flat(text.slice(0, m.index + 1)).length <= max; m = re.exec(text)) end = m.index + 1;
  if (end > 0) return { length: end, ellipsis: false };
  let cut = max - 1;
  while (cut > 0 && flat(text.slice(0, cut)).length > max - 1) cut--;
  const space = text.lastIndexOf(' ', cut);
  return { length: space > 0 ? space : cut, ellipsis: true };
}

function pairFromSpan(text: string, span: FaqSpan): FaqPair | null {
  const raw = text.slice(span.answerStart, span.answerEnd);
  const full = raw.trim();
  if (!full) return null;
  const start = span.answerStart + raw.indexOf(full);
  const cut = sentenceCut(full);
  const answer = full.slice(0, cut.length).replace(/\s*\n\s*/g, ' ') + (cut.ellipsis ? '…' : '');
  return { question: span.question, answer, answerStart: start, answerEnd: start + cut.length };
}

export function extractFaq(doc: Pick<LoadedDocument, 'text' | 'faq'>): FaqPair[] {
  const out: FaqPair[] = [];
  // Answers the source marks itself (by offset), and the (answer, question) pairs found here.
  const seen = new Set<number | string>();
  for (const span of doc.faq ?? []) {
    const pair = pairFromSpan(doc.text, span);
    if (pair) (out.push(pair), seen.add(pair.answerStart));
  }
  const paras = paragraphs(doc.text);
  for (let i = 0; i < paras.length; i++) {
    const question = asQuestion(paras[i]);
    if (!question) continue;
    // The answer is the prose after the question; questions before any prose (two phrasings of
    // one question, or a quoted error message and "Have you seen it?") share it.
    const body: Paragraph[] = [];
    let first: Paragraph | undefined;
    for (let j = i + 1; j < paras.length && !isHeading(paras[j]); j++) {
      const p = paras[j];
      const prose = !isQuoteOrCode(p) && !asQuestion(p);
      if (!prose && first && asQuestion(p)) break;
      if (prose) first ??= p;
      body.push(p);
    }
    if (!first) continue;
    const lead = first.text.match(ANSWER_PREFIX)?.[0].length ?? 0;
    const pair = pairFromSpan(doc.text, { question, answerStart: first.start + lead, answerEnd: body[body.length - 1].end });
    const key = `${pair?.answerStart}:${question}`;
    if (pair && !seen.has(pair.answerStart) && !seen.has(key)) (out.push(pair), seen.add(key));
  }
  return out;
}
