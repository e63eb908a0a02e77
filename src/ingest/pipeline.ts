/**
 * Ingestion: files → documents → chunks → vectors → store + index.
 *
 * Incremental by content hash: an unchanged document costs one lookup and no embedding; a
 * changed one replaces its chunks; a chunk text already stored (in any document) is reused
 * with its vector. Each document is committed in one step (`Knowledge.commitDocument`); derived
 * indexes are flushed every few seconds and at the end, and the knowledge repairs them after a crash.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SobreConfig } from '../config';
import type { Embedder } from '../embed/types';
import { errorMessage, SobreError } from '../errors';
import type { ChunkInput, FaqInput, Knowledge } from '../knowledge/types';
import { chunkText } from './chunk';
import { extractFaq } from './faq';
import { sha256Hex } from './hash';
import { groupSkipped, listFiles, loadFile } from './load';
import type { LoadFailure, LoadedDocument, SkippedFile, SkippedGroup } from './types';

export type DocumentOutcome = 'added' | 'updated' | 'unchanged';

export interface IngestProgress {
  filesDone: number;
  filesTotal: number;
  documents: number;
  chunks: number;
  chunksPerSecond: number;
  current: string;
}

export interface IngestSummary {
  added: number;
  updated: number;
  unchanged: number;
  failed: number;
  pruned: number;
  chunksEmbedded: number;
  chunksReused: number;
  seconds: number;
  chunksPerSecond: number;
  failures: LoadFailure[];
  /**
   * Every file not ingested, by reason: templates and unsupported files found in folders (not
   * failures), and files that failed as a whole (also in `failures`).
   */
  skipped: SkippedGroup[];
  /** Per document, for callers that report per-file results (REST uploads). */
  documents: { source: string; documentId: number; outcome: DocumentOutcome; chunks: number }[];
}

export interface IngestOptions {
  prune?: boolean;
  onProgress?: (p: IngestProgress) => void;
  /** Seconds between index saves during a long run (default 60: a save writes the whole index, and a crash only costs re-adding the vectors stored since). */
  saveIntervalSeconds?: number;
}

/**
 * Mixed into every content and raw-file hash. Bump it when loading, cleaning, chunking or FAQ
 * rules change what a file yields: the next ingest then reads every file again (chunks whose
 * text is unchanged keep their vectors, so little is embedded again).
 */
export const INGEST_RULES_VERSION = 'rules-3';

export type ChunkSettings = Pick<SobreConfig, 'chunkSize' | 'chunkOverlap' | 'maxFileBytes' | 'embedBatchSize'>;

/** Where documents go and how: the knowledge, the embedder, the chunking settings, and when to commit. */
export interface IngestTarget {
  knowledge: Knowledge;
  embedder: Embedder;
  settings: ChunkSettings;
  /** Awaited right before each commit or deletion (the service waits for questions in flight). */
  beforeWrite?: () => Promise<void>;
  /** Stops the work between embedding batches and before a commit: nothing half-done is committed. */
  signal?: AbortSignal;
  /** Told how many passages each embedding batch embedded (progress). */
  onEmbedded?: (passages: number) => void;
  /** Documents prepared (chunked and embedded) at once by `ingestPaths` (default 1): an embedding pool's threads. */
  concurrency?: number;
}

function checkNotAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SobreError('cancelled', 'The ingest was cancelled before this document was committed');
}

/**
 * The name clients see for a document read from `file`: its path relative to the folder among
 * `roots` (the paths given to the ingest) that holds it, or its own name when it was given
 * itself; then `#<id>` for a JSON Lines record (`source` is `<file>#<id>`). `/`-separated.
 */
export function documentName(roots: readonly string[], file: string, source: string): string {
  const root = roots.map((r) => path.resolve(r)).find((r) => file.startsWith(r + path.sep));
  const relative = root ? path.relative(root, file) : path.basename(file);
  return relative.split(path.sep).join('/') + source.slice(file.length);
}

type IngestedDocument = { documentId: number; outcome: DocumentOutcome; chunks: number; embedded: number; reused: number };

/** A document chunked and embedded, not committed yet (or found unchanged). */
type PreparedDocument =
  | { unchanged: IngestedDocument }
  | { unchanged: null; doc: LoadedDocument; name: string; contentHash: string; chunks: ChunkInput[]; vectors: Map<string, Float32Array>; faq: FaqInput[] };

