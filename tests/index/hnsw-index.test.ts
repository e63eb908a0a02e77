import fs from 'node:fs';
import path from 'node:path';
import { HnswIndex } from '../../src/index/hnsw-index';
import { normalize } from '../../src/embed/types';
import { makeTempDir, removeDir } from '../helpers/temp';

const params = { m: 8, efConstruction: 50, efSearch: 32 };

function randomVector(dim: number, seed: number): Float32Array {
  const v = new Float32Array(dim);
  let s = seed;
  for (let i = 0; i < dim; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = s / 2147483648 - 0.5;
  }
  return normalize(v);
}

describe('HnswIndex', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('finds a vector as its own nearest neighbour with cosine 1', () => {
    const index = HnswIndex.open(dir, 'e', 16, params);
    for (let i = 1; i <= 50; i++) index.add(i, randomVector(16, i));
    const [hit] = index.search(randomVector(16, 7), 1);
    expect(hit.label).toBe(7);
    expect(hit.cosine).toBeCloseTo(1, 5);
  });

  it('grows past its initial capacity', () => {
    const index = HnswIndex.open(dir, 'e', 8, params);
    for (let i = 1; i <= 1500; i++) index.add(i, randomVector(8, i));
    expect(index.size).toBe(1500);
    expect(index.search(randomVector(8, 1400), 1)[0].label).toBe(1400);
  });

  it('deletes by marking: a removed label is never returned, and survives save and reload', () => {
    const index = HnswIndex.open(dir, 'e', 16, params);
    for (let i = 1; i <= 20; i++) index.add(i, randomVector(16, i));
    index.remove(5);
    expect(index.search(randomVector(16, 5), 20).map((h) => h.label)).not.toContain(5);
    index.save(3);
    const reopened = HnswIndex.open(dir, 'e', 16, params);
    expect(reopened.loadedGeneration).toBe(3);
    expect(reopened.size).toBe(19);
    expect(reopened.has(5)).toBe(false);
    expect(reopened.search(randomVector(16, 5), 20).map((h) => h.label)).not.toContain(5);
  });

  it('saves atomically: no temp file left, manifest written last', () => {
    const index = HnswIndex.open(dir, 'e', 16, params);
    index.add(1, randomVector(16, 1));
    index.save(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['vectors.hnsw', 'vectors.json']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'vectors.json'), 'utf8'))).toMatchObject({ embedderId: 'e', dimension: 16, generation: 1, count: 1 });
  });

  it('refuses an index built by another embedder, saying what to do', () => {
    const index = HnswIndex.open(dir, 'use-lite@0.2.0', 16, params);
    index.add(1, randomVector(16, 1));
    index.save(1);
    expect(() => HnswIndex.open(dir, 'transformers:x', 16, params)).toThrow(/built with use-lite@0.2.0.*SOBRE_EMBEDDER=use-lite/s);
  });

  it('returns nothing from an empty index', () => {
    expect(HnswIndex.open(dir, 'e', 4, params).search(randomVector(4, 1), 5)).toEqual([]);
  });

  it('does not load a sound file that is not the one its manifest describes, and says why', () => {
    const index = HnswIndex.open(dir, 'e', 16, params);
    for (let i = 1; i <= 20; i++) index.add(i, randomVector(16, i));
    index.save(1);
    const file = path.join(dir, 'vectors.hnsw');
    const bytes = fs.readFileSync(file);
    bytes[96 + 68 + 2] ^= 0xff; // inside the first vector (after the header and its level-0 links): the structure is still sound
    fs.writeFileSync(file, bytes);
    const reopened = HnswIndex.open(dir, 'e', 16, params);
    expect(reopened.size).toBe(0);
    expect(reopened.discarded).toMatch(/vectors\.hnsw is not the file its manifest describes/);
  });

  it('loads a sound file saved before manifests had a checksum', () => {
    const index = HnswIndex.open(dir, 'e', 16, params);
    for (let i = 1; i <= 20; i++) index.add(i, randomVector(16, i));
    index.save(1);
    const manifestFile = path.join(dir, 'vectors.json');
    const { file: _file, ...older } = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(manifestFile, JSON.stringify(older));
    const reopened = HnswIndex.open(dir, 'e', 16, params);
    expect(reopened.discarded).toBeNull();
    expect(reopened.size).toBe(20);
  });
});
