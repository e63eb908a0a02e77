import path from 'node:path';
import { loadFile } from '../../src/ingest/load';
import { extractPdf } from '../../src/ingest/pdf';
import { pageText, pdfText, type PdfTextItem } from '../../src/ingest/pdf-text';
import { makePdf, makePdfPages } from '../helpers/pdf';
import { tempDir } from './fixtures';

const opts = { maxFileBytes: 1024 * 1024 };
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('makePdf helper', () => {
  it('writes a PDF whose xref offsets point at the objects', () => {
    const pdf = makePdf(['Hello']).toString('latin1');
    const xrefAt = Number(/startxref\n(\d+)/.exec(pdf)?.[1]);
    expect(pdf.slice(xrefAt, xrefAt + 4)).toBe('xref');
    const offsets = [...pdf.slice(xrefAt).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    offsets.forEach((off, i) => expect(pdf.slice(off).startsWith(`${i + 1} 0 obj`)).toBe(true));
  });
});

describe('loadFile: PDF (real pdf.js in a worker thread)', () => {
  it('extracts text per line and page, with the metadata title', async () => {
    const file = tmp.write(
      'report.pdf',
      makePdfPages([['Annual report 2024', 'Revenue grew by 12% (see notes).'], ['Page two text.', 'Déjà vu à Noël, ça marche.']], {
        title: 'Rapport annuel',
      }),
    );
    const r = await loadFile(file, opts);
    expect(r.failures).toEqual([]);
    expect(r.documents).toEqual([
      {
        source: file,
        title: 'Rapport annuel',
        format: 'pdf',
        text: 'Annual report 2024\nRevenue grew by 12% (see notes).\n\nPage two text.\nDéjà vu à Noël, ça marche.',
      },
    ]);
  });

  it('uses the file name when the PDF has no title, and does not glue separately drawn words', async () => {
    const file = tmp.write('words.pdf', makePdf(['Each word drawn alone', 'second line here'], { splitWords: true }));
    const r = await loadFile(file, opts);
    // The first printed line is as long as the page's longest: a wrapped line, joined to the next.
    expect(r.documents[0]).toMatchObject({ title: 'words.pdf', text: 'Each word drawn alone second line here' });
  });

  it('reports a PDF with no text', async () => {
    const r = await loadFile(tmp.write('blank.pdf', makePdf([])), opts);
    expect(r.documents).toEqual([]);
    expect(r.failures[0].reason).toMatch(/^no text in PDF/);
  });

  it('reports broken PDF bytes', async () => {
    const r = await loadFile(tmp.write('broken.pdf', '%PDF-1.7\nthis is not really a pdf\n%%EOF'), opts);
    expect(r.documents).toEqual([]);
    expect(r.failures).toEqual([{ path: path.join(tmp.dir, 'broken.pdf'), reason: 'broken PDF: Invalid PDF structure.', code: 'bad_file', skip: 'broken' }]);
  });

  it('reports a file that is not a PDF at all', async () => {
    const r = await loadFile(tmp.write('fake.pdf', 'just some text'), opts);
    expect(r.failures[0]).toMatchObject({ reason: 'broken PDF: no %PDF header', code: 'bad_file' });
  });

  it('reports a truncated PDF', async () => {
    const good = makePdf(['This line will be cut in half']);
    const r = await loadFile(tmp.write('truncated.pdf', good.subarray(0, Math.floor(good.length / 2))), opts);
    expect(r.documents).toEqual([]);
    expect(r.failures[0].reason).toMatch(/^broken PDF: /);
  });

  it('reports a parser that runs out of time, and terminates it', async () => {
    const file = tmp.write('slow.pdf', makePdf(['fine']));
    const r = await loadFile(file, { ...opts, pdfTimeoutMs: 1 });
    expect(r.failures[0].reason).toBe('PDF parsing timed out after 1 ms');
  });

  it('handles many PDFs concurrently', async () => {
    const files = Array.from({ length: 6 }, (_, i) => tmp.write(`many-${i}.pdf`, makePdf([`Document number ${i}`])));
    const results = await Promise.all(files.map((f) => loadFile(f, opts)));
    expect(results.map((r) => r.documents[0]?.text)).toEqual(files.map((_, i) => `Document number ${i}`));
  });

  it('extractPdf leaves the caller buffer usable (it transfers a copy)', async () => {
    const bytes = makePdf(['copy me']);
    const r = await extractPdf(bytes);
    expect(r.ok).toBe(true);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
  });
});

describe('pageText layout', () => {
  const item = (str: string, x: number, y: number, width: number, hasEOL = false): PdfTextItem => ({ str, x, y, width, height: 10, hasEOL });

  it('inserts a space where items on one line are separated by a gap', () => {
    expect(pageText([item('Hello', 0, 100, 25), item('world', 30, 100, 25)])).toBe('Hello world');
  });

  it('does not split a word drawn in touching pieces', () => {
    expect(pageText([item('Hel', 0, 100, 15), item('lo', 15.2, 100, 10)])).toBe('Hello');
  });

  it('does not double spaces pdf.js already emitted', () => {
    expect(pageText([item('Hello', 0, 100, 25), item(' ', 25, 100, 3), item('world', 30, 100, 25)])).toBe('Hello world');
  });

  it('breaks lines on hasEOL, on empty EOL markers and on a baseline change', () => {
    expect(pageText([item('one', 0, 100, 15, true), item('two', 0, 88, 15), item('', 15, 88, 0, true), item('three', 0, 76, 25), item('four', 0, 64, 20)])).toBe(
      'one\ntwo\nthree\nfour',
    );
  });

  it('keeps superscripts and small baseline shifts on the line', () => {
    expect(pageText([item('E = mc', 0, 100, 30), item('2', 30, 103, 4)])).toBe('E = mc2');
  });

  it('turns a large vertical gap into a paragraph break, pages into blank lines', () => {
    expect(pageText([item('Para one.', 0, 700, 40), item('Para two.', 0, 640, 40)])).toBe('Para one.\n\nPara two.');
    expect(pdfText([[item('p1', 0, 1, 5)], [item('p2', 0, 1, 5)]])).toBe('p1\n\np2');
  });
});

describe('reflow', () => {
  it('joins wrapped lines and hyphenated words, keeps short lines and paragraph breaks', () => {
    const { reflow } = jest.requireActual('../../src/ingest/pdf-text') as typeof import('../../src/ingest/pdf-text');
    const page = [
      'Key figures',
      'Training LLaMA 2 70B emitted about 291.42 tCO2eq according to',
      'Meta, for about 1.72 million GPU hours on NVIDIA A100 accel-',
      'erators in total.',
      '',
      'A short line',
    ].join('\n');
    expect(reflow(page)).toBe(
      'Key figures\nTraining LLaMA 2 70B emitted about 291.42 tCO2eq according to Meta, for about 1.72 million GPU hours on NVIDIA A100 accelerators in total.\n\nA short line',
    );
  });
});
