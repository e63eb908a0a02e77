import { stripMarkdown } from './markdown';
import { LIST_ITEM, reflowText } from './reflow';

// Breaks that are not \n (vertical tab, form feed, NEL, Unicode line/paragraph separators) become
// newlines before control characters are dropped, so words on either side are not glued together.
const OTHER_BREAKS = /[\u000B\u000C\u0085\u2028\u2029]/g;
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F]/g;
// Invisible characters that only get in the way of matching and quoting: BOM/ZWNBSP, ZWSP, soft hyphen.
const INVISIBLE = /[\uFEFF\u200B\u00AD]/g;
// Runs of blanks; a run that holds a tab or a non-breaking/typographic space becomes one space.
// (Matched as plain runs and tested in a callback: the one-regex form backtracks quadratically
// on long runs of ordinary spaces.) The lookbehind makes trailing runs match from their first
// space only, which keeps that one linear too (/ +$/gm is quadratic on long space runs).
const WIDE_BLANK = /[\t\u00A0\u2000-\u200A\u202F\u205F\u3000]/;
const BLANK_RUN = /[ \t\u00A0\u2000-\u200A\u202F\u205F\u3000]{2,}|[\t\u00A0\u2000-\u200A\u202F\u205F\u3000]/g;
const TRAILING_SPACES = /(?<! ) +(?=\n|$)/g;

/**
 * Generic text cleaning shared by every format: NFC, LF line ends, no control characters
 * (except \n and \t, and tabs then become spaces), single spaces for tab/nbsp runs, no trailing
 * spaces, at most one blank line in a row, trimmed.
 */
export function cleanText(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(OTHER_BREAKS, '\n')
    .replace(CONTROL, '')
    .replace(INVISIBLE, '')
    .replace(BLANK_RUN, (run) => (WIDE_BLANK.test(run) ? ' ' : run))
    .replace(TRAILING_SPACES, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Markdown made readable for quoting (syntax stripped, headings as their own paragraphs), then `cleanText`. */
export function cleanMarkdown(raw: string): string {
  return cleanText(stripMarkdown(raw));
}

/** Plain text: `cleanText`, then hard-wrapped lines re-flowed into paragraphs (see `reflowText`). */
export function cleanPlainText(raw: string): string {
  return reflowText(cleanText(raw));
}

const MAX_TITLE_CHARS = 100;

/** A cleaned plain text's first line when it reads as a title: short, alone in its paragraph, no closing punctuation. */
export function plainTextTitle(text: string): string | null {
  const [first, second, third] = text.split('\n', 3);
  const title = first.trim();
  if (third === undefined || second.trim() !== '' || title.length > MAX_TITLE_CHARS || /[.,;:!]$/.test(title) || LIST_ITEM.test(title)) return null;
  return /\p{L}/u.test(title) ? title : null;
}
