/**
 * Markdown → plain text that reads well inside a quoted sentence. Not a full CommonMark parser:
 * a line-by-line pass that knows fenced and indented code, headings, tables, quotes, lists,
 * paragraphs (a soft line break joins lines, as a renderer does), display math and MkDocs
 * admonitions, plus inline rewrites (`markdown-inline.ts`).
 *
 * Code stays in the text, between fences, so it is searchable: "```lang" opens (lang "code"
 * when none is given), a bare "```" closes. The sentence splitter reads those fences and never
 * offers a sentence from inside them as an answer. Tables become one sentence per row.
 */
import { expandAdmonitions } from './admonitions';
import { latexToText } from './latex';
import { stripInline } from './markdown-inline';
import { tableSentences } from './tables';

const FENCE_OPEN = /^[ \t]*(`{3,}|~{3,})[ \t]*([^\s`{]*)/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const TABLE_SEPARATOR = /^[ \t]*(?:\|[ \t]*)?:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*(?:\|[ \t]*)?$/;
const BLOCKQUOTE = /^ {0,3}>[ \t]?/;
const BULLET = /^[ \t]*[-*+][ \t]+(?:\[[ xX]\][ \t]+)?/;
const ORDERED = /^[ \t]*\d{1,9}[.)][ \t]+/;
const INDENTED = /^(?: {4}|\t)/;
const REF_DEFINITION = /^ {0,3}\[(?!\^)[^\]]+\]:[ \t]*\S+.*$/;
const FOOTNOTE_DEFINITION = /^ {0,3}\[\^[^\]]+\]:[ \t]*/;
// Lines that are only markup for the site generator: abbreviation definitions, snippet includes.
const SITE_MARKUP = /^ {0,3}(?:\*\[[^\]]+\]:|-{1,2}8<-{1,2}\s)/;
const HTML_BLOCK = /^ {0,3}<\/?(?:div|details|summary|p|section|figure|figcaption|table|center|aside|span|img|br|hr|iframe|video)\b/i;
const MATH_OPEN = /^[ \t]*(\$\$|\\\[|\\begin\{(equation|align|gather|math|displaymath)\*?\})[ \t]*(.*)$/;
// Marks an output line that continues the previous one (a soft line break): private use, never in text.
const SOFT_BREAK = '\uf002';
const FRONT_MATTER = /^\uFEFF?---\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;

function closesFence(line: string, fence: string): boolean {
  const m = /^[ \t]*(`{3,}|~{3,})[ \t]*$/.exec(line);
  return m !== null && m[1][0] === fence[0] && m[1].length >= fence.length;
}

function cells(line: string): string[] {
  return line
    .replace(/^[ \t]*\|/, '')
    .replace(/\|[ \t]*$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => stripInline(cell.trim()).trim());
}

const MAX_MATH_LINES = 50;

/**
 * A display math block starting at line `i` ("$$" … "$$", "\[" … "\]", "\begin{equation}" …
 * "\end{equation}") as text, and the index of its last line; null when the line only starts with
 * inline math or the block never closes.
 */
function displayMath(lines: readonly string[], i: number): { text: string; last: number } | null {
  const m = MATH_OPEN.exec(lines[i]);
  if (!m) return null;
  const close = m[1] === '$$' ? '$$' : m[1] === '\\[' ? '\\]' : `\\end{${m[2]}`;
  const parts: string[] = [];
  for (let j = i; j < lines.length && j < i + MAX_MATH_LINES; j++) {
    const rest = j === i ? m[3] : lines[j];
    const at = rest.indexOf(close);
    if (at === -1) {
      parts.push(rest);
      continue;
    }
    // What follows the closing token must be nothing (or the environment name): else it is inline math.
    if (!/^\*?\}?[ \t]*$/.test(rest.slice(at + close.length))) return null;
    parts.push(rest.slice(0, at));
    return { text: latexToText(parts.join(' ')), last: j };
  }
  return null;
}

/** Remove Markdown syntax, keeping the text. The result still needs `cleanText`. */
export function stripMarkdown(raw: string): string {
  const text = raw.replace(/\r\n?/g, '\n').replace(FRONT_MATTER, '').replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  const lines = expandAdmonitions(text.split('\n'));
  const out: string[] = [];
  // Whether the last output line is prose a soft line break continues, and at which quote depth.
  let open = false;
  let openDepth = 0;
  let inList = false;
  const block = (...add: string[]): void => {
    out.push('', ...add, '');
    open = false;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !closesFence(lines[i], fence[1]); i++) body.push(lines[i]);
      block(`\`\`\`${fence[2] || 'code'}`, ...body, '```');
      continue;
    }
    const math = displayMath(lines, i);
    if (math) {
      block(math.text);
      i = math.last;
      continue;
    }
    const prev = lines[i - 1] ?? '';
    if (INDENTED.test(line) && line.trim() !== '' && prev.trim() === '' && !inList) {
      const body: string[] = [];
      for (; i < lines.length && (INDENTED.test(lines[i]) || lines[i].trim() === ''); i++) body.push(lines[i].replace(INDENTED, ''));
      i--;
      while (body.length > 0 && body[body.length - 1].trim() === '') body.pop();
      block('```code', ...body, '```');
      continue;
    }
    let depth = 0;
    let body = line;
    while (BLOCKQUOTE.test(body)) {
      body = body.replace(BLOCKQUOTE, '');
      depth++;
    }
    const next = lines[i + 1] ?? '';
    if (body.includes('|') && next.includes('|') && TABLE_SEPARATOR.test(next)) {
      const rows: string[][] = [];
      for (i += 2; i < lines.length && lines[i].includes('|') && lines[i].trim() !== ''; i++) rows.push(cells(lines[i].replace(BLOCKQUOTE, '')));
      i--;
      block(...tableSentences(cells(body), rows));
      continue;
    }
    if (REF_DEFINITION.test(body) || SITE_MARKUP.test(body)) continue;
    const atx = ATX_HEADING.exec(body);
    if (atx) {
      block(stripInline((atx[2] ?? '').trim()));
      inList = false;
      continue;
    }
    if (HR.test(body)) {
      block();
      continue;
    }
    if (body.trim() !== '' && SETEXT_UNDERLINE.test(next) && !BULLET.test(body) && !open) {
      block(stripInline(body.trim()));
      i++;
      continue;
    }
    if (body.trim() === '') {
      out.push('');
      open = false;
      continue;
    }
    const item = BULLET.test(body) || ORDERED.test(body);
    if (item) inList = true;
    else if (!/^[ \t]/.test(body)) inList = false;
    const htmlBlock = HTML_BLOCK.test(body);
    const textOf = stripInline(body.replace(FOOTNOTE_DEFINITION, '').replace(BULLET, '')).replace(/\\$/, '');
    const hardBreak = / {2,}$|\\$/.test(prev);
    // A line with fewer quote markers continues the quote's paragraph (lazy continuation).
    if (open && !item && !htmlBlock && depth <= openDepth && !hardBreak && textOf.trim() !== '') {
      // Joined with a space when the output is assembled: rewriting a growing paragraph string here would be quadratic.
      out[out.length - 1] = out[out.length - 1].trimEnd();
      out.push(`${SOFT_BREAK}${textOf.trim()}`);
    } else {
      out.push(textOf.trimStart());
      openDepth = depth;
    }
    open = !htmlBlock && textOf.trim() !== '';
  }
  return out.join('\n').replaceAll(`\n${SOFT_BREAK}`, ' ');
}

/**
 * The page's title: `title:` in its front matter, else its first level-1 heading (`# Title` or
 * `Title\n===`) outside code, else its first heading of any level; null when it has none.
 */
export function markdownTitle(raw: string): string | null {
  const text = raw.replace(/\r\n?/g, '\n');
  const front = FRONT_MATTER.exec(text)?.[1];
  const declared = front ? /^title:[ \t]*(.+?)[ \t]*$/m.exec(front)?.[1].replace(/^(["'])(.*)\1$/, '$2') : undefined;
  if (declared) return stripInline(declared).trim() || null;
  const lines = text.replace(FRONT_MATTER, '').split('\n');
  let fence: string | null = null;
  let anyLevel: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (fence !== null) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    const f = FENCE_OPEN.exec(line);
    if (f) {
      fence = f[1];
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    const heading = atx?.[2]?.trim() ? stripInline(atx[2].trim()) : null;
    if (atx && atx[1] === '#' && heading) return heading;
    if (line.trim() !== '' && /^ {0,3}=+[ \t]*$/.test(lines[i + 1] ?? '')) return stripInline(line.trim());
    anyLevel ??= heading;
  }
  return anyLevel;
}