/** Everything but the commit: reads only, so several documents may be prepared at once. */
async function prepareDocument(target: IngestTarget, doc: LoadedDocument, name: string): Promise<PreparedDocument> {
  const { knowledge, embedder, settings } = target;
  const contentHash = sha256Hex(`${INGEST_RULES_VERSION}\n${doc.title}\n${doc.text}`);
  const existing = await knowledge.findDocument(doc.source);
  if (existing && existing.contentHash === contentHash && existing.name === name) {
    return { unchanged: { documentId: existing.id, outcome: 'unchanged', chunks: existing.chunks, embedded: 0, reused: 0 } };
  }
  const chunks = await chunkText(doc.text, settings);
  const known = await knowledge.knownChunkHashes(chunks.map((c) => c.hash));
  const toEmbed = new Map<string, string>();
  for (const c of chunks) if (!known.has(c.hash) && !toEmbed.has(c.hash)) toEmbed.set(c.hash, c.text);
  // The title gives the dense encoder the passage's subject, which the chunk often omits.
  const texts = [...toEmbed.values()].map((t) => `${doc.title}. ${t}`);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += settings.embedBatchSize) {
    checkNotAborted(target.signal);
    const batch = texts.slice(i, i + settings.embedBatchSize);
    vectors.push(...(await embedder.embed(batch, 'passage')));
    target.onEmbedded?.(batch.length);
  }
  const byHash = new Map<string, Float32Array>();
  [...toEmbed.keys()].forEach((h, i) => byHash.set(h, vectors[i]));
  const pairs = extractFaq(doc);
  const questionVectors = pairs.length > 0 ? await embedder.embed(pairs.map((p) => p.question), 'query') : [];
  const faq = pairs.map((p, i) => ({ ...p, vector: questionVectors[i] }));
  return { unchanged: null, doc, name, contentHash, chunks, vectors: byHash, faq };
}

async function commitPrepared(target: IngestTarget, p: PreparedDocument): Promise<IngestedDocument> {
  if (p.unchanged) return p.unchanged;
  const { doc, name, contentHash, chunks, vectors, faq } = p;
  checkNotAborted(target.signal);
  await target.beforeWrite?.();
  checkNotAborted(target.signal);
  const result = await target.knowledge.commitDocument(
    { source: doc.source, name, title: doc.title, format: doc.format, contentHash, size: Buffer.byteLength(doc.text) },
    chunks,
    vectors,
    faq,
  );
  return {
    documentId: result.documentId,
    outcome: result.created ? 'added' : 'updated',
    chunks: chunks.length,
    embedded: vectors.size,
    reused: chunks.length - vectors.size,
  };
}

/** Ingest one loaded document under `name` (see `documentName`). */
export async function ingestDocument(target: IngestTarget, doc: LoadedDocument, name: string): Promise<IngestedDocument> {
  return commitPrepared(target, await prepareDocument(target, doc, name));
}

/** sha256 of a file's bytes, or null when it cannot be read or is too large (the loader then says why). */
async function rawFileHash(file: string, maxBytes: number): Promise<string | null> {
  try {
    const stat = await fs.promises.stat(file);
    if (!stat.isFile() || stat.size > maxBytes) return null;
    return createHash('sha256').update(INGEST_RULES_VERSION).update(await fs.promises.readFile(file)).digest('hex');
  } catch {
    return null;
  }
}

/** Delete documents, each in one step, after `beforeWrite`; returns how many. */
export async function deleteDocuments(target: Pick<IngestTarget, 'knowledge' | 'beforeWrite'>, ids: readonly number[]): Promise<number> {
  for (const id of ids) {
    await target.beforeWrite?.();
    await target.knowledge.deleteDocument(id);
  }
  return ids.length;
}

/** Remove documents whose source file is gone, or whose JSONL line is gone from a file read in this run. */
export async function pruneMissing(target: IngestTarget, seenSources: ReadonlySet<string>, filesRead: ReadonlySet<string>): Promise<number> {
  const gone: number[] = [];
  for (const doc of await target.knowledge.listDocuments()) {
    // A JSONL document's source is `<file>#<id>`, and either part may contain '#'.
    const readFile = doc.format === 'jsonl' ? [...filesRead].find((f) => doc.source.startsWith(`${f}#`)) : undefined;
    const hash = doc.source.lastIndexOf('#');
    const file = doc.format !== 'jsonl' ? doc.source : readFile ?? (hash > 0 ? doc.source.slice(0, hash) : doc.source);
    if (!fs.existsSync(file) || (filesRead.has(file) && !seenSources.has(doc.source))) gone.push(doc.id);
  }
  return deleteDocuments(target, gone);
}

