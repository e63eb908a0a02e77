import { joinLines, LIST_ITEM, vocabulary } from './reflow';

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
 * line (unless the next starts a list item; a hyphen at its end joins the word or stays, see
 * `joinLines`), so a quoted sentence is not cut at a printed line end. Short lines (headings, a
 * paragraph's last line) keep their break.
 */
export function reflow(text: string, vocab: ReadonlySet<string> = vocabulary(text)): string {
  const lines = text.split('\n');
  const longest = lines.reduce((n, l) => Math.max(n, l.trimEnd().length), 0);
  const wrapped = (i: number): boolean => {
    const [line, next] = [lines[i], lines[i + 1]];
    return line.trim() !== '' && next.trim() !== '' && line.trimEnd().length >= 0.6 * longest && !LIST_ITEM.test(next);
  };
  return joinLines(lines, wrapped, vocab);
}

/** Pages joined with a blank line, so a page break is a paragraph break. */
export function pdfText(pages: readonly (readonly PdfTextItem[])[]): string {
  const texts = pages.map(pageText);
  const vocab = vocabulary(texts.join('\n'));
  return texts.map((t) => reflow(t, vocab)).join('\n\n');
}
