/**
 * The HNSW vector index (hnswlib-node, cosine), persisted in the data folder.
 *
 * The SQLite store is the source of truth (it keeps every vector); this index is a derived,
 * rebuildable structure. Its manifest records the store generation it reflects, so a start-up
 * check can tell when a crash left them apart. hnswlib is not thread-safe: all calls here are
 * synchronous on the one JS thread, except `save`, which works on a consistent snapshot file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { SobreError } from '../errors';

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
}

export interface VectorHit {
  label: number;
  cosine: number;
}

const INDEX_FILE = 'vectors.hnsw';
const MANIFEST_FILE = 'vectors.json';
const INITIAL_CAPACITY = 1024;

function writeFileAtomic(file: string, write: (tmp: string) => void): void {
  const tmp = `${file}.tmp-${process.pid}`;
  write(tmp);
  const fd = fs.openSync(tmp, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  // fsync the folder so the rename itself survives a power cut.
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
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
  ) {}

  /**
   * Open the index in `dir`, or start an empty one. An index built by another embedder is
   * refused: its vectors mean nothing to this one.
   */
  static open(dir: string, embedderId: string, dimension: number, params: HnswParams): HnswIndex {
    const manifestPath = path.join(dir, MANIFEST_FILE);
    const indexPath = path.join(dir, INDEX_FILE);
    const index = new HierarchicalNSW('cosine', dimension);
    if (fs.existsSync(manifestPath) && fs.existsSync(indexPath)) {
      const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as IndexManifest;
      if (manifest.embedderId !== embedderId || manifest.dimension !== dimension) {
        throw new SobreError(
          'embedder_mismatch',
          `The index in ${dir} was built with ${manifest.embedderId} (${manifest.dimension}-d), not ${embedderId} (${dimension}-d). ` +
            `Set SOBRE_EMBEDDER=${manifest.embedderId === 'use-lite@0.2.0' ? 'use-lite' : manifest.embedderId}, or use another SOBRE_DATA_DIR, or delete ${dir} and ingest again.`,
          { indexEmbedder: manifest.embedderId, configuredEmbedder: embedderId },
        );
      }
      index.readIndexSync(indexPath);
      index.setEf(params.efSearch);
      const opened = new HnswIndex(dir, index, embedderId, dimension, params, manifest.generation);
      const deleted = new Set(manifest.deleted);
      for (const label of index.getIdsList()) {
        if (deleted.has(label)) opened.deleted.add(label);
        else opened.live.add(label);
      }
      return opened;
    }
    return HnswIndex.empty(dir, embedderId, dimension, params);
  }

  /** An index that lives in memory only (rebuilt by its owner; `save` refuses). */
  static inMemory(embedderId: string, dimension: number, params: HnswParams): HnswIndex {
    return HnswIndex.empty(null, embedderId, dimension, params);
  }

  private static empty(dir: string | null, embedderId: string, dimension: number, params: HnswParams): HnswIndex {
    const index = new HierarchicalNSW('cosine', dimension);
    index.initIndex({ maxElements: INITIAL_CAPACITY, m: params.m, efConstruction: params.efConstruction, randomSeed: 42 });
    index.setEf(params.efSearch);
    return new HnswIndex(dir, index, embedderId, dimension, params, 0);
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

  /** Write the index then its manifest, each atomically (temp file, fsync, rename). */
  save(generation: number): void {
    const dir = this.dir;
    if (dir === null) throw new SobreError('internal', 'An in-memory index is not saved');
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomic(path.join(dir, INDEX_FILE), (tmp) => this.index.writeIndexSync(tmp));
    const manifest: IndexManifest = {
      embedderId: this.embedderId,
      dimension: this.dimension,
      generation,
      deleted: [...this.deleted],
      count: this.live.size,
      savedAt: new Date().toISOString(),
    };
    writeFileAtomic(path.join(dir, MANIFEST_FILE), (tmp) => fs.writeFileSync(tmp, JSON.stringify(manifest)));
  }

  get hnswParams(): HnswParams {
    return this.params;
  }
}
