import { convert, type DomNode, type FormatCallback, type HtmlToTextOptions, type SelectorDefinition } from 'html-to-text';
import { cleanText } from './clean';
import { tableSentences } from './tables';

const SKIPPED = ['head', 'title', 'script', 'style', 'nav', 'noscript', 'template', 'svg', 'img', 'iframe', 'object', 'td.linenos'];
const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];

/** A node's text: whitespace as written inside `<pre>`, else runs collapsed to one space. */
function textOf(node: DomNode, pre = false): string {
  if (node.type === 'text') return pre ? node.data ?? '' : (node.data ?? '').replace(/\s+/g, ' ');
  if (node.type !== 'tag') return ''; // comments, scripts, styles
  if (node.name === 'br') return pre ? '\n' : ' ';
  const text = node.children.map((c) => textOf(c, pre)).join('');
  return pre ? text : text.replace(/\s+/g, ' ');
}

/** Elements named `names` under `node`, not descending into nested tables. */
function descendants(node: DomNode, names: ReadonlySet<string>, out: DomNode[] = []): DomNode[] {
  for (const child of node.children ?? []) {
    if (child.type !== 'tag') continue;
    if (names.has(child.name ?? '')) out.push(child);
    else if (child.name !== 'table') descendants(child, names, out);
  }
  return out;
}

const ROW = new Set(['tr']);
const CELL = new Set(['th', 'td']);

/** Each row as a sentence carrying its column's header (see `tableSentences`). */
const tableAsSentences: FormatCallback = (elem, walk, builder) => {
  // A code listing laid out as a table (line numbers in one cell) is code, not data.
  if (descendants(elem, new Set(['pre'])).length > 0) {
    walk(elem.children, builder);
    return;
  }
  const rows = descendants(elem, ROW).map((tr) => descendants(tr, CELL));
  const first = rows[0] ?? [];
  const headed = first.length > 0 && (first[0].parent?.name === 'thead' || first.every((c) => c.name === 'th'));
  const text = (cells: DomNode[]): string[] => cells.map((c) => textOf(c).trim());
  const sentences = tableSentences(headed ? text(first) : null, rows.slice(headed ? 1 : 0).map(text));
  builder.openBlock({ leadingLineBreaks: 2 });
  sentences.forEach((s, i) => {
    if (i > 0) builder.addLineBreak();
    builder.addInline(s);
  });
  builder.closeBlock({ trailingLineBreaks: 2 });
};

/** `<pre>` as a fenced block ("```lang" … "```"), which the sentence splitter keeps out of answers. */
const preAsFencedCode: FormatCallback = (elem, _walk, builder) => {
  const code = descendants(elem, new Set(['code']))[0];
  const lang = /(?:^|\s)(?:language|lang)-([\w+-]+)/.exec(String(code?.attribs?.class ?? elem.attribs?.class ?? ''))?.[1] ?? 'code';
  const body = textOf(elem, true).replace(/^\n+|\s+$/g, '');
  builder.openBlock({ leadingLineBreaks: 2, isPre: true });
  builder.addLiteral(`\`\`\`${lang}\n${body}\n\`\`\``);
  builder.closeBlock({ trailingLineBreaks: 2 });
};

const selectors: SelectorDefinition[] = [
  ...SKIPPED.map((selector) => ({ selector, format: 'skip' })),
  ...HEADINGS.map((selector) => ({ selector, options: { uppercase: false } })),
  { selector: 'a', options: { ignoreHref: true } },
  // '' would mean "use the default" (' * '), so a single space, removed below with other indentation.
  { selector: 'ul', options: { itemPrefix: ' ' } },
  { selector: 'table', format: 'tableAsSentences' },
  { selector: 'pre', format: 'preAsFencedCode' },
];

// html-to-text silently truncates input beyond 16 MiB by default (loadFile already caps the size),
// and its recursive walk overflows the stack on pathologically deep nesting: content nested
// deeper than maxDepth is dropped instead.
const limits = { maxInputLength: Number.MAX_SAFE_INTEGER, maxDepth: 1000, ellipsis: '' };
const BODY_OPTIONS: HtmlToTextOptions = { wordwrap: false, selectors, limits, formatters: { tableAsSentences, preAsFencedCode } };

function firstMatchText(html: string, selector: string): string {
  const text = convert(html, {
    wordwrap: false,
    baseElements: { selectors: [selector], returnDomByDefault: false },
    limits: { ...limits, maxBaseElements: 1 },
    selectors: [{ selector, format: 'inline' }],
  });
  return cleanText(text).replace(/\s+/g, ' ');
}

/** Leading blanks removed from every line outside code blocks (code keeps its indentation). */
function withoutIndentation(text: string): string {
  let inCode = false;
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) inCode = line !== '```';
      return inCode && !line.startsWith('```') ? line : line.replace(/^[ \t]+/, '');
    })
    .join('\n');
}

/** Text of an HTML page without markup, and its `<title>` (else first `<h1>`), '' when it has neither. */
export function htmlToText(html: string): { title: string; text: string } {
  const raw = withoutIndentation(convert(html, BODY_OPTIONS));
  const title = firstMatchText(html, 'title') || firstMatchText(html, 'h1');
  return { title, text: cleanText(raw) };
}
