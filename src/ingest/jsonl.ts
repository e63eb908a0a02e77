import { cleanText } from './clean';
import type { FaqSpan, LoadedDocument } from './types';

export interface JsonlLineFailure {
  /** 1-based line number in the file. */
  line: number;
  reason: string;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

type Parsed = { ok: true; id: string; title: string; text: string; faq?: FaqSpan[] } | { ok: false; reason: string };

/** A record's `question` and `answer` fields: its text when it has none, and its FAQ pair. */
function questionAnswer(record: Record<string, unknown>): { text: string; faq: FaqSpan } | null {
  const { question, answer } = record;
  if (typeof question !== 'string' || typeof answer !== 'string') return null;
  const q = cleanText(question).replace(/\s+/g, ' ');
  const a = cleanText(answer);
  if (!q || !a) return null;
  return { text: `${q}\n\n${a}`, faq: { question: q, answerStart: q.length + 2, answerEnd: q.length + 2 + a.length } };
}

function parseLine(line: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, reason: `invalid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: `expected a JSON object, got ${describe(value)}` };
  }
  const record = value as Record<string, unknown>;
  const { id, title } = record;
  const qa = questionAnswer(record);
  const text = record.text ?? qa?.text;
  if (typeof id !== 'string' || id.trim() === '') {
    return { ok: false, reason: id === undefined ? 'missing "id"' : `"id" must be a non-empty string, got ${describe(id)}` };
  }
  if (title !== undefined && title !== null && typeof title !== 'string') {
    return { ok: false, reason: `"title" must be a string, got ${describe(title)}` };
  }
  if (text === undefined) return { ok: false, reason: 'missing "text"' };
  if (typeof text !== 'string') return { ok: false, reason: `"text" must be a string, got ${describe(text)}` };
  const cleaned = cleanText(text);
  if (cleaned === '') return { ok: false, reason: '"text" is empty' };
  const cleanTitle = typeof title === 'string' ? cleanText(title).replace(/\s+/g, ' ') : '';
  // With its own text too, the pair counts only where the answer is in that text.
  const at = qa ? cleaned.indexOf(qa.text.slice(qa.faq.answerStart)) : -1;
  const faq = qa && at >= 0 ? [{ question: qa.faq.question, answerStart: at, answerEnd: at + (qa.faq.answerEnd - qa.faq.answerStart) }] : undefined;
  return { ok: true, id, title: cleanTitle || (qa ? qa.faq.question : id), text: cleaned, ...(faq ? { faq } : {}) };
}

/**
 * One document per non-blank line: `{"id": string, "title"?: string, "text": string}`, or a
 * question and its answer: `{"id", "question": string, "answer": string}` (a FAQ pair); other
 * fields ignored. Bad lines are reported and skipped; for a repeated id the first line wins.
 */
export function parseJsonl(content: string, absPath: string): { documents: LoadedDocument[]; failures: JsonlLineFailure[] } {
  const documents: LoadedDocument[] = [];
  const failures: JsonlLineFailure[] = [];
  const firstLine = new Map<string, number>();
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const line = i + 1;
    const parsed = parseLine(raw);
    if (!parsed.ok) {
      failures.push({ line, reason: parsed.reason });
      continue;
    }
    const seen = firstLine.get(parsed.id);
    if (seen !== undefined) {
      failures.push({ line, reason: `duplicate id ${JSON.stringify(parsed.id)} (first on line ${seen}), skipped` });
      continue;
    }
    firstLine.set(parsed.id, line);
    documents.push({ source: `${absPath}#${parsed.id}`, title: parsed.title, text: parsed.text, format: 'jsonl', ...(parsed.faq ? { faq: parsed.faq } : {}) });
  }
  return { documents, failures };
}
