/**
 * Tables as sentences that carry their header, one per row, so a fact that sits in a table cell
 * is retrievable and quotable: "Provider: Azure; PUE: 1.18; WUE: 0.49 L/kWh."
 */

function sentence(parts: readonly string[]): string {
  const text = parts.join('; ');
  return text === '' || /[.!?…]$/u.test(text) ? text : `${text}.`;
}

/** One row: each non-empty cell as "header: value" (the value alone under an empty header). */
export function rowSentence(header: readonly string[], cells: readonly string[]): string {
  return sentence(cells.map((c, i) => (c === '' ? '' : header[i] ? `${header[i]}: ${c}` : c)).filter((p) => p !== ''));
}

/** A table's sentences: each body row with the header row's cells; a table with no body is its header. */
export function tableSentences(header: readonly string[] | null, rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return header ? [sentence(header.filter((h) => h !== ''))].filter((s) => s !== '') : [];
  return rows.map((r) => (header ? rowSentence(header, r) : sentence(r.filter((c) => c !== '')))).filter((s) => s !== '');
}
