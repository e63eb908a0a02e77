/**
 * A large knowledge built from the development corpora, cached so reruns only load it.
 *
 * The corpora hold about 8,000 passages; 100,000 chunks are made by tiling: chunk r of passage i
 * is passage i followed by a slice of another passage j (picked by a fixed hash), up to about
 * 1,000 characters. Every source passage is embedded by the real model; a tile's vector is the
 * two source vectors mixed in proportion to their characters, then normalised (embedding 100,000
 * chunks would take hours here; see docs/benchmarks.md for what this changes). The questions'
 * vectors are the model's.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SobreConfig } from '../../src/config';
import type { Embedder } from '../../src/embed/types';
import { normalize } from '../../src/embed/types';
import { loadDataset } from '../../src/evaluation/dataset';
import { openKnowledge } from '../../src/knowledge';
import type { ChunkInput } from '../../src/knowledge/types';
import { log, spread } from './common';

const TILE_CHARS = 1000;

export interface SourcePassage {
  id: string;
  title: string;
  text: string;
}

/** A question with what judges an answer to it at scale: the chunks of document `bench://<i>` begin with source passage i. */
export interface ScaleQuestion {
  answers: string[];
  answerable: boolean;
  /** Indexes of its gold passages in the sources (empty: none, e.g. unanswerable). */
  gold: number[];
}

export interface ScaleData {
  dir: string;
  chunks: number;
  /** Chunk vectors, row `id - 1` for chunk id `id` (ids are 1..chunks in a fresh store). */
  vectors: Float32Array;
  dimension: number;
  questions: string[];
  /** Aligned with `questions`. */
  judged: ScaleQuestion[];
  questionVectors: Float32Array[];
  buildSeconds: number;
  /** True when this run built it (false: loaded from the cache). */
  built: boolean;
}

function readJsonl(file: string): Record<string, unknown>[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function fingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 12);
}

/** A file's content, not its path or times: a dataset copied or touched again keeps its cache (hours of embedding). */
function fileStamp(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Vectors of `texts`, computed once and kept in `file` (raw float32 rows). */
async function cachedVectors(file: string, texts: readonly string[], embedder: Embedder, role: 'query' | 'passage', what: string): Promise<Float32Array[]> {
  const dim = embedder.dimension;
  if (fs.existsSync(file) && fs.statSync(file).size === texts.length * dim * 4) {
    const all = new Float32Array(fs.readFileSync(file).buffer.slice(0));
    return texts.map((_, i) => all.subarray(i * dim, (i + 1) * dim));
  }
  log(`embedding ${texts.length} ${what} with ${embedder.id} (cached in ${file})`);
  const out: Float32Array[] = [];
  const started = Date.now();
  for (let i = 0; i < texts.length; i += 64) {
    out.push(...(await embedder.embed(texts.slice(i, i + 64), role)));
    if (Date.now() - started > 5000 && (i / 64) % 10 === 0) log(`  ${out.length}/${texts.length}`);
  }
  const all = new Float32Array(texts.length * dim);
  out.forEach((v, i) => all.set(v, i * dim));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, Buffer.from(all.buffer));
  fs.renameSync(`${file}.tmp`, file);
  return out;
}

function sliceAtSpace(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf(' ', max);
  return text.slice(0, cut > max * 0.6 ? cut : max);
}

/** Chunk `r` of passage `i`: the passage, then a slice of another one to reach TILE_CHARS. */
function tile(sources: readonly SourcePassage[], vectors: readonly Float32Array[], i: number, r: number): { text: string; vector: Float32Array } {
  const own = sliceAtSpace(sources[i].text, TILE_CHARS - 100);
  if (r === 0) return { text: own, vector: vectors[i] };
  const j = Number(BigInt.asUintN(32, BigInt(i) * 2654435761n + BigInt(r) * 40503n) % BigInt(sources.length));
  const other = sliceAtSpace(sources[j === i ? (j + 1) % sources.length : j].text, Math.max(80, TILE_CHARS - own.length - 1));
  const a = own.length / (own.length + other.length);
  const v = new Float32Array(vectors[i].length);
  const w = vectors[j === i ? (j + 1) % sources.length : j];
  for (let d = 0; d < v.length; d++) v[d] = a * vectors[i][d] + (1 - a) * w[d];
  return { text: `${own} ${other}`, vector: normalize(v) };
}

function corpusStamp(embedder: Embedder, datasetDirs: readonly string[]): string {
  return fingerprint([embedder.id, ...datasetDirs.map((d) => fileStamp(path.join(d, 'corpus.jsonl')))]);
}

function scaleDir(config: SobreConfig, stamp: string, chunks: number): string {
  return path.join(path.resolve(config.dataDir), 'bench', `scale-${chunks}-${stamp}-${config.hnswM}-${config.hnswEfConstruction}`);
}

