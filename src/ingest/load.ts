import fs from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, SobreError } from '../errors';
import { cleanMarkdown, cleanPlainText, cleanText, plainTextTitle } from './clean';
import { decodeText } from './decode';
import { describeFsError, FORMAT_BY_EXTENSION, formatOf } from './files';
import { htmlToText } from './html';
import { parseJsonl } from './jsonl';
import { markdownTitle } from './markdown';
import { extractPdf } from './pdf';
import { pdfText } from './pdf-text';
import { templateReason } from './templates';
import type { DocumentFormat, LoadedDocument, LoadFailure, LoadResult, SkipReason } from './types';

export { groupSkipped, listFiles, FORMAT_BY_EXTENSION, formatOf } from './files';

export type IngestErrorCode = 'bad_file' | 'unsupported_format' | 'too_large';

/** A `LoadFailure` that also says which `SobreError` code it maps to (for HTTP uploads). */
export interface IngestFailure extends LoadFailure {
  code: IngestErrorCode;
}

export interface IngestLoadResult extends LoadResult {
  failures: IngestFailure[];
}

export interface LoadOptions {
  maxFileBytes: number;
  /** PDF parsing time limit, default 120 s. */
  pdfTimeoutMs?: number;
}

/** The error to throw when a single file (an upload) must load or fail the request. */
export function failureToError(failure: IngestFailure): SobreError {
  return new SobreError(failure.code, `${failure.path}: ${failure.reason}`, { path: failure.path });
}

const fail = (p: string, reason: string, skip: SkipReason, code: IngestErrorCode = 'bad_file'): IngestLoadResult => ({
  documents: [],
  failures: [{ path: p, reason, code, skip }],
  skipped: [],
});

function one(abs: string, format: DocumentFormat, title: string, text: string): IngestLoadResult {
  if (text === '') return fail(abs, 'no text after cleaning (empty or whitespace only)', 'empty');
  const doc: LoadedDocument = { source: abs, title: title || path.basename(abs), text, format };
  return { documents: [doc], failures: [], skipped: [] };
}

const template = (abs: string, detail: string): IngestLoadResult => ({ documents: [], failures: [], skipped: [{ path: abs, reason: 'template', detail }] });

async function loadPdf(abs: string, bytes: Uint8Array, opts: LoadOptions): Promise<IngestLoadResult> {
  if (!Buffer.from(bytes.subarray(0, 1024)).includes('%PDF-')) return fail(abs, 'broken PDF: no %PDF header', 'broken');
  const result = await extractPdf(bytes, { timeoutMs: opts.pdfTimeoutMs });
  if (!result.ok) return fail(abs, result.reason, 'broken');
  const text = cleanText(pdfText(result.pages));
  if (text === '') return fail(abs, 'no text in PDF (scanned images need OCR, which Sobre does not do)', 'empty');
  return one(abs, 'pdf', cleanText(result.title).replace(/\s+/g, ' '), text);
}

function loadText(abs: string, format: Exclude<DocumentFormat, 'pdf'>, content: string): IngestLoadResult {
  switch (format) {
    case 'md':
      return one(abs, format, markdownTitle(content) ?? '', cleanMarkdown(content));
    case 'html': {
      const reason = templateReason(abs, content);
      if (reason) return template(abs, reason);
      const { title, text } = htmlToText(content);
      return one(abs, format, title, text);
    }
    case 'jsonl': {
      const { documents, failures } = parseJsonl(content, abs);
      if (documents.length === 0 && failures.length === 0) return fail(abs, 'no text after cleaning (empty or whitespace only)', 'empty');
      return { documents, failures: failures.map((f) => ({ path: `${abs}:${f.line}`, reason: f.reason, code: 'bad_file' })), skipped: [] };
    }
    case 'txt': {
      const text = cleanPlainText(content);
      return one(abs, format, plainTextTitle(text) ?? '', text);
    }
  }
}

/**
 * Load one file as documents. Never throws for a bad file: every problem (missing, unreadable,
 * a directory, unsupported, too large, empty, binary, broken PDF, bad JSONL lines) is returned in
 * `failures` with the path (`path:line` for JSONL lines) and a reason a person can act on. A
 * template (theme or Jinja file) is no failure: it is returned in `skipped`.
 */
export async function loadFile(filePath: string, opts: LoadOptions): Promise<IngestLoadResult> {
  const abs = path.resolve(filePath);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch (e) {
    return fail(abs, describeFsError(e), 'unreadable');
  }
  if (stat.isDirectory()) return fail(abs, 'is a directory, not a file', 'unreadable');
  // Reading a FIFO or a device could block forever.
  if (!stat.isFile()) return fail(abs, 'not a regular file', 'unreadable');
  const format = formatOf(abs);
  if (format === null) {
    const reason = templateReason(abs);
    if (reason) return template(abs, reason);
    const ext = path.extname(abs) || '(no extension)';
    return fail(abs, `unsupported format ${ext} (supported: ${Object.keys(FORMAT_BY_EXTENSION).join(', ')})`, 'unsupported type', 'unsupported_format');
  }
  const tooLarge = (size: number): IngestLoadResult =>
    fail(abs, `too large: ${size} bytes, the limit is ${opts.maxFileBytes} bytes`, 'too large', 'too_large');
  if (stat.size > opts.maxFileBytes) return tooLarge(stat.size);
  if (stat.size === 0) return fail(abs, 'empty file', 'empty');
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(abs);
  } catch (e) {
    return fail(abs, describeFsError(e), 'unreadable');
  }
  if (bytes.length > opts.maxFileBytes) return tooLarge(bytes.length); // grew since stat
  try {
    if (format === 'pdf') return await loadPdf(abs, bytes, opts);
    const decoded = decodeText(bytes);
    if (!decoded.ok) return fail(abs, `${decoded.reason} in a ${path.extname(abs)} file`, 'binary');
    return loadText(abs, format, decoded.text);
  } catch (e) {
    // A parser bug or a resource limit on hostile input: still one failure, never a throw.
    return fail(abs, `could not extract text: ${errorMessage(e)}`, 'broken');
  }
}
