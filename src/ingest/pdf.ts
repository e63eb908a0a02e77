/**
 * PDF text extraction with pdfjs-dist, in a worker thread.
 *
 * Why a worker: pdfjs-dist 4 is ESM only, and this project compiles to CommonJS. tsc rewrites
 * `import()` into `require()`; `new Function('s', 'return import(s)')` fails under jest ("A dynamic
 * import callback was invoked without --experimental-vm-modules") and so does `require()` of the
 * .mjs there ("Cannot use 'import.meta' outside a module"). Code given to `new Worker(src, { eval:
 * true })` runs in a fresh Node isolate that neither tsc nor jest touches, so its native `import()`
 * works the same in compiled node and under ts-jest, and no extra file has to be found next to
 * dist/ or src/. The worker also isolates the parser: a hostile PDF can exhaust only the worker's
 * heap (resourceLimits) or time (terminated on timeout), never the ingesting process.
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PdfTextItem } from './pdf-text';

export type PdfResult = { ok: true; title: string; pages: PdfTextItem[][] } | { ok: false; reason: string };

export interface PdfOptions {
  /** Default 120 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const WORKER_HEAP_MB = 1024;

// Plain CommonJS JavaScript, run as is by the worker: keep it free of TypeScript syntax.
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
async function extract() {
  const pdfjs = await import(workerData.pdfjsUrl);
  const task = pdfjs.getDocument({
    data: new Uint8Array(workerData.data),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  });
  try {
    const doc = await task.promise;
    let title = '';
    try {
      const meta = await doc.getMetadata();
      if (meta && meta.info && typeof meta.info.Title === 'string') title = meta.info.Title;
    } catch (e) {
      // Metadata is optional; the text is what matters.
    }
    const pages = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      pages.push(content.items.filter((it) => typeof it.str === 'string').map((it) => ({
        str: it.str, x: it.transform[4], y: it.transform[5], width: it.width, height: it.height, hasEOL: Boolean(it.hasEOL),
      })));
      page.cleanup();
    }
    return { ok: true, title, pages };
  } finally {
    await task.destroy();
  }
}
extract().then(
  (result) => parentPort.postMessage(result),
  (e) => parentPort.postMessage({ ok: false, name: String((e && e.name) || 'Error'), message: String((e && e.message) || e) }),
);
`;

interface WorkerFailure {
  ok: false;
  name: string;
  message: string;
}

function describeFailure(m: WorkerFailure): string {
  if (m.name === 'PasswordException') return 'encrypted PDF: a password is required';
  return `broken PDF: ${m.message}`;
}

// At most this many parser workers at once, whatever the caller's concurrency.
const MAX_WORKERS = Math.max(1, Math.min(4, os.availableParallelism()));
let running = 0;
const waiting: (() => void)[] = [];

async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function runWorker(data: Uint8Array, timeoutMs: number): Promise<PdfResult> {
  const pdfjsUrl = pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href;
  const copy = new Uint8Array(data); // own ArrayBuffer, transferred (not cloned) to the worker
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { pdfjsUrl, data: copy.buffer },
      transferList: [copy.buffer],
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: true,
      stderr: true,
    });
    let stderr = '';
    worker.stdout.resume();
    worker.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-1000);
    });
    let settled = false;
    const finish = (result: PdfResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate().finally(() => resolve(result));
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `PDF parsing timed out after ${timeoutMs} ms` }), timeoutMs);
    worker.on('message', (m: PdfResult | WorkerFailure) => {
      finish(m.ok ? m : { ok: false, reason: describeFailure(m as WorkerFailure) });
    });
    worker.on('error', (e: Error) => finish({ ok: false, reason: `PDF parser crashed: ${e.message}` }));
    worker.on('exit', (code) => {
      const detail = stderr.trim() ? `: ${stderr.trim()}` : '';
      finish({ ok: false, reason: `PDF parser exited with code ${code}${detail}` });
    });
  });
}

/** Text items per page and the metadata title ('' if none) of a PDF, or why it could not be read. */
export function extractPdf(data: Uint8Array, opts: PdfOptions = {}): Promise<PdfResult> {
  return withSlot(() => runWorker(data, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS));
}
