/**
 * Uploaded files → `<dataDir>/uploads/<safe name>` → the same ingestion as `npm run ingest`
 * (`loadFile` + `ingestDocument`). A document's identity is its stored path: uploading
 * `guide.md` again updates that document (or leaves it unchanged); its name, the one clients
 * see, is the safe name relative to the uploads folder (upload-names.ts).
 *
 * A file is moved into the uploads folder once it loaded, before its documents are committed:
 * a crash in between leaves a file no document comes from, which the next start removes.
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage, SobreError } from '../errors';
import { deleteDocuments, ingestDocument, type IngestTarget } from '../ingest/pipeline';
import { loadFile } from '../ingest/load';
import type { Knowledge } from '../knowledge/types';
import { safeUploadName } from './upload-names';

export const UPLOADS_DIR = 'uploads';
/** Multer writes here first; emptied at start-up. Dot folders are skipped by `npm run ingest`. */
export const INCOMING_DIR = '.incoming';

export interface IncomingFile {
  originalName: string;
  /** Where multer stored it (inside the incoming folder). */
  tempPath: string;
}

export type FileStatus = 'added' | 'updated' | 'unchanged' | 'failed';

export interface FileResult {
  name: string;
  status: FileStatus;
  code?: string;
  reason?: string;
  documents: { id: number; title: string; outcome: 'added' | 'updated' | 'unchanged'; chunks: number }[];
  pruned?: number;
  lineFailures?: { where: string; reason: string }[];
}

export function uploadsDir(dataDir: string): string {
  return path.join(dataDir, UPLOADS_DIR);
}

/**
 * Where this process receives uploads: in a cluster's worker, a folder of its own inside
 * INCOMING_DIR (the primary removes a dead worker's, cluster.ts); otherwise INCOMING_DIR.
 */
export function incomingDir(dataDir: string): string {
  const all = path.join(uploadsDir(dataDir), INCOMING_DIR);
  return cluster.isWorker ? path.join(all, String(process.pid)) : all;
}

