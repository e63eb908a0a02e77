import { cleanText } from './clean';
import type { LoadedDocument } from './types';

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

type Parsed = { ok: true; id: string; title: string; text: string } | { ok: false; reason: string };

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
  const { id, title, text } = value as Record<string, unknown>;
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
  return { ok: true, id, title: cleanTitle || id, text: cleaned };
}

/**
 * One document per non-blank line: `{"id": string, "title"?: string, "text": string}`, other
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
    documents.push({ source: `${absPath}#${parsed.id}`, title: parsed.title, text: parsed.text, format: 'jsonl' });
  }
  return { documents, failures };
}