/** Whether a previous run built this knowledge (loading it is then quick). */
export function scaleCached(config: SobreConfig, embedder: Embedder, datasetDirs: readonly string[], chunks: number): boolean {
  return fs.existsSync(path.join(scaleDir(config, corpusStamp(embedder, datasetDirs), chunks), 'build.json'));
}

export async function scaleData(
  config: SobreConfig,
  embedder: Embedder,
  datasetDirs: readonly string[],
  chunks: number,
  questionCount: number,
): Promise<ScaleData> {
  const benchDir = path.join(path.resolve(config.dataDir), 'bench');
  const corpora = datasetDirs.map((d) => loadDataset(d));
  const sources: SourcePassage[] = corpora.flatMap((ds) => readJsonl(ds.corpusFile).map((p) => ({ id: String(p.id ?? ''), title: String(p.title ?? ''), text: String(p.text ?? '') })));
  const stamp = corpusStamp(embedder, datasetDirs);
  const sourceVectors = await cachedVectors(path.join(benchDir, `sources-${stamp}.f32`), sources.map((s) => `${s.title}. ${s.text}`), embedder, 'passage', 'source passages');
  const asked = spread(corpora.flatMap((d) => d.questions), questionCount);
  const questions = asked.map((q) => q.question);
  const sourceIndex = new Map(sources.map((s, i) => [s.id, i]));
  const judged = asked.map((q) => ({
    answers: q.answers, answerable: q.answerable,
    gold: q.gold_doc_ids.map((id) => sourceIndex.get(id)).filter((i): i is number => i !== undefined),
  }));
  const questionVectors = await cachedVectors(path.join(benchDir, `questions-${stamp}-${questions.length}.f32`), questions, embedder, 'query', 'questions');

  const perSource = Math.ceil(chunks / sources.length);
  const dir = scaleDir(config, stamp, chunks);
  const vectorsFile = path.join(dir, 'chunk-vectors.f32');
  const dim = embedder.dimension;
  const done = path.join(dir, 'build.json');
  if (fs.existsSync(done)) {
    const meta = JSON.parse(fs.readFileSync(done, 'utf8')) as { chunks: number; seconds: number };
    return { dir, chunks: meta.chunks, vectors: new Float32Array(fs.readFileSync(vectorsFile).buffer.slice(0)), dimension: dim, questions, judged, questionVectors, buildSeconds: meta.seconds, built: false };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  log(`building ${chunks} chunks from ${sources.length} passages in ${dir} (once; later runs load it)`);
  const started = Date.now();
  const knowledge = await openKnowledge({ ...config, dataDir: dir }, embedder);
  const all = new Float32Array(chunks * dim);
  let n = 0;
  const seen = new Set<string>();
  const rowHashes: string[] = [];
  for (let i = 0; i < sources.length && n < chunks; i++) {
    const input: ChunkInput[] = [];
    const vectors = new Map<string, Float32Array>();
    let at = 0;
    for (let r = 0; r < perSource && n + input.length < chunks; r++) {
      const t = tile(sources, sourceVectors, i, r);
      const hash = createHash('sha256').update(t.text).digest('hex');
      if (seen.has(hash)) continue; // identical tiles are one chunk in the store
      seen.add(hash);
      rowHashes.push(hash);
      input.push({ ordinal: input.length, hash, text: t.text, start: at, end: at + t.text.length });
      vectors.set(hash, t.vector);
      all.set(t.vector, (n + input.length - 1) * dim);
      at += t.text.length + 2;
    }
    if (input.length === 0) continue;
    await knowledge.commitDocument({ source: `bench://${i}`, name: `bench-${i}`, title: sources[i].title, format: 'txt', contentHash: `bench-${i}`, size: at }, input, vectors);
    n += input.length;
    if (i % 500 === 0) log(`  ${n}/${chunks} chunks, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  // Ids are 1..n in insertion order in a fresh store: check a sample before trusting it.
  for (const id of [1, Math.ceil(n / 2), n]) {
    const [p] = await knowledge.passages([id]);
    if (!p || createHash('sha256').update(p.text).digest('hex') !== rowHashes[id - 1]) throw new Error(`chunk ${id} is not where the bench expects it`);
  }
  await knowledge.close();
  const seconds = (Date.now() - started) / 1000;
  fs.writeFileSync(vectorsFile, Buffer.from(all.buffer, 0, n * dim * 4));
  fs.writeFileSync(done, JSON.stringify({ chunks: n, seconds, sources: sources.length, perSource }));
  return { dir, chunks: n, vectors: all.subarray(0, n * dim), dimension: dim, questions, judged, questionVectors, buildSeconds: seconds, built: true };
}
