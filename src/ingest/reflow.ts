/**
 * Hard-wrapped text (plain text files, PDF text layers) back into paragraphs, so a sentence does
 * not stop at a printed line end and a word hyphenated across lines is whole again. Paragraph
 * breaks (blank lines), list items and short lines (headings, a paragraph's last line) keep
 * their break.
 */

/** A line that starts a list item: a bullet, "1." / "1)" / "(a)" / "a)", "[1]". */
export const LIST_ITEM = /^\s*(?:[-*+•–—·▪◦‣]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s|\([A-Z]\)\s|[A-Z]\)\s|\[\d+\]\s)/;

// A hyphen after these is part of a compound ("non-violent", "self-hosted", "demi-heure").
const PREFIXES = new Set(['ex', 'non', 'self', 'vice', 'demi', 'semi', 'quasi', 'sous', 'sans', 'grand', 'grande', 'arrière', 'après', 'nord', 'sud', 'well', 'half', 'cross', 'all']);
// And before these: French pronouns and particles joined by a hyphen ("lui-même", "peut-être",
// "a-t-il", "celle-ci", "est-ce").
const SECOND_PARTS = new Set(['même', 'mêmes', 'être', 'ce', 'ci', 'là', 'il', 'ils', 'elle', 'elles', 'on', 't', 'je', 'tu', 'nous', 'vous', 'moi', 'toi', 'lui', 'leur', 'eux', 'y', 'en', 'dessus', 'dessous', 'delà']);

const WORD = /\p{L}+(?:-\p{L}+)*/gu;

/** The words of a text in lower case (hyphenated compounds as one word): evidence for joining. */
export function vocabulary(text: string): ReadonlySet<string> {
  return new Set((text.toLowerCase().match(WORD) ?? []));
}

/**
 * Whether a word broken as "frag-" / "rest" across lines keeps its hyphen. The document's own
 * words decide first ("omniprésente" seen elsewhere: join; "long-term" seen: keep); then a
 * capitalised second part ("Jean-Pierre"), digits ("1990-2000"), a known prefix or French
 * particle keep it; otherwise the hyphen was the typesetter's and goes.
 */
export function keepsHyphen(frag: string, rest: string, vocab: ReadonlySet<string>): boolean {
  const a = frag.toLowerCase();
  const b = rest.toLowerCase();
  if (vocab.has(a + b)) return false;
  if (vocab.has(`${a}-${b}`)) return true;
  if (/^\p{Lu}/u.test(rest) || /\d$/.test(frag) || /^\d/.test(rest)) return true;
  return PREFIXES.has(a) || SECOND_PARTS.has(b);
}

/**
 * `lines` joined back into text, line i running on into line i + 1 where `wrapped(i)`: with a
 * space, or glued at a hyphen (which stays or goes, see `keepsHyphen`). Each line is looked at
 * once, so this stays linear however long a paragraph gets.
 */
export function joinLines(lines: readonly string[], wrapped: (i: number) => boolean, vocab: ReadonlySet<string>): string {
  const parts: string[] = [];
  let joined = false;
  for (let i = 0; i < lines.length; i++) {
    const line = joined ? lines[i].trimStart() : lines[i];
    joined = i + 1 < lines.length && wrapped(i);
    if (!joined) {
      parts.push(i + 1 < lines.length ? `${line}\n` : line);
      continue;
    }
    const head = line.trimEnd();
    const broken = /(\p{L}+|\d+)-$/u.exec(head.slice(-64));
    const rest = /^[\p{L}\d]+/u.exec(lines[i + 1].trimStart());
    if (broken && rest) parts.push(keepsHyphen(broken[1], rest[0], vocab) ? head : head.slice(0, -1));
    else parts.push(`${head} `);
  }
  return parts.join('');
}

// Wrap widths outside this range are not a printed or typed line: one line per paragraph, or a list.
const MIN_WIDTH = 30;
const MAX_WIDTH = 200;

/** The width text was wrapped at (90th percentile of lines inside paragraphs), or null when it was not. */
function wrapWidth(lines: readonly string[]): number | null {
  const inner: number[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (lines[i].trim() !== '' && lines[i + 1].trim() !== '') inner.push(lines[i].trimEnd().length);
  }
  if (inner.length < 3) return null;
  inner.sort((x, y) => x - y);
  const width = inner[Math.floor(0.9 * (inner.length - 1))];
  return width >= MIN_WIDTH && width <= MAX_WIDTH ? width : null;
}

/**
 * Whether `line` was wrapped onto `next` at width `width`: the next line's first word would not
 * have fitted (with some slack for proportional fonts), or, after a line of at least half the
 * width, a word visibly goes on (a hyphen glued to the last word) or the sentence does (no
 * closing punctuation, a lower-case start).
 */
function wraps(line: string, next: string, width: number): boolean {
  const head = line.trimEnd();
  if (head.trim() === '' || next.trim() === '' || LIST_ITEM.test(next)) return false;
  const firstWord = next.trimStart().split(/\s/, 1)[0];
  if (head.length + 1 + firstWord.length > 0.85 * width) return true;
  if (head.length < 0.5 * width) return false;
  return (/\p{L}-$/u.test(head) && /^\s*\p{L}/u.test(next)) || (!/[.!?:;]["'»”)\]]?$/u.test(head) && /^\s*\p{Ll}/u.test(next));
}

/** Plain text re-flowed into paragraphs when it is hard-wrapped; unchanged otherwise. */
export function reflowText(text: string): string {
  const lines = text.split('\n');
  const width = wrapWidth(lines);
  if (width === null) return text;
  return joinLines(lines, (i) => wraps(lines[i], lines[i + 1], width), vocabulary(text));
}
