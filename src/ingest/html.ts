import { convert, type HtmlToTextOptions, type SelectorDefinition } from 'html-to-text';
import { cleanText } from './clean';

const SKIPPED = ['head', 'title', 'script', 'style', 'nav', 'noscript', 'template', 'svg', 'img', 'iframe', 'object'];
const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];

const selectors: SelectorDefinition[] = [
  ...SKIPPED.map((selector) => ({ selector, format: 'skip' })),
  ...HEADINGS.map((selector) => ({ selector, options: { uppercase: false } })),
  { selector: 'a', options: { ignoreHref: true } },
  // '' would mean "use the default" (' * '), so a single space, removed below with other indentation.
  { selector: 'ul', options: { itemPrefix: ' ' } },
  { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false, maxColumnWidth: 1_000_000, colSpacing: 2 } },
];

// html-to-text silently truncates input beyond 16 MiB by default (loadFile already caps the size),
// and its recursive walk overflows the stack on pathologically deep nesting: content nested
// deeper than maxDepth is dropped instead.
const limits = { maxInputLength: Number.MAX_SAFE_INTEGER, maxDepth: 1000, ellipsis: '' };
const BODY_OPTIONS: HtmlToTextOptions = { wordwrap: false, selectors, limits };

function firstMatchText(html: string, selector: string): string {
  const text = convert(html, {
    wordwrap: false,
    baseElements: { selectors: [selector], returnDomByDefault: false },
    limits: { ...limits, maxBaseElements: 1 },
    selectors: [{ selector, format: 'inline' }],
  });
  return cleanText(text).replace(/\s+/g, ' ');
}

/** Text of an HTML page without markup, and its `<title>` (else first `<h1>`), '' when it has neither. */
export function htmlToText(html: string): { title: string; text: string } {
  const raw = convert(html, BODY_OPTIONS).replace(/^[ \t]+/gm, '');
  const title = firstMatchText(html, 'title') || firstMatchText(html, 'h1');
  return { title, text: cleanText(raw) };
}
