/**
 * Tiny valid PDFs written by hand for tests: one Helvetica (WinAnsi) text line per entry, a real
 * xref table with exact byte offsets, optional /Title in the Info dictionary.
 */

export interface PdfOptions {
  /** Info dictionary /Title. */
  title?: string;
  /** Draw every word with its own text matrix and no space characters (tests word-gap detection). */
  splitWords?: boolean;
}

const FONT_SIZE = 12;
const LEADING = 14;

/** A PDF string literal in WinAnsi (Latin-1 for the characters tests use); other characters become '?'. */
function pdfString(text: string): string {
  const latin1 = Array.from(text, (ch) => (ch.charCodeAt(0) <= 0xff && ch.length === 1 ? ch : '?')).join('');
  return '(' + latin1.replace(/[\\()]/g, (c) => '\\' + c) + ')';
}

function pageContent(lines: string[], splitWords: boolean): string {
  if (!splitWords) {
    const body = lines.map((line, i) => (i === 0 ? '' : 'T*\n') + `${pdfString(line)} Tj\n`).join('');
    return `BT\n/F1 ${FONT_SIZE} Tf\n${LEADING} TL\n72 720 Td\n${body}ET\n`;
  }
  let body = '';
  lines.forEach((line, i) => {
    let x = 72;
    const y = 720 - i * LEADING;
    for (const word of line.split(' ').filter(Boolean)) {
      body += `1 0 0 1 ${x} ${y} Tm\n${pdfString(word)} Tj\n`;
      // Wider than any Helvetica glyph run, so words never overlap: the gap is at least a space.
      x += Math.ceil(word.length * FONT_SIZE * 0.95) + 4;
    }
  });
  return `BT\n/F1 ${FONT_SIZE} Tf\n${body}ET\n`;
}

/** A multi-page PDF: one array of lines per page. */
export function makePdfPages(pages: string[][], opts: PdfOptions = {}): Buffer {
  // Object numbers: 1 catalog, 2 pages, 3 font, 4 info, then (page, content) pairs.
  const objects: string[] = [];
  const kids = pages.map((_, i) => `${5 + 2 * i} 0 R`).join(' ');
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[4] = `<< /Producer (sobre tests)${opts.title !== undefined ? ` /Title ${pdfString(opts.title)}` : ''} >>`;
  pages.forEach((lines, i) => {
    const content = pageContent(lines, opts.splitWords ?? false);
    objects[5 + 2 * i] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${6 + 2 * i} 0 R >>`;
    objects[6 + 2 * i] = `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`;
  });

  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (let n = 1; n < objects.length; n++) {
    offsets[n] = Buffer.byteLength(out, 'latin1');
    out += `${n} 0 obj\n${objects[n]}\nendobj\n`;
  }
  const xrefOffset = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let n = 1; n < objects.length; n++) out += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A one-page PDF with these lines. */
export function makePdf(lines: string[], opts: PdfOptions = {}): Buffer {
  return makePdfPages([lines], opts);
}
