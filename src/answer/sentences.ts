/** Sentence segmentation with character offsets, by ICU's rules (Intl.Segmenter), for English and French. */
export interface Sentence {
  text: string;
  /** Offsets in the passage text. */
  start: number;
  end: number;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

// ICU ends a sentence after any "word." followed by a capital: not after these (English and French
// abbreviations: "av. J.-C.", "p. ex. Paris", "M. Dupont"), nor after an initial.
const ABBREVIATION =
  /(?:^|[\s(])(?:St|Mt|Ft|Mr|Mrs|Ms|Dr|Prof|Jr|Sr|Gen|Col|Lt|Sgt|Capt|Gov|Sen|Rep|Rev|Inc|Ltd|Co|Corp|vs|No|Vol|pp|approx|etc|e\.g|i\.e|U\.S|U\.K|Mme|Mlle|Mmes|Mlles|MM|Mgr|Me|Pr|Ste|Cie|M|av|apr|ex|cf|env|chap|fig|vol|éd|coll|hab|n°|janv|févr|avr|juil|sept|oct|nov|déc)\.\s*$|(?:^|[\s.(])\p{Lu}\.\s*$/u;
// French sets a space before a closing guillemet, so ICU starts the next sentence with it:
// « C'est fini. » goes with its sentence, and so does what follows it in lower case
// (« Pourquoi ? » demanda-t-il.).
// (Straight quotes are left alone: ICU already puts an opening one with the sentence it opens.)
const CLOSING = /^[»”)\]]+/u;
const CONTINUES = /^[»”)\]]+\s*[\p{Ll},;:.!?…]/u;

// A fence line (``` or ~~~). Cleaning writes opening fences with an info string ("```python",
// "```code") and closing fences bare, so a passage that starts inside a code block shows it.
const FENCE = /^[ \t]*(`{3,}|~{3,})(.*)$/;

/**
 * `text` with code blocks blanked (every character but line breaks becomes a space), so offsets
 * are unchanged and no sentence comes from code. A bare fence with no block open is the end of a
 * block that began before the passage when it is the passage's first fence.
 */
export function maskCode(text: string): string {
  if (!text.includes('```') && !text.includes('~~~')) return text;
  const lines = text.split('\n');
  let open: string | null = null;
  let sawFence = false;
  let maskFrom = -1; // line index from which every line is code
  const masked = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, i) => {
    const m = FENCE.exec(line);
    if (open !== null) {
      masked[i] = true;
      if (m && m[1][0] === open[0] && m[1].length >= open.length && m[2].trim() === '') open = null;
      return;
    }
    if (!m) return;
    masked[i] = true;
    if (m[2].trim() === '' && !sawFence) maskFrom = i;
    else open = m[1];
    sawFence = true;
  });
  for (let i = 0; i <= maskFrom; i++) masked[i] = true;
  return lines.map((line, i) => (masked[i] ? line.replace(/[^\n]/g, ' ') : line)).join('\n');
}

// A token that only code has: braces, operators, $variables, calls f(x), snake_case, paths, --flags, backticks.
const CODE_TOKEN = /[{}=<>|\\`]|\$[A-Za-z_{(]|\w\(|\)\)|::|->|=>|[a-z0-9]_[a-z0-9]|^(?:\.{0,2}\/[\w.-]|--?[a-zA-Z])/;

/** A line or sentence that is mostly code (half its tokens or more look like code). */
export function looksLikeCode(text: string): boolean {
  const tokens = text.split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return false;
  return tokens.filter((t) => CODE_TOKEN.test(t)).length * 2 >= tokens.length;
}

/** Sentences of a passage; line breaks also end a sentence (headings, list items). Code is left out. */
export function splitSentences(text: string): Sentence[] {
  const prose = maskCode(text);
  const pieces: { start: number; end: number }[] = [];
  for (const seg of segmenter.segment(prose)) {
    const start = seg.index;
    const end = start + seg.segment.length;
    const last = pieces.at(-1);
    const lastText = last ? prose.slice(last.start, last.end) : '';
    const sameLine = last !== undefined && !lastText.includes('\n');
    if (last && sameLine && (ABBREVIATION.test(lastText) || CONTINUES.test(seg.segment))) {
      last.end = end;
      continue;
    }
    const close = CLOSING.exec(seg.segment);
    if (last && sameLine && close) {
      last.end = start + close[0].length;
      pieces.push({ start: last.end, end });
    } else pieces.push({ start, end });
  }
  const out: Sentence[] = [];
  for (const piece of pieces) {
    let offset = piece.start;
    for (const line of prose.slice(piece.start, piece.end).split('\n')) {
      const lead = line.length - line.trimStart().length;
      const body = line.trim();
      if (body.length > 0 && !looksLikeCode(body)) out.push({ text: body, start: offset + lead, end: offset + lead + body.length });
      offset += line.length + 1;
    }
  }
  return out;
}
