/**
 * MkDocs (Material) admonitions and content tabs as plain Markdown: the title becomes a heading of
 * its own (the type, "Note", when there is no title; none for `""`), the indented body is
 * de-indented so its paragraphs, lists and code read as if written at the top level.
 *
 *   !!! warning "Mind the key"        ###### Mind the key
 *       Never commit it.        →     Never commit it.
 */

const ADMONITION = /^([ \t]*)(?:!!!|\?\?\?\+?)[ \t]+([\w-]+)(?:[ \t]+[\w-]+)*(?:[ \t]+"([^"]*)")?[ \t]*$/;
const TAB = /^([ \t]*)===!?[ \t]+"([^"]*)"[ \t]*$/;

const width = (indent: string): number => indent.replace(/\t/g, '    ').length;

/** Leading whitespace of `line` beyond `columns` columns removed, when it has that much. */
function dedent(line: string, columns: number): string | null {
  const lead = /^[ \t]*/.exec(line)?.[0] ?? '';
  if (line.trim() === '') return '';
  if (width(lead) < columns) return null;
  return ' '.repeat(width(lead) - columns) + line.slice(lead.length);
}

/** Lines with every admonition and content tab rewritten (nested ones too). */
export function expandAdmonitions(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const adm = ADMONITION.exec(lines[i]);
    const tab = adm ? null : TAB.exec(lines[i]);
    if (!adm && !tab) {
      out.push(lines[i]);
      continue;
    }
    const indent = (adm ?? tab)?.[1] ?? '';
    const title = adm ? (adm[3] ?? adm[2].charAt(0).toUpperCase() + adm[2].slice(1)) : tab?.[2] ?? '';
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const d = dedent(lines[j], width(indent) + 4);
      if (d === null) break;
      body.push(d);
    }
    while (body.length > 0 && body[body.length - 1] === '') {
      body.pop();
      j--;
    }
    out.push('');
    if (title.trim() !== '') out.push(`###### ${title.trim()}`, '');
    // The body keeps the marker's own indentation, so an admonition inside a list item stays in it.
    out.push(...expandAdmonitions(body).map((l) => (l === '' ? '' : indent + l)), '');
    i = j - 1;
  }
  return out;
}
