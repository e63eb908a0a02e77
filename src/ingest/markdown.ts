/**
 * Markdown → plain text that reads well inside a quoted sentence. Not a full CommonMark parser:
 * a line-by-line pass that knows fenced code, headings, tables, quotes and lists, plus inline
 * rewrites for links, images, code spans and emphasis.
 */

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const TABLE_SEPARATOR = /^[ \t]*(?:\|[ \t]*)?:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*(?:\|[ \t]*)?$/;
const BLOCKQUOTE = /^ {0,3}>[ \t]?/;
const BULLET = /^[ \t]*[-*+][ \t]+(?:\[[ xX]\][ \t]+)?/;
const REF_DEFINITION = /^ {0,3}\[(?!\^)[^\]]+\]:[ \t]*\S+.*$/;
const FOOTNOTE_DEFINITION = /^ {0,3}\[\^[^\]]+\]:[ \t]*/;

// Private-use sentinels protect escaped characters and code spans from the emphasis rewrites.
const ESC_BASE = 0xe000;
const CODE_OPEN = '\uf000';
const CODE_CLOSE = '\uf001';

function stripInline(line: string): string {
  const spans: string[] = [];
  // Content classes exclude their own delimiters so every pattern stays linear on hostile input
  // (a long line of unmatched "![" or "~~" would otherwise take quadratic time).
  let s = line.replace(/\\([!-/:-@[-`{-~])/g, (_m, c: string) => String.fromCharCode(ESC_BASE + c.charCodeAt(0)));
  const keepCode = (_m: string, code: string): string => {
    spans.push(code.length > 2 && code.startsWith(' ') && code.endsWith(' ') ? code.slice(1, -1) : code);
    return `${CODE_OPEN}${spans.length - 1}${CODE_CLOSE}`;
  };
  s = s.replace(/(?<!`)``(?!`)((?:[^`]|`(?!`))+?)``(?!`)/g, keepCode).replace(/(?<!`)`([^`]+)`(?!`)/g, keepCode);
  s = s
    .replace(/[ \t]?!\[[^[\]]*\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g, '')
    .replace(/[ \t]?!\[[^[\]]*\]\[[^[\]]*\]/g, '')
    .replace(/\[([^[\]]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g, '$1')
    .replace(/\[\^[^[\]]+\]/g, '')
    .replace(/\[([^[\]]+)\]\[[^[\]]*\]/g, '$1')
    .replace(/<((?:https?|ftp|mailto):[^\s<>]+)>/gi, '$1')
    .replace(/<([^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)>/g, '$1')
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<\/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?\/?>/g, '')
    .replace(/\*\*(?=\S)((?:[^*]|\*(?!\*))+?)(?<=\S)\*\*/g, '$1')
    .replace(/(^|[^\w])__(?=\S)((?:[^_]|_(?!_))+?)(?<=\S)__(?!\w)/g, '$1$2')
    // Not inside words, so arithmetic such as 2*3*4 survives.
    .replace(/(^|[^\w*])\*(?=[^\s*])([^*\n]*?)(?<=[^\s*])\*(?![\w*])/g, '$1$2')
    .replace(/(^|[^\w])_(?=[^\s_])([^_\n]*?)(?<=[^\s_])_(?!\w)/g, '$1$2')
    .replace(/~~(?=\S)([^~]+?)(?<=\S)~~/g, '$1')
    .replace(/(\S) {2,}(?=\S)/g, '$1 '); // left behind by removed images and tags
  s = s.replace(new RegExp(`${CODE_OPEN}(\\d+)${CODE_CLOSE}`, 'g'), (_m, i: string) => spans[Number(i)] ?? '');
  return s.replace(/[\ue000-\ue07f]/g, (c) => String.fromCharCode(c.charCodeAt(0) - ESC_BASE));
}

function closesFence(line: string, fence: string): boolean {
  const m = FENCE_OPEN.exec(line);
  return m !== null && m[1][0] === fence[0] && m[1].length >= fence.length && line.trim() === m[1];
}

function tableCells(line: string): string {
  return line
    .replace(/^[ \t]*\|/, '')
    .replace(/\|[ \t]*$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => stripInline(cell.trim()))
    .filter((cell) => cell !== '')
    .join(' ');
}

/** A heading is its own paragraph, so it never runs into the sentence after it. */
function heading(text: string): string[] {
  return ['', stripInline(text.trim()), ''];
}

/** Remove markdown syntax, keeping the text. The result still needs `cleanText`. */
export function stripMarkdown(raw: string): string {
  const text = raw
    .replace(/\r\n?/g, '\n')
    .replace(/^\uFEFF?---\n[\s\S]*?\n(?:---|\.\.\.)[ \t]*(?:\n|$)/, '')
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  const lines = text.split('\n');
  const out: string[] = [];
  let fence: string | null = null;
  let inTable = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (fence !== null) {
      if (closesFence(line, fence)) {
        fence = null;
        out.push('');
      } else out.push(line);
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open) {
      fence = open[1];
      out.push('');
      continue;
    }
    let body = line;
    while (BLOCKQUOTE.test(body)) body = body.replace(BLOCKQUOTE, '');
    const next = lines[i + 1] ?? '';

    if (inTable && body.includes('|')) {
      out.push(tableCells(body));
      continue;
    }
    inTable = false;
    if (body.includes('|') && next.includes('|') && TABLE_SEPARATOR.test(next)) {
      inTable = true;
      out.push(tableCells(body));
      i++; // the separator row
      continue;
    }
    if (REF_DEFINITION.test(body)) continue;
    const atx = ATX_HEADING.exec(body);
    if (atx) {
      out.push(...heading(atx[2] ?? ''));
      continue;
    }
    if (HR.test(body)) {
      out.push('');
      continue;
    }
    if (body.trim() !== '' && SETEXT_UNDERLINE.test(next) && !BULLET.test(body)) {
      out.push(...heading(body));
      i++;
      continue;
    }
    body = body.replace(FOOTNOTE_DEFINITION, '').replace(BULLET, '');
    out.push(stripInline(body));
  }
  return out.join('\n');
}

/** Text of the first level-1 heading (`# Title` or `Title\n===`) outside code, or null. */
export function markdownTitle(raw: string): string | null {
  const lines = raw.replace(/\r\n?/g, '\n').split('\n');
  let fence: string | null = null;
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
    if (atx && atx[1] === '#' && atx[2]?.trim()) return stripInline(atx[2].trim());
    if (line.trim() !== '' && /^ {0,3}=+[ \t]*$/.test(lines[i + 1] ?? '')) return stripInline(line.trim());
  }
  return null;
}
