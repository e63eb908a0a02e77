/**
 * Ingestion: chunks per second the first time (1,000-character chunks: the development corpora's
 * passages run together into one Markdown document per article), then the same files again,
 * unchanged (nothing to parse or embed), and the speed-up. Wall time on a shared machine depends
 * on the others' load: CPU seconds per chunk is printed beside it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SobreConfig } from '../../src/config';
import { createIngestEmbedder } from '../../src/embed';
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

export function ingestTable(results: readonly IngestResult[]): string {
  return table(['run', 'threads', 'documents', 'chunks embedded', 'seconds', 'CPU seconds', 'chunks/s', 'CPU ms per chunk', 'speed-up'], results.flatMap((r) => [
    ['first time', String(r.threads), String(r.documents), String(r.chunks), fmt(r.first.seconds, 2), fmt(r.first.cpuSeconds, 2), fmt(r.first.chunksPerSecond, 2), fmt(r.first.cpuMsPerChunk), ''],
    ['again, unchanged', String(r.threads), String(r.documents), String(r.again.chunksEmbedded), fmt(r.again.seconds, 3), fmt(r.again.cpuSeconds, 3), '-', '-', `${r.speedup}×`],
  ])) + `\nmean chunk ${results[0]?.meanChunkChars} characters; CPU seconds count every thread`;
}
