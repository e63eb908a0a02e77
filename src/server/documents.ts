/**
 * Admin document routes: POST /v1/documents (multipart upload → ingest), GET /v1/documents,
 * DELETE /v1/documents/:id.
 *
 * Writers and readers. hnswlib is not thread-safe, but every store and index call is synchronous
 * on the one JS thread, so no two calls ever overlap. What can interleave are the awaits of an
 * ingest (chunking, embedding) with other requests. Hence:
 * - Writers (uploads, deletions) are jobs (jobs.ts) run under the `writer` mutex, one at a time,
 *   FIFO: an ingest reads the store (known chunk hashes), awaits the embedder, then writes;
 *   another writer in between could make what it read stale. A request answers with its job's
 *   outcome, or 202 when the job outlives it (job-routes.ts).
 * - A document becomes visible in one step (`Knowledge.commitDocument`, `deleteDocument`).
 *   Readers (asks) run concurrently, without the lock, and see the knowledge before or after a
 *   document's change, never half of it.
 * - That step happens when no question is in flight (turns.ts `drained`, bounded): an answer's
 *   citations are not removed by an update or deletion between its retrieval and its sending.
 * - The knowledge is flushed (index saved) at the end of every write, inside the lock; a failed
 *   save is a 507 problem saying what was committed.
 * - Ingestion runs `inBackground`: its embedding gives way to waiting questions (service-embedder.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import type { SobreConfig } from '../config';
import { ingestConcurrency } from '../embed';
import type { Embedder } from '../embed/types';
import { isSobreError, SobreError } from '../errors';
import type { Knowledge } from '../knowledge/types';
import { contextOf } from './context';
import { answerWithJob } from './job-routes';
import type { JobQueue } from './jobs';
import type { ServiceMetrics } from './metrics';
import { httpError } from './problem';
import { inBackground } from './service-embedder';
import { documentIdParamsSchema, noQuerySchema, parseOr400, uploadedFilesSchema } from './schemas';
import { incomingName } from './upload-names';
import { incomingDir, ingestUploads, removeUploadIfUnused, type FileResult } from './uploads';

export type DocumentsConfig = Pick<SobreConfig, 'dataDir' | 'uploadMaxBytes' | 'uploadMaxFiles' | 'maxFileBytes' | 'chunkSize' | 'chunkOverlap' | 'embedBatchSize' | 'uploadEmbedThreads'>;

export interface DocumentRouteDeps {
  config: DocumentsConfig;
  knowledge: Knowledge;
  /** Writes run as jobs, one at a time under the writer lock (jobs.ts). */
  jobs: JobQueue;
  /** Embeds uploads (as background work: questions go first). */
  embedder: Embedder;
  metrics: ServiceMetrics;
  /** Access check, rate limit and deadline (SOBRE_REQUEST_TIMEOUT_MS), for listing and deleting. */
  before: RequestHandler[];
  /** The same with the upload deadline (SOBRE_UPLOAD_TIMEOUT_MS), run before the body is read. */
  beforeUpload: RequestHandler[];
  /** Awaited right before each commit or deletion (no question in flight, see turns.ts). */
  beforeWrite: () => Promise<void>;
}

const MULTER_STATUS: Record<string, [number, string]> = {
  LIMIT_FILE_SIZE: [413, 'too_large'],
  LIMIT_FILE_COUNT: [413, 'too_large'],
  LIMIT_PART_COUNT: [413, 'too_large'],
  LIMIT_FIELD_COUNT: [400, 'bad_request'],
  LIMIT_FIELD_VALUE: [413, 'too_large'],
  LIMIT_FIELD_KEY: [400, 'bad_request'],
  LIMIT_UNEXPECTED_FILE: [400, 'bad_request'],
};

/** multer/busboy errors are the client's (malformed or too large), except file system ones. */
function uploadError(err: unknown, config: DocumentsConfig): unknown {
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'MulterError' && e.code) {
    const [status, code] = MULTER_STATUS[e.code] ?? [400, 'bad_request'];
    const limit = e.code === 'LIMIT_FILE_SIZE' ? ` (the limit is ${config.uploadMaxBytes} bytes per file)`
      : e.code === 'LIMIT_FILE_COUNT' ? ` (the limit is ${config.uploadMaxFiles} files per request)` : '';
    return httpError(status, code, `Upload refused: ${e.message ?? e.code}${limit}`);
  }
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return err; // ENOSPC, EACCES...: ours
  return httpError(400, 'bad_request', `Malformed multipart body: ${(e.message ?? 'unreadable').slice(0, 200)}`);
}

/**
 * Save the index after a write. A failed save (full disk) is an error, never a silent success;
 * what was committed stays committed (the store is the source of truth), so the problem says so.
 */
async function flushAfter(knowledge: Knowledge, committed: string, body: Record<string, unknown>): Promise<void> {
  try {
    await knowledge.flush();
  } catch (e) {
    if (!isSobreError(e) || e.code !== 'storage_failed') throw e;
    throw httpError(507, 'storage_failed', `${committed}, but ${e.message}`, { extensions: body });
  }
}

