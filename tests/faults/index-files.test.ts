/**
 * Faults in the vector index files: a save that runs out of space, truncated and garbage index
 * files, an unreadable manifest, and a store older than the manifest says. Opening runs in a
 * child process (compiled code), so an index that crashes hnswlib fails a test, not jest.
 * Real parts: SQLite, hnswlib, the file system; the write failure is a file size limit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { normalize } from '../../src/embed/types';
import { HnswIndex } from '../../src/index/hnsw-index';
import { openKnowledge } from '../../src/knowledge';
import type { Knowledge } from '../../src/knowledge/types';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';
import { buildServer } from '../server/process-helpers';
import { runNode } from './harness';

const embedder = new HashEmbedder(64);
const settings = (dataDir: string) => ({ dataDir, hnswM: 16, hnswEfConstruction: 100, hnswEfSearch: 64 });

/** Open the knowledge in a child process and print what opening did and whether it is consistent. */
function openInChild(dataDir: string) {
  return runNode(`
    const { openKnowledge } = require(DIST + '/src/knowledge');
    openKnowledge(${JSON.stringify(settings(dataDir))}, { id: ${JSON.stringify(embedder.id)}, dimension: 64 }).then(async (k) => {
      const check = await k.check();
      await k.close();
      console.log(JSON.stringify({ opened: k.opened, check }));
    }, (e) => {
      console.log(JSON.stringify({ error: { code: e.code, message: e.message } }));
      process.exitCode = 1;
    });
  `);
}

/** A knowledge of `documents` documents of `chunksEach` distinct chunks, flushed and closed. */
async function seed(dataDir: string, documents: number, chunksEach: number): Promise<void> {
  const k: Knowledge = await openKnowledge(settings(dataDir), embedder);
  try {
    for (let d = 0; d < documents; d++) {
      const texts = Array.from({ length: chunksEach }, (_, i) => `document ${d} passage ${i} about topic${(d * 7 + i) % 50} and word${i}`);
      const vectors = await embedder.embed(texts);
      const chunks = texts.map((text, i) => ({ ordinal: i, hash: `h-${d}-${i}`, text, start: i * 100, end: i * 100 + text.length }));
      await k.commitDocument(
        { source: `/docs/d${d}.md`, name: `d${d}.md`, title: `Doc ${d}`, format: 'md', contentHash: `c${d}`, size: 1000 },
        chunks,
        new Map(chunks.map((c, i) => [c.hash, vectors[i]])),
      );
    }
  } finally {
    await k.close();
  }
}

const files = (dir: string) => ({ index: path.join(dir, 'vectors.hnsw'), manifest: path.join(dir, 'vectors.json'), store: path.join(dir, 'sobre.db') });

beforeAll(() => {
  buildServer();
});

