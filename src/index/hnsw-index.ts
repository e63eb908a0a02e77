/**
 * The HNSW vector index (hnswlib-node, cosine), persisted in the data folder.
 *
 * The SQLite store is the source of truth (it keeps every vector); this index is a derived,
 * rebuildable structure. Its manifest records the store generation it reflects, so a start-up
 * check can tell when a crash left them apart, and the size and sha256 of the index file, so a
 * damaged file is never loaded (hnsw-file.ts checks it before hnswlib sees it). hnswlib is not
 * thread-safe: all calls here are synchronous on the one JS thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { errorMessage, SobreError } from '../errors';
import { checkIndexFile, IndexFileError } from './hnsw-file';

export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
}

export interface IndexManifest {
  embedderId: string;
  dimension: number;
  /** The store generation this file reflects. */
  generation: number;
  deleted: number[];
  count: number;
  savedAt: string;
  /** The index file as written (absent in manifests written before this check existed). */
  file?: { size: number; sha256: string };
}

export interface VectorHit {
  label: number;
  cosine: number;
}

export const INDEX_FILE = 'vectors.hnsw';
export const MANIFEST_FILE = 'vectors.json';
const INITIAL_CAPACITY = 1024;

function fsyncPath(p: string, flags: string): void {
  const fd = fs.openSync(p, flags);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Write `file` through a temp file: `write` it, fsync, `verify` it, rename over `file`, fsync
 * the folder (so the rename survives a power cut). On any failure the temp file is removed and
 * `file` is left as it was.
 */
function writeFileAtomic(file: string, write: (tmp: string) => void, verify: (tmp: string) => void = () => undefined): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    write(tmp);
    fsyncPath(tmp, 'r+');
    verify(tmp);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncPath(path.dirname(file), 'r');
}

/** Whether process `pid` runs on this host (one of another user's counts). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp files a save left when its process died mid-way (those of live processes are in use). */
function removeStaleTempFiles(dir: string): void {
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const m = /^vectors\.(hnsw|json)\.tmp-(\d+)$/.exec(f);
    if (m && !alive(Number(m[2]))) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** The manifest in `dir`: absent, read, or unreadable (with why). */
type ManifestRead = { state: 'absent' } | { state: 'read'; manifest: IndexManifest } | { state: 'unreadable'; reason: string };

function readManifest(dir: string): ManifestRead {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? { state: 'absent' } : { state: 'unreadable', reason: errorMessage(e) };
  }
  try {
    const m = JSON.parse(text) as Partial<IndexManifest>;
    const ok = typeof m.embedderId === 'string' && Number.isInteger(m.dimension) && Number.isInteger(m.generation) && Array.isArray(m.deleted);
    return ok ? { state: 'read', manifest: m as IndexManifest } : { state: 'unreadable', reason: 'it is not an index manifest' };
  } catch (e) {
    return { state: 'unreadable', reason: `it is not valid JSON (${errorMessage(e)})` };
  }
}

export class HnswIndex {
  private readonly live = new Set<number>();
  private readonly deleted = new Set<number>();

  private constructor(
    /** Where it is saved; null for an index that lives in memory only. */
    private readonly dir: string | null,
    private readonly index: HierarchicalNSW,
    readonly embedderId: string,
    readonly dimension: number,
    private readonly params: HnswParams,
    /** Generation of the file this was loaded from (0 when new). */
    readonly loadedGeneration: number,
    /** Why the files on disk were not loaded (naming the file), when there were some; the caller rebuilds. */
    readonly discarded: string | null,
  ) {}

  /** The generation the saved manifest in `dir` records; null when there is none or it is unreadable. */
  static savedGeneration(dir: string): number | null {
    const read = readManifest(dir);
    return read.state === 'read' ? read.manifest.generation : null;
  }

  /**
   * Open the index in `dir`, or start an empty one. An index built by another embedder is
   * refused: its vectors mean nothing to this one. Files that are missing, unreadable, short or
   * not the ones the manifest describes are not loaded: the index starts empty, `discarded`
   * says why, and the caller rebuilds it from the stored vectors.
   */
  static open(dir: string, embedderId: string, dimension: number, params: HnswParams): HnswIndex {
    const manifestPath = path.join(dir, MANIFEST_FILE);
    const indexPath = path.join(dir, INDEX_FILE);
    removeStaleTempFiles(dir);
    const read = readManifest(dir);
    const empty = (discarded: string | null) => HnswIndex.empty(dir, embedderId, dimension, params, discarded);
    const indexExists = fs.existsSync(indexPath);
    if (read.state === 'absent') return empty(indexExists ? `${indexPath} has no manifest (${manifestPath} is missing)` : null);
    if (read.state === 'unreadable') return empty(`${manifestPath} is unreadable: ${read.reason}`);
    const { manifest } = read;
    if (manifest.embedderId !== embedderId || manifest.dimension !== dimension) {
      throw new SobreError(
        'embedder_mismatch',
        `The index in ${dir} was built with ${manifest.embedderId} (${manifest.dimension}-d), not ${embedderId} (${dimension}-d). ` +
          `Set SOBRE_EMBEDDER=${manifest.embedderId === 'use-lite@0.2.0' ? 'use-lite' : manifest.embedderId}, or use another SOBRE_DATA_DIR, or delete ${dir} and ingest again.`,
        { indexEmbedder: manifest.embedderId, configuredEmbedder: embedderId },
      );
    }
    if (!indexExists) return empty(`${indexPath} is missing`);
    const index = new HierarchicalNSW('cosine', dimension);
    try {
      const facts = checkIndexFile(indexPath, dimension);
      if (manifest.file && (facts.size !== manifest.file.size || facts.sha256 !== manifest.file.sha256)) {
        const how = facts.size !== manifest.file.size ? `it is ${facts.size} bytes, the manifest says ${manifest.file.size}` : 'its sha256 is not the one in the manifest';
        return empty(`${indexPath} is not the file its manifest describes (${how})`);
      }
      index.readIndexSync(indexPath);
    } catch (e) {
      return empty(`${indexPath} is damaged: ${e instanceof IndexFileError ? e.message : errorMessage(e)}`);
    }
    index.setEf(params.efSearch);
    const opened = new HnswIndex(dir, index, embedderId, dimension, params, manifest.generation, null);
    const deleted = new Set(manifest.deleted);
    for (const label of index.getIdsList()) {
      if (deleted.has(label)) opened.deleted.add(label);
      else opened.live.add(label);
    }
    return opened;
  }