export async function ingestPaths(target: IngestTarget, paths: readonly string[], opts: IngestOptions = {}): Promise<IngestSummary> {
  const { knowledge, settings } = target;
  const started = Date.now();
  const summary: IngestSummary = {
    added: 0, updated: 0, unchanged: 0, failed: 0, pruned: 0,
    chunksEmbedded: 0, chunksReused: 0, seconds: 0, chunksPerSecond: 0, failures: [], skipped: [], documents: [],
  };
  const { files, failures, skipped } = await listFiles([...paths]);
  summary.failures.push(...failures);
  const notIngested: SkippedFile[] = [...skipped];
  const seen = new Set<string>();
  const filesRead = new Set<string>();
  let chunksDone = 0;
  let lastSave = Date.now();
  const saveEveryMs = (opts.saveIntervalSeconds ?? 60) * 1000;
  const rate = () => chunksDone / Math.max(0.001, (Date.now() - started) / 1000);

  // Up to `concurrency` documents are chunked and embedded at once (an embedding pool keeps every
  // core busy); they are committed one at a time, in order.
  const concurrency = Math.max(1, target.concurrency ?? 1);
  type Outcome = { prepared: PreparedDocument } | { error: unknown };
  interface FileState { file: string; rawHash: string | null; documents: number; pending: number; complete: boolean }
  const inFlight: { doc: LoadedDocument; outcome: Promise<Outcome>; state: FileState; fileIndex: number }[] = [];

  const finishOldest = async (): Promise<void> => {
    const { doc, outcome, state, fileIndex } = inFlight.shift() as (typeof inFlight)[number];
    try {
      const o = await outcome;
      if ('error' in o) throw o.error;
      const r = await commitPrepared(target, o.prepared);
      summary[r.outcome]++;
      summary.chunksEmbedded += r.embedded;
      summary.chunksReused += r.reused;
      chunksDone += r.outcome === 'unchanged' ? 0 : r.chunks;
      summary.documents.push({ source: doc.source, documentId: r.documentId, outcome: r.outcome, chunks: r.chunks });
    } catch (e) {
      state.complete = false;
      summary.failures.push({ path: doc.source, reason: errorMessage(e) });
    }
    if (Date.now() - lastSave > saveEveryMs) {
      await knowledge.flush();
      lastSave = Date.now();
    }
    opts.onProgress?.({
      filesDone: fileIndex, filesTotal: files.length, documents: summary.added + summary.updated + summary.unchanged,
      chunks: chunksDone, chunksPerSecond: rate(), current: doc.source,
    });
    if (--state.pending === 0 && state.complete && state.rawHash) await knowledge.recordFile(state.file, state.rawHash, state.documents);
  };

  for (const [i, file] of files.entries()) {
    const rawHash = await rawFileHash(file, settings.maxFileBytes);
    const unchanged = rawHash ? await knowledge.unchangedFile(file, rawHash) : undefined;
    if (unchanged) {
      // Same bytes as a complete earlier ingest: no parsing, no chunking, no embedding.
      filesRead.add(file);
      for (const d of unchanged) {
        seen.add(d.source);
        summary.unchanged++;
        summary.documents.push({ source: d.source, documentId: d.id, outcome: 'unchanged', chunks: d.chunks });
      }
      continue;
    }
    const loaded = await loadFile(file, { maxFileBytes: settings.maxFileBytes });
    summary.failures.push(...loaded.failures);
    notIngested.push(...loaded.skipped);
    if (loaded.documents.length > 0) filesRead.add(file);
    const state: FileState = {
      file, rawHash, documents: loaded.documents.length, pending: loaded.documents.length,
      complete: loaded.failures.length === 0 && loaded.documents.length > 0,
    };
    for (const doc of loaded.documents) {
      seen.add(doc.source);
      const outcome = prepareDocument(target, doc, documentName(paths, file, doc.source)).then((prepared) => ({ prepared }), (error: unknown) => ({ error }));
      inFlight.push({ doc, outcome, state, fileIndex: i });
      while (inFlight.length >= concurrency) await finishOldest();
    }
  }
  while (inFlight.length > 0) await finishOldest();
  if (opts.prune) summary.pruned = await pruneMissing(target, seen, filesRead);
  await knowledge.flush();
  summary.failed = summary.failures.length;
  summary.skipped = groupSkipped([...notIngested, ...summary.failures.flatMap((f) => (f.skip ? [{ path: f.path, reason: f.skip }] : []))]);
  summary.seconds = (Date.now() - started) / 1000;
  summary.chunksPerSecond = rate();
  return summary;
}