/** At start-up: the uploads folder exists, and the temp files of uploads cut short by a crash are gone. */
export function prepareUploads(dataDir: string): void {
  const root = uploadsDir(dataDir);
  try {
    fs.rmSync(incomingDir(dataDir), { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? `${root} is a file, not a folder: move it away` : `${errorMessage(e)}: check the permissions of ${root}`;
    throw new SobreError('bad_config', `Cannot prepare the uploads folder: ${why} (it is ${UPLOADS_DIR}/ inside SOBRE_DATA_DIR).`, { file: root }, { cause: e });
  }
}

function failed(name: string, code: string, reason: string): FileResult {
  return { name, status: 'failed', code, reason, documents: [] };
}

/** How a file is named in results: its safe name, or the client's name made printable. */
function shownName(original: string): string {
  const safe = safeUploadName(original);
  return safe.ok ? safe.name : original.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200);
}

/** One file, while the caller holds the writer lock. Never throws for a bad file. */
async function ingestOne(target: IngestTarget, file: IncomingFile, root: string): Promise<FileResult> {
  const safe = safeUploadName(file.originalName);
  if (!safe.ok) return failed(shownName(file.originalName), 'unsafe_name', safe.reason);
  const finalPath = path.join(root, ...safe.name.split('/'));
  if (!finalPath.startsWith(root + path.sep)) return failed(safe.name, 'unsafe_name', 'file name leaves the uploads folder');
  const tempAbs = path.resolve(file.tempPath);
  const loaded = await loadFile(tempAbs, { maxFileBytes: target.settings.maxFileBytes });
  // Never show the temp path: the client knows its file by the stored name.
  const scrub = (text: string) => text.split(tempAbs).join(safe.name);
  const where = (p: string) => safe.name + p.slice(tempAbs.length);
  const lineFailures = loaded.failures.map((f) => ({ where: where(f.path), reason: scrub(f.reason) }));
  if (loaded.documents.length === 0) {
    const first = loaded.failures[0];
    return failed(safe.name, first?.code ?? 'bad_file', first ? scrub(first.reason) : 'no document in the file');
  }
  fs.mkdirSync(path.dirname(finalPath), { recursive: true });
  fs.renameSync(tempAbs, finalPath);
  const result: FileResult = { name: safe.name, status: 'unchanged', documents: [] };
  if (lineFailures.length > 0) result.lineFailures = lineFailures;
  const seen = new Set<string>();
  for (const doc of loaded.documents) {
    const suffix = doc.source.slice(tempAbs.length); // `#<id>` for a JSON Lines record
    const source = finalPath + suffix;
    seen.add(source);
    try {
      const r = await ingestDocument(target, { ...doc, source }, safe.name + suffix);
      result.documents.push({ id: r.documentId, title: doc.title, outcome: r.outcome, chunks: r.chunks });
    } catch (e) {
      (result.lineFailures ??= []).push({ where: where(doc.source), reason: scrub(errorMessage(e)) });
    }
  }
  if (loaded.documents[0].format === 'jsonl') {
    // Records of an earlier upload of the same file whose line is gone.
    const gone = (await target.knowledge.documentsOfFile(finalPath)).filter((d) => d.source !== finalPath && !seen.has(d.source));
    result.pruned = await deleteDocuments(target, gone.map((d) => d.id));
  }
  const outcomes = new Set(result.documents.map((d) => d.outcome));
  result.status = result.documents.length === 0 ? 'failed' : outcomes.has('added') ? 'added' : outcomes.has('updated') ? 'updated' : 'unchanged';
  if (result.status === 'failed') Object.assign(result, { code: 'bad_file', reason: result.lineFailures?.[0]?.reason ?? 'no document ingested' });
  return result;
}

/**
 * Ingest uploaded files one after the other (the caller holds the writer lock, and saves the
 * index after). Files not started when `target.signal` aborts are reported as failed with code
 * `cancelled`; `onFile` is told as each file is done.
 */
export async function ingestUploads(target: IngestTarget, files: readonly IncomingFile[], dataDir: string, onFile?: (r: FileResult) => void): Promise<FileResult[]> {
  const { signal } = target;
  const root = uploadsDir(dataDir);
  fs.mkdirSync(root, { recursive: true });
  const results: FileResult[] = [];
  try {
    for (const file of files) {
      if (signal?.aborted) {
        results.push(failed(shownName(file.originalName), 'cancelled', 'the upload was cancelled before this file was ingested'));
        continue;
      }
      try {
        results.push(await ingestOne(target, file, root));
      } catch (e) {
        results.push(failed(shownName(file.originalName), 'internal', errorMessage(e).split(path.resolve(file.tempPath)).join('(upload)')));
      }
      onFile?.(results[results.length - 1]);
    }
  } finally {
    for (const f of files) fs.rmSync(path.dirname(f.tempPath), { recursive: true, force: true });
  }
  return results;
}

function uploadedFile(dataDir: string, source: string): string | null {
  const root = uploadsDir(dataDir);
  const file = source.replace(/#.*$/, '');
  return file.startsWith(root + path.sep) ? file : null;
}

/** Remove `file`, then its folders up to the uploads folder while they are empty. */
function removeUpload(root: string, file: string): void {
  fs.rmSync(file, { force: true });
  for (let dir = path.dirname(file); dir.startsWith(root + path.sep); dir = path.dirname(dir)) {
    try {
      fs.rmdirSync(dir);
    } catch {
      return; // not empty
    }
  }
}

/** After a deletion: remove the uploaded file when no document comes from it any more. */
export async function removeUploadIfUnused(knowledge: Knowledge, dataDir: string, source: string): Promise<void> {
  const file = uploadedFile(dataDir, source);
  if (file && (await knowledge.documentsOfFile(file)).length === 0) removeUpload(uploadsDir(dataDir), file);
}

/** At start-up: files moved into the uploads folder whose documents a crash kept from being committed. */
export async function removeOrphanUploads(knowledge: Knowledge, dataDir: string): Promise<string[]> {
  const root = uploadsDir(dataDir);
  const removed: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && p !== path.join(root, INCOMING_DIR)) await walk(p);
      else if (e.isFile() && (await knowledge.documentsOfFile(p)).length === 0) {
        removeUpload(root, p);
        removed.push(p);
      }
    }
  };
  if (fs.existsSync(root)) await walk(root);
  return removed;
}
