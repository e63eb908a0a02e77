/**
 * Template files (Jinja, MkDocs/Material theme overrides, Django, Liquid, Nunjucks…) are code
 * that renders pages, not documents: their text is markup and `{{ variables }}`. They are
 * recognised by extension, or for HTML by template statements outside code examples, and skipped
 * with a reason.
 */
import path from 'node:path';

/** Extensions that only templates use. */
export const TEMPLATE_EXTENSIONS: readonly string[] = ['.jinja', '.jinja2', '.j2', '.njk', '.liquid', '.twig', '.tmpl', '.tpl', '.mustache', '.hbs', '.handlebars'];

// Statements that only a template has ({% block %}, {% extends %}, {% if %}…), and expressions.
const STATEMENT = /\{%-?\s*(?:block|endblock|extends|include|import|from|macro|call|set|if|elif|for|with|raw|filter|trans|capture|assign|unless|case)\b/;
const EXPRESSION = /\{\{-?\s*[\w.[\]'"|(), -]+-?\}\}/g;
const MIN_EXPRESSIONS = 3;
// In a theme's folders one expression is enough.
const TEMPLATE_FOLDERS = new Set(['overrides', 'templates', 'partials', 'layouts', '_layouts', '_includes']);

/** The HTML without code examples (pre, code, script, style, textarea), which may show template syntax. */
function outsideCode(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let at = 0;
  for (const m of lower.matchAll(/<(pre|code|script|style|textarea)\b/g)) {
    const start = m.index ?? 0;
    if (start < at) continue;
    out += html.slice(at, start);
    const end = lower.indexOf(`</${m[1]}`, start);
    if (end === -1) return out;
    at = end;
  }
  return out + html.slice(at);
}

/** Why `file` is a template and not a document, or null. `content` is read for HTML only. */
export function templateReason(file: string, content?: string): string | null {
  const ext = path.extname(file).toLowerCase();
  if (TEMPLATE_EXTENSIONS.includes(ext)) return `template file (${ext}), not a document`;
  if ((ext !== '.html' && ext !== '.htm') || content === undefined) return null;
  const outside = outsideCode(content);
  if (STATEMENT.test(outside)) return 'template file (Jinja/MkDocs theme syntax such as {% block %}), not a document';
  const expressions = outside.match(EXPRESSION)?.length ?? 0;
  const inThemeFolder = path.dirname(file).split(/[\\/]/).some((d) => TEMPLATE_FOLDERS.has(d.toLowerCase()));
  return expressions >= (inThemeFolder ? 1 : MIN_EXPRESSIONS) ? `template file (${expressions} {{ … }} expressions), not a document` : null;
}
