import { KnownQuestionIndex } from '../../src/match/known-index';

function unit(...xs: number[]): Float32Array {
  const v = Float32Array.from(xs);
  const n = Math.hypot(...xs);
  return v.map((x) => x / n);
}

describe('KnownQuestionIndex (real hnswlib)', () => {
  it('returns the nearest known questions by id, nearest first, with their cosine', () => {
    const index = new KnownQuestionIndex({ dimension: 3 });
    index.add(10, unit(1, 0, 0));
    index.add(20, unit(0, 1, 0));
    index.add(30, unit(1, 1, 0));
    const hits = index.search(unit(1, 0.1, 0), 2);
    expect(hits.map((h) => h.id)).toEqual([10, 30]);
    expect(hits[0].cosine).toBeCloseTo(1 / Math.hypot(1, 0.1), 5);
    expect(index.search(unit(0, 0, 1), 10)).toHaveLength(3);
  });

  it('forgets a removed id, takes new ids into its slot, and re-adds a removed id with its new vector', () => {
    const index = new KnownQuestionIndex({ dimension: 2, initialCapacity: 2 });
    index.add(1, unit(1, 0));
    index.add(2, unit(0, 1));
    index.remove(1);
    expect(index.has(1)).toBe(false);
    expect(index.search(unit(1, 0), 5).map((h) => h.id)).toEqual([2]);
    index.add(3, unit(1, 0.2)); // reuses the removed slot
    index.add(1, unit(-1, 0));
    expect(index.size).toBe(3);
    expect(index.search(unit(-1, 0), 1)[0]).toMatchObject({ id: 1 });
    expect(index.search(unit(1, 0), 1)[0]).toMatchObject({ id: 3 });
    index.remove(42); // unknown: nothing happens
    expect(index.size).toBe(3);
  });

  it('replaces the vector of an id added twice and grows past its initial capacity', () => {
    const index = new KnownQuestionIndex({ dimension: 2, initialCapacity: 1 });
    index.add(7, unit(1, 0));
    index.add(7, unit(0, 1));
    for (let i = 0; i < 20; i++) index.add(100 + i, unit(-1, i / 20));
    expect(index.size).toBe(21);
    expect(index.search(unit(0, 1), 1)[0].id).toBe(7);
  });

  it('refuses a vector of the wrong dimension and a non-integer id', () => {
    const index = new KnownQuestionIndex({ dimension: 2 });
    expect(() => index.add(1, unit(1, 0, 0))).toThrow(/3-d vector/);
    expect(() => index.add(1.5, unit(1, 0))).toThrow(/integer/);
    expect(index.search(unit(1, 0), 3)).toEqual([]);
  });
});