function summary(files: readonly FileResult[]) {
  const s = { added: 0, updated: 0, unchanged: 0, failed: 0 };
  for (const f of files) s[f.status]++;
  return s;
}

export function documentRoutes(deps: DocumentRouteDeps): express.Router {
  const { config, knowledge, embedder, jobs, metrics } = deps;
  const router = express.Router();
  const incoming = incomingDir(config.dataDir);
  const upload = multer({
    storage: multer.diskStorage({
      // A folder per file, so the file keeps the client's name (an untitled document is titled by it).
      destination: (_req, _file, cb) => {
        const dir = path.join(incoming, randomUUID());
        fs.mkdir(dir, { recursive: true }, (err) => cb(err, dir));
      },
      filename: (_req, file, cb) => cb(null, incomingName(file.originalname)),
    }),
    limits: {
      fileSize: Math.min(config.uploadMaxBytes, config.maxFileBytes),
      files: config.uploadMaxFiles,
      fields: 8,
      fieldSize: 1024,
      parts: config.uploadMaxFiles + 8,
      headerPairs: 64,
    },
    preservePath: true, // the full client name reaches safeUploadName, which refuses traversal
    defParamCharset: 'utf8',
  }).any();
  const receive: RequestHandler = (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      return next(httpError(415, 'unsupported_format', 'Send the files as multipart/form-data (for example curl -F files=@guide.md)'));
    }
    upload(req, res, (err?: unknown) => (err ? next(uploadError(err, config)) : next()));
  };

  router.post('/v1/documents', ...deps.beforeUpload, receive, async (req: Request, res: Response, next: NextFunction) => {
    const files = Array.isArray(req.files) ? req.files : [];
    const removeTemp = () => {
      for (const f of files) fs.rm(path.dirname(f.path), { recursive: true, force: true }, () => undefined);
    };
    try {
      parseOr400(noQuerySchema, req.query, 'query');
      parseOr400(uploadedFilesSchema, files, 'upload');
    } catch (e) {
      removeTemp();
      throw e;
    }
    if (contextOf(res).signal.aborted) return removeTemp();
    const incomingFiles = files.map((f) => ({ originalName: f.originalname, tempPath: f.path }));
    const job = jobs.submit('upload', files.length, async (job) => {
      const target = {
        knowledge, embedder, settings: config, beforeWrite: deps.beforeWrite, signal: job.signal, concurrency: ingestConcurrency(config.uploadEmbedThreads),
        onEmbedded: (n: number) => void (job.progress.passagesEmbedded += n),
      };
      const results = await inBackground(() => ingestUploads(target, incomingFiles, config.dataDir, () => void job.progress.filesDone++));
      for (const r of results) {
        if (r.status === 'failed') metrics.observeIngest('failed');
        for (const d of r.documents) metrics.observeIngest(d.outcome);
        metrics.observeIngest('deleted', r.pruned ?? 0);
      }
      const body = { files: results, summary: summary(results) };
      job.result = body;
      await flushAfter(knowledge, 'The documents listed in files were committed and are searchable', body);
      if (results.every((r) => r.status === 'failed')) {
        throw httpError(422, 'ingest_failed', 'No file could be ingested; see files[].reason', { extensions: body });
      }
      return body;
    });
    void job.done.then(removeTemp);
    await answerWithJob(job, req, res, next);
  });

  router.get('/v1/documents', ...deps.before, async (req: Request, res: Response) => {
    parseOr400(noQuerySchema, req.query, 'query');
    const documents = (await knowledge.listDocuments()).map((d) => ({
      id: d.id, name: d.name, title: d.title, format: d.format, source: d.source, chunks: d.chunks, size: d.size, createdAt: d.createdAt, updatedAt: d.updatedAt,
    }));
    res.set('cache-control', 'no-store').json({ documents });
  });

  router.delete('/v1/documents/:id', ...deps.before, async (req: Request, res: Response, next: NextFunction) => {
    const id = Number(parseOr400(documentIdParamsSchema, req.params, 'path').id);
    const missing = () => httpError(404, 'not_found', `No document with id ${id}`);
    if (!(await knowledge.getDocument(id))) throw missing();
    const job = jobs.submit('delete', 0, async (job) => {
      if (!(await knowledge.getDocument(id))) throw missing(); // deleted while this waited
      await deps.beforeWrite();
      if (job.signal.aborted) throw new SobreError('cancelled', 'The deletion was cancelled before it was committed');
      const r = await knowledge.deleteDocument(id);
      metrics.observeIngest('deleted');
      await removeUploadIfUnused(knowledge, config.dataDir, r.source);
      const body = { id, deleted: true as const, chunksRemoved: r.chunksRemoved };
      await flushAfter(knowledge, `Document ${id} was deleted`, body);
      return body;
    });
    await answerWithJob(job, req, res, next);
  });

  return router;
}
