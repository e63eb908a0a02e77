/**
 * Known questions' vectors in memory (hnswlib-node, cosine), by numeric id: the candidates the
 * matcher then judges. A removed id's slot is reused by the next add, so a cache that evicts
 * does not grow; adding a present id replaces its vector.
 */
import { HierarchicalNSW } from 'hnswlib-node';
import { SobreError } from '../errors';

export interface KnownHit {
  id: number;
  cosine: number;
}

export interface KnownIndexOptions {
  dimension: number;
  m?: number;
  efConstruction?: number;
  efSearch?: number;
  initialCapacity?: number;
}

export class KnownQuestionIndex {
  private readonly index: HierarchicalNSW;
  /** hnswlib labels are our own counter, so a removed slot can be reused without tracking which. */
  private readonly labelOf = new Map<number, number>();
  private readonly idOf = new Map<number, number>();
  private nextLabel = 0;
  private deletedSlots = 0;
  readonly dimension: number;

  constructor({ dimension, m = 16, efConstruction = 100, efSearch = 64, initialCapacity = 1024 }: KnownIndexOptions) {
    if (!(dimension > 0)) throw new SobreError('bad_config', `KnownQuestionIndex: dimension must be positive, not ${dimension}`);
    this.dimension = dimension;
    this.index = new HierarchicalNSW('cosine', dimension);
    this.index.initIndex({ maxElements: Math.max(1, initialCapacity), m, efConstruction, randomSeed: 42, allowReplaceDeleted: true });
    this.index.setEf(efSearch);
  }

  get size(): number {
    return this.labelOf.size;
  }

  has(id: number): boolean {
    return this.labelOf.has(id);
  }

  add(id: number, vector: Float32Array): void {
    if (!Number.isSafeInteger(id)) throw new SobreError('bad_request', `A known question's id must be an integer, not ${id}`);
    if (vector.length !== this.dimension) throw new SobreError('bad_request', `A ${vector.length}-d vector cannot join a ${this.dimension}-d index`);
    const point = Array.from(vector);
    const existing = this.labelOf.get(id);
    if (existing !== undefined) {
      this.index.addPoint(point, existing); // hnswlib updates a live label's vector
      return;
    }
    const label = this.nextLabel++;
    if (this.deletedSlots > 0) {
      this.index.addPoint(point, label, true);
      this.deletedSlots--;
    } else {
      if (this.index.getCurrentCount() >= this.index.getMaxElements()) this.index.resizeIndex(this.index.getMaxElements() * 2);
      this.index.addPoint(point, label);
    }
    this.labelOf.set(id, label);
    this.idOf.set(label, id);
  }

  remove(id: number): void {
    const label = this.labelOf.get(id);
    if (label === undefined) return;
    this.index.markDelete(label);
    this.labelOf.delete(id);
    this.idOf.delete(label);
    this.deletedSlots++;
  }

  /** The `k` nearest known questions, nearest first. */
  search(vector: Float32Array, k: number): KnownHit[] {
    const n = Math.min(k, this.size);
    if (n === 0) return [];
    if (vector.length !== this.dimension) throw new SobreError('bad_request', `A ${vector.length}-d question vector cannot search a ${this.dimension}-d index`);
    const { neighbors, distances } = this.index.searchKnn(Array.from(vector), n);
    return neighbors.map((label, i) => ({ id: this.idOf.get(label)!, cosine: 1 - distances[i] }));
  }
}
