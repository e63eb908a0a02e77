/** One pdf.js text item, reduced to what layout needs (position in PDF user space, y grows upwards). */
export interface PdfTextItem {
  str: string;
  x: number;
  y: number;
  width: number;
  height: number;
  hasEOL: boolean;
}

// Fractions of the font height: same line if baselines differ by less than SAME_LINE; a gap wider
// than WORD_GAP between items on one line is a word break; a drop larger than PARAGRAPH_GAP
// between lines is a paragraph break.
const SAME_LINE = 0.5;
const WORD_GAP = 0.15;
const PARAGRAPH_GAP = 1.8;

/**
 * Lay out one page's text items as lines. pdf.js does not always emit the spaces between words
 * drawn separately, so a horizontal gap inserts one; `hasEOL` or a baseline change ends a line.
 */
export function pageText(items: readonly PdfTextItem[]): string {
  const lines: string[] = [];
  let line = '';
  let prev: PdfTextItem | null = null;
  let lineY = 0;
  let endOfLine = false;
  for (const item of items) {
    if (item.str === '') {
      // An empty item is pdf.js's end-of-line marker: it only ends the current line.
      if (item.hasEOL) endOfLine = true;
      continue;
    }
    if (prev === null) {
      lineY = item.y;
    } else {
      const size = Math.max(prev.height, item.height, 1);
      if (endOfLine || Math.abs(item.y - prev.y) > size * SAME_LINE) {
        lines.push(line);
        if (lineY - item.y > size * PARAGRAPH_GAP) lines.push('');
        line = '';
        lineY = item.y;
      } else {
        const gap = item.x - (prev.x + prev.width);
        // A jump back to the left on the same baseline is another column or an overprint: also a break.
        if ((gap > size * WORD_GAP || gap < -size) && !/\s/.test(line.slice(-1)) && !/^\s/.test(item.str)) line += ' ';
      }
    }
    line += item.str;
    prev = item;
    endOfLine = item.hasEOL;
  }
  lines.push(line);
  return lines.join('\n');
}

/**
 * Undo the PDF's line wrapping: a line that fills most of the page's width continues on the next
 * line (a hyphen at its end joins the word), so a quoted sentence is not cut at a printed line
 * end. Short lines (headings, a paragraph's last line, list items) keep their break.
 */
export function reflow(text: string): string {
  const lines = text.split('\n');
  const longest = Math.max(0, ...lines.map((l) => l.trimEnd().length));
  let out = '';
  lines.forEach((line, i) => {
    out += line;
    if (i === lines.length - 1) return;
    const next = lines[i + 1];
    const wrapped = line.trim() !== '' && next.trim() !== '' && line.trimEnd().length >= 0.6 * longest;
    if (!wrapped) out += '\n';
    else if (/\p{L}-$/u.test(line.trimEnd()) && /^\p{Ll}/u.test(next.trimStart())) out = out.trimEnd().slice(0, -1);
    else out += ' ';
  });
  return out;
}

/** Pages joined with a blank line, so a page break is a paragraph break. */
export function pdfText(pages: readonly (readonly PdfTextItem[])[]): string {
  return pages.map((p) => reflow(pageText(p))).join('\n\n');
}
