/**
 * Ingestion: chunks per second the first time (1,000-character chunks: the development corpora's
 * passages run together into one Markdown document per article), then the same files again,
 * unchanged (nothing to parse or embed), and the speed-up. Wall time on a shared machine depends
 * on the others' load: CPU seconds per chunk is printed beside it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SobreConfig } from '../../src/config';
import { createIngestEmbedder } from '../../src/embed';
import { createService } from '../../src/server/service';
import { createLogger } from '../../src/server/logger';
import { ingestPaths } from '../../src/ingest/pipeline';
import { openKnowledge } from '../../src/knowledge';
import { cpuMs, fmt, log, round, table } from './common';

export interface IngestResult {
  threads: number;
  documents: number;
  chunks: number;
  meanChunkChars: number;
  first: { seconds: number; cpuSeconds: number; chunksPerSecond: number; cpuMsPerChunk: number };
  again: { seconds: number; cpuSeconds: number; chunksEmbedded: number };
  speedup: number;
}

/** One Markdown file per article title, in corpus order, until about `chunks` chunks of text. */
function writeArticles(datasetDirs: readonly string[], chunks: number, chunkSize: number, dir: string): number {
  const articles = new Map<string, string[]>();
  let chars = 0;
  for (const d of datasetDirs) {
    for (const line of fs.readFileSync(path.join(d, 'corpus.jsonl'), 'utf8').split('\n')) {
      if (!line.trim() || chars >= chunks * (chunkSize - 100)) continue;
      const p = JSON.parse(line) as { title?: string; text?: string };
      const title = p.title ?? 'Untitled';
      const list = articles.get(title) ?? [];
      if (list.length === 0) articles.set(title, list);
      list.push(p.text ?? '');
      chars += (p.text ?? '').length + 2;
    }
  }
  let i = 0;
  for (const [title, paragraphs] of articles) {
    fs.writeFileSync(path.join(dir, `article-${String(i++).padStart(4, '0')}.md`), `# ${title}\n\n${paragraphs.join(' ')}\n`);
  }
  return articles.size;
}

