/**
 * Markdown inline syntax → plain text: links, images, code spans, emphasis, and what MkDocs
 * pages add: icon and emoji shortcodes (`:octicons-link-external-16:`), attribute lists
 * (`{ .md-button }`), Jinja/macros tags (`{{ page.title }}`, `{% include %}`), keys (`++ctrl+c++`),
 * marks (`==x==`), LaTeX math (`$…$`).
 */
import { replaceInlineMath } from './latex';

// Jinja / MkDocs macros expressions, statements and comments: dropped.
export const TEMPLATE_TAG = /\{\{[^{}]*\}\}|\{%[^{}]*%\}|\{#[^{}]*#\}/g;
// attr_list: "{ .class #id key=value }" after a link, image, heading or icon.
// (Bounded repetitions keep it linear on a long line of unclosed "{ a=".)
const ATTRIBUTE_LIST = /\{:?[ \t]*(?:[.#][\w-]{1,80}|[\w-]{1,80}=(?:"[^"{}]{0,200}"|'[^'{}]{0,200}'|[^\s{}"']{0,200}))(?:[ \t]+(?:[.#][\w-]{1,80}|[\w-]{1,80}=(?:"[^"{}]{0,200}"|'[^'{}]{0,200}'|[^\s{}"']{0,200}))){0,20}[ \t]*\}/g;
// Icon and emoji shortcodes: ":name:" alone between spaces or punctuation, not in "10:30:00" or URLs.
const ICON = /[ \t]?(?<![\w:/]):[a-z0-9]+(?:[-_+][a-z0-9]+)*:(?![\w:/])/g;
const CODE_SPAN = /(?<!`)``(?!`)(?:[^`]|`(?!`))+?``(?!`)|(?<!`)`[^`]+`(?!`)/g;

/** `fn` applied to the parts of a line outside code spans. */
function outsideCodeSpans(line: string, fn: (s: string) => string): string {
  if (!line.includes('`')) return fn(line);
  let out = '';
  let last = 0;
  for (const m of line.matchAll(CODE_SPAN)) {
    const at = m.index ?? 0;
    out += fn(line.slice(last, at)) + m[0];
    last = at + m[0].length;
  }
  return out + fn(line.slice(last));
}

// Private-use sentinels protect escaped characters and code spans from the emphasis rewrites.
const ESC_BASE = 0xe000;
const CODE_OPEN = '\uf000';
const CODE_CLOSE = '\uf001';

/** Markdown inline syntax removed from one line, keeping its text; math read as text (see `latexToText`). */
export function stripInline(line: string): string {
  const spans: string[] = [];
  // Content classes exclude their own delimiters so every pattern stays linear on hostile input
  // (a long line of unmatched "![" or "~~" would otherwise take quadratic time).
  let s = outsideCodeSpans(line, replaceInlineMath).replace(/\\([!-/:-@[-`{-~])/g, (_m, c: string) => String.fromCharCode(ESC_BASE + c.charCodeAt(0)));
  const keepCode = (_m: string, code: string): string => {
    spans.push(code.length > 2 && code.startsWith(' ') && code.endsWith(' ') ? code.slice(1, -1) : code);
    return `${CODE_OPEN}${spans.length - 1}${CODE_CLOSE}`;
  };
  s = s.replace(/(?<!`)``(?!`)((?:[^`]|`(?!`))+?)``(?!`)/g, keepCode).replace(/(?<!`)`([^`]+)`(?!`)/g, keepCode);
  s = s
    .replace(TEMPLATE_TAG, '')
    .replace(ATTRIBUTE_LIST, '')
    .replace(ICON, '')
    .replace(/\+\+([\w+-]+?)\+\+/g, (_m, keys: string) => keys.split('+').map((k) => k.charAt(0).toUpperCase() + k.slice(1)).join('+'))
    .replace(/==(?=\S)([^=]+?)(?<=\S)==/g, '$1')
    .replace(/\^\^(?=\S)([^^]+?)(?<=\S)\^\^/g, '$1')
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