describe('saving the index', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('fails loudly when the disk fills up mid-write, and leaves the saved index and manifest as they were', () => {
    const index = HnswIndex.open(dir, 'e', 64, { m: 16, efConstruction: 50, efSearch: 32 });
    const vector = (seed: number) => normalize(Float32Array.from({ length: 64 }, (_, i) => Math.sin(seed * 131 + i * 17)));
    for (let i = 1; i <= 100; i++) index.add(i, vector(i));
    index.save(1);
    const { index: indexFile, manifest } = files(dir);
    const before = { index: fs.readFileSync(indexFile), manifest: fs.readFileSync(manifest, 'utf8') };
    // Room for a little more than the saved file: the new one (10 times larger) cannot fit.
    const run = runNode(`
      const { HnswIndex } = require(DIST + '/src/index/hnsw-index');
      const { normalize } = require(DIST + '/src/embed/types');
      const index = HnswIndex.open(${JSON.stringify(dir)}, 'e', 64, { m: 16, efConstruction: 50, efSearch: 32 });
      for (let i = 101; i <= 1000; i++) index.add(i, normalize(Float32Array.from({ length: 64 }, (_, j) => Math.sin(i * 131 + j * 17))));
      try {
        index.save(2);
        console.log(JSON.stringify({ saved: true }));
      } catch (e) {
        console.log(JSON.stringify({ saved: false, code: e.code, message: e.message }));
      }
    `, { fileSizeLimit: before.index.length + 4096 });
    expect(run.result).toMatchObject({ saved: false, code: 'storage_failed' });
    expect(String(run.result?.message)).toContain(indexFile);
    expect(fs.readFileSync(indexFile).equals(before.index)).toBe(true);
    expect(fs.readFileSync(manifest, 'utf8')).toBe(before.manifest);
    expect(fs.readdirSync(dir).sort()).toEqual(['vectors.hnsw', 'vectors.json']);
  });

  it('records the size and checksum of the file in the manifest', () => {
    const index = HnswIndex.open(dir, 'e', 16, { m: 8, efConstruction: 50, efSearch: 32 });
    index.add(1, normalize(Float32Array.from({ length: 16 }, (_, i) => i + 1)));
    index.save(1);
    const manifest = JSON.parse(fs.readFileSync(files(dir).manifest, 'utf8')) as { file: { size: number; sha256: string } };
    expect(manifest.file.size).toBe(fs.statSync(files(dir).index).size);
    expect(manifest.file.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('opening damaged index files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = makeTempDir();
    await seed(dir, 6, 100); // 600 vectors: the index file is about 250 KB
  });
  afterEach(() => removeDir(dir));

  const expectRebuilt = (run: ReturnType<typeof openInChild>, file: string) => {
    expect({ status: run.status, signal: run.signal, stderr: run.stderr.slice(0, 500) }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(run.result).toMatchObject({ check: { consistent: true, storeChunks: 600, indexVectors: 600 } });
    const { opened } = run.result as { opened: { warnings?: string[]; added: number } };
    expect(opened.added).toBe(600);
    expect(opened.warnings?.join('\n')).toContain(file);
    expect(opened.warnings?.join('\n')).toMatch(/rebuilt/);
  };

  it('a truncated index file is rebuilt from the vectors in the store, with a warning naming it', () => {
    const { index } = files(dir);
    fs.truncateSync(index, Math.floor(fs.statSync(index).size / 2));
    expectRebuilt(openInChild(dir), index);
    // ...and the rebuilt file is saved: the next open loads it as it is.
    const again = openInChild(dir);
    expect(again.result).toMatchObject({ opened: { added: 0, removed: 0 }, check: { consistent: true } });
  });

  it('random bytes inside the index file never reach hnswlib: rebuilt, no crash', () => {
    const { index } = files(dir);
    const fd = fs.openSync(index, 'r+');
    let seed = 7;
    const garbage = Buffer.alloc(64 * 1024, 0).map(() => (seed = (seed * 1103515245 + 12345) % 2147483648) & 0xff);
    fs.writeSync(fd, garbage, 0, garbage.length, 40_000);
    fs.closeSync(fd);
    expectRebuilt(openInChild(dir), index);
  });

  it('a zero-byte index file is rebuilt', () => {
    fs.truncateSync(files(dir).index, 0);
    expectRebuilt(openInChild(dir), files(dir).index);
  });

  it('an unreadable manifest (vectors.json) is rebuilt, naming it', () => {
    fs.writeFileSync(files(dir).manifest, '{"embedderId": "hash-te');
    expectRebuilt(openInChild(dir), files(dir).manifest);
  });
});

describe('a store older than the index manifest', () => {
  let dir: string;
  beforeEach(async () => {
    dir = makeTempDir();
    await seed(dir, 3, 5);
  });
  afterEach(() => removeDir(dir));

  const expectRefused = async (what: RegExp) => {
    const { index, manifest, store } = files(dir);
    const before = { index: fs.readFileSync(index), manifest: fs.readFileSync(manifest, 'utf8') };
    const storeBefore = fs.existsSync(store) ? fs.readFileSync(store) : null;
    await expect(openKnowledge(settings(dir), embedder)).rejects.toMatchObject({ code: 'store_inconsistent', message: expect.stringMatching(what) });
    const err = await openKnowledge(settings(dir), embedder).catch((e: Error) => e);
    expect(String((err as Error).message)).toContain(store);
    expect(String((err as Error).message)).toContain(manifest);
    expect(String((err as Error).message)).toMatch(/backup/);
    // Nothing was changed: no store created, no index emptied.
    expect(fs.readFileSync(index).equals(before.index)).toBe(true);
    expect(fs.readFileSync(manifest, 'utf8')).toBe(before.manifest);
    expect(fs.existsSync(store) ? fs.readFileSync(store) : null).toEqual(storeBefore);
  };

  it('a missing sobre.db next to a manifest that is ahead: refused with the reason and the fix', async () => {
    for (const f of fs.readdirSync(dir)) if (f.startsWith('sobre.db')) fs.rmSync(path.join(dir, f));
    await expectRefused(/missing/);
  });

  it('a zero-byte sobre.db: refused', async () => {
    for (const f of fs.readdirSync(dir)) if (f.startsWith('sobre.db-')) fs.rmSync(path.join(dir, f));
    fs.truncateSync(files(dir).store, 0);
    await expectRefused(/empty/);
  });

  it('an older copy of sobre.db: refused', async () => {
    const manifest = JSON.parse(fs.readFileSync(files(dir).manifest, 'utf8')) as { generation: number };
    fs.writeFileSync(files(dir).manifest, JSON.stringify({ ...manifest, generation: manifest.generation + 5 }));
    await expectRefused(/generation/);
  });
});