/** One ingest with `threads` embedding threads (SOBRE_EMBED_THREADS). */
export async function ingestBench(config: SobreConfig, threads: number, datasetDirs: readonly string[], chunks: number): Promise<IngestResult> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-bench-ingest-'));
  try {
    const files = path.join(root, 'files');
    fs.mkdirSync(files);
    const documents = writeArticles(datasetDirs, chunks, config.chunkSize, files);
    const scoped: SobreConfig = Object.freeze({ ...config, dataDir: path.join(root, 'data'), embedThreads: threads });
    const ingest = await createIngestEmbedder(scoped);
    const knowledge = await openKnowledge(scoped, ingest.embedder);
    const target = { knowledge, embedder: ingest.embedder, settings: scoped, concurrency: ingest.concurrency };
    try {
      log(`ingesting ${documents} articles (about ${chunks} chunks of ${config.chunkSize} characters), ${ingest.threads} embedding thread(s)`);
      let c0 = cpuMs();
      const first = await ingestPaths(target, [files]);
      const firstCpu = (cpuMs() - c0) / 1000;
      c0 = cpuMs();
      const again = await ingestPaths(target, [files]);
      const againCpu = (cpuMs() - c0) / 1000;
      const stats = await knowledge.stats();
      const texts = (await knowledge.passages(Array.from({ length: stats.chunks }, (_, i) => i + 1))).map((p) => p.text.length);
      return {
        threads: ingest.threads, documents: first.added, chunks: first.chunksEmbedded, meanChunkChars: round(texts.reduce((a, b) => a + b, 0) / Math.max(1, texts.length), 0),
        first: {
          seconds: round(first.seconds, 2), cpuSeconds: round(firstCpu, 2), chunksPerSecond: round(first.chunksEmbedded / first.seconds, 2),
          cpuMsPerChunk: round((firstCpu * 1000) / Math.max(1, first.chunksEmbedded), 1),
        },
        again: { seconds: round(again.seconds, 3), cpuSeconds: round(againCpu, 3), chunksEmbedded: again.chunksEmbedded },
        speedup: round(first.seconds / Math.max(again.seconds, 1e-3), 0),
      };
    } finally {
      await knowledge.close();
      await ingest.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export interface UploadResult {
  threads: number;
  documents: number;
  chunks: number;
  seconds: number;
  cpuSeconds: number;
  chunksPerSecond: number;
}

/**
 * The same articles uploaded in one POST /v1/documents to a service in this process with
 * SOBRE_UPLOAD_EMBED_THREADS = `threads`, no question asked meanwhile, after a small upload that
 * started its threads.
 */
export async function uploadBench(config: SobreConfig, threads: number, datasetDirs: readonly string[], chunks: number): Promise<UploadResult> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-bench-upload-'));
  const key = randomBytes(16).toString('hex');
  try {
    const files = path.join(root, 'files');
    fs.mkdirSync(files);
    writeArticles(datasetDirs, chunks, config.chunkSize, files);
    const scoped: SobreConfig = Object.freeze({ ...config, dataDir: path.join(root, 'data'), uploadEmbedThreads: threads, apiKeys: [`bench:${key}`], workers: 1, uploadMaxFiles: 10_000 });
    const service = await createService(scoped, { generator: null, logger: createLogger('warn') });
    try {
      const { url } = await service.listen(0, '127.0.0.1');
      // A first small upload starts the threads (loading a model each): the run below is steady state.
      const warm = new FormData();
      warm.append('files', new Blob(['# Warm-up\n\nThis upload starts the embedding threads.\n']), 'warm-up.md');
      await (await fetch(`${url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: warm })).arrayBuffer();
      const form = new FormData();
      for (const f of fs.readdirSync(files).sort()) form.append('files', new Blob([fs.readFileSync(path.join(files, f))]), f);
      log(`uploading ${fs.readdirSync(files).length} articles to the service, SOBRE_UPLOAD_EMBED_THREADS=${threads}`);
      const c0 = cpuMs();
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
      const body = (await res.json()) as { summary?: { added: number }; files?: { documents: { chunks: number }[] }[] };
      const seconds = (performance.now() - t0) / 1000;
      if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
      const embedded = (body.files ?? []).flatMap((f) => f.documents).reduce((a, d) => a + d.chunks, 0);
      return {
        threads, documents: body.summary?.added ?? 0, chunks: embedded, seconds: round(seconds, 2),
        cpuSeconds: round((cpuMs() - c0) / 1000, 2), chunksPerSecond: round(embedded / seconds, 2),
      };
    } finally {
      await service.shutdown(10_000);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export function uploadTable(results: readonly UploadResult[]): string {
  return table(['upload through the service', 'threads', 'documents', 'chunks', 'seconds', 'CPU seconds', 'chunks/s'], results.map((r) => [
    'POST /v1/documents', String(r.threads), String(r.documents), String(r.chunks), fmt(r.seconds, 2), fmt(r.cpuSeconds, 2), fmt(r.chunksPerSecond, 2),
  ]));
}

export function ingestTable(results: readonly IngestResult[]): string {
  return table(['run', 'threads', 'documents', 'chunks embedded', 'seconds', 'CPU seconds', 'chunks/s', 'CPU ms per chunk', 'speed-up'], results.flatMap((r) => [
    ['first time', String(r.threads), String(r.documents), String(r.chunks), fmt(r.first.seconds, 2), fmt(r.first.cpuSeconds, 2), fmt(r.first.chunksPerSecond, 2), fmt(r.first.cpuMsPerChunk), ''],
    ['again, unchanged', String(r.threads), String(r.documents), String(r.again.chunksEmbedded), fmt(r.again.seconds, 3), fmt(r.again.cpuSeconds, 3), '-', '-', `${r.speedup}×`],
  ])) + `\nmean chunk ${results[0]?.meanChunkChars} characters; CPU seconds count every thread`;
}