  /** An index that lives in memory only (rebuilt by its owner; `save` refuses). */
  static inMemory(embedderId: string, dimension: number, params: HnswParams): HnswIndex {
    return HnswIndex.empty(null, embedderId, dimension, params, null);
  }

  private static empty(dir: string | null, embedderId: string, dimension: number, params: HnswParams, discarded: string | null): HnswIndex {
    const index = new HierarchicalNSW('cosine', dimension);
    index.initIndex({ maxElements: INITIAL_CAPACITY, m: params.m, efConstruction: params.efConstruction, randomSeed: 42 });
    index.setEf(params.efSearch);
    return new HnswIndex(dir, index, embedderId, dimension, params, 0, discarded);
  }

  get size(): number {
    return this.live.size;
  }

  has(label: number): boolean {
    return this.live.has(label);
  }

  labels(): number[] {
    return [...this.live];
  }

  add(label: number, vector: Float32Array): void {
    if (vector.length !== this.dimension) {
      throw new SobreError('internal', `Vector of length ${vector.length} given to a ${this.dimension}-d index`);
    }
    if (this.live.has(label)) return;
    if (this.deleted.has(label)) {
      this.index.unmarkDelete(label);
      this.deleted.delete(label);
      this.live.add(label);
      return;
    }
    if (this.index.getCurrentCount() >= this.index.getMaxElements()) {
      this.index.resizeIndex(Math.max(INITIAL_CAPACITY, this.index.getMaxElements() * 2));
    }
    this.index.addPoint(Array.from(vector), label);
    this.live.add(label);
  }

  /** Deletion marks the point; hnswlib skips it in searches. */
  remove(label: number): void {
    if (!this.live.has(label)) return;
    this.index.markDelete(label);
    this.live.delete(label);
    this.deleted.add(label);
  }

  search(vector: Float32Array, k: number): VectorHit[] {
    const n = Math.min(k, this.live.size);
    if (n === 0) return [];
    const { neighbors, distances } = this.index.searchKnn(Array.from(vector), n);
    return neighbors.map((label, i) => ({ label, cosine: 1 - distances[i] }));
  }

  /**
   * Write the index, check the written file (hnswlib's writer ignores write errors: a full disk
   * leaves a short file), then write the manifest with the file's size and checksum; each file
   * through a temp file renamed over the old one. A failed save throws `storage_failed` and
   * leaves the saved index as it was.
   */
  save(generation: number): void {
    const dir = this.dir;
    if (dir === null) throw new SobreError('internal', 'An in-memory index is not saved');
    const indexPath = path.join(dir, INDEX_FILE);
    let file: IndexManifest['file'];
    let replaced = false;
    try {
      fs.mkdirSync(dir, { recursive: true });
      writeFileAtomic(indexPath, (tmp) => this.index.writeIndexSync(tmp), (tmp) => {
        const facts = checkIndexFile(tmp, this.dimension);
        if (facts.elements !== this.index.getCurrentCount()) throw new IndexFileError(`it holds ${facts.elements} elements, not ${this.index.getCurrentCount()}`);
        file = { size: facts.size, sha256: facts.sha256 };
      });
      replaced = true;
      const manifest: IndexManifest = {
        embedderId: this.embedderId,
        dimension: this.dimension,
        generation,
        deleted: [...this.deleted],
        count: this.live.size,
        savedAt: new Date().toISOString(),
        file,
      };
      writeFileAtomic(path.join(dir, MANIFEST_FILE), (tmp) => fs.writeFileSync(tmp, JSON.stringify(manifest)));
    } catch (e) {
      const why = e instanceof IndexFileError ? `the written file is incomplete (${e.message}; is the disk full?)` : errorMessage(e);
      throw new SobreError(
        'storage_failed',
        `Could not save the vector index ${indexPath}: ${why}. ${replaced ? 'Its manifest was not updated: the index is rebuilt from the store at the next start' : 'The saved index is unchanged and is brought up to date from the store at the next start'}; free space in SOBRE_DATA_DIR (${dir}).`,
        { file: indexPath },
        { cause: e },
      );
    }
  }

  get hnswParams(): HnswParams {
    return this.params;
  }
}
