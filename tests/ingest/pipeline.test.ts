import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { ingestDocument, ingestPaths, type IngestTarget } from '../../src/ingest/pipeline';
import { openKnowledge } from '../../src/knowledge';
import type { Knowledge } from '../../src/knowledge/types';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';

describe('ingestPaths (real SQLite, hnswlib and loaders; hash embedder)', () => {
  let dir: string;
  let docs: string;
  let embedder: HashEmbedder;
  let config: ReturnType<typeof loadConfig>;
  let kb: Knowledge;
  let target: IngestTarget;

  const write = (name: string, content: string | Buffer) => {
    const file = path.join(docs, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  };

  beforeEach(async () => {
    dir = makeTempDir();
    docs = path.join(dir, 'docs');
    fs.mkdirSync(docs);
    config = loadConfig({ SOBRE_DATA_DIR: path.join(dir, 'data'), SOBRE_CHUNK_SIZE: '200', SOBRE_CHUNK_OVERLAP: '20' });
    embedder = new HashEmbedder();
    kb = await openKnowledge(config, embedder);
    target = { knowledge: kb, embedder, settings: config };
  });
  afterEach(async () => {
    await kb.close();
    removeDir(dir);
  });
  const chunkIdsFor = async (text: string) => {
    const [vector] = await embedder.embed([text]);
    return (await kb.candidates({ text, vector }, 100)).filter((c) => c.bm25 > 0).map((c) => c.chunkId);
  };

  const para = (topic: string, n: number) => Array.from({ length: n }, (_, i) => `${topic} sentence number ${i} is about ${topic}.`).join(' ');

  it('adds, then skips unchanged documents without embedding anything', async () => {
    write('a.md', `# Alpha\n\n${para('alpha', 20)}`);
    write('b.txt', para('beta', 5));
    const first = await ingestPaths(target, [docs]);
    expect(first).toMatchObject({ added: 2, updated: 0, unchanged: 0, failed: 0 });
    const embeddedBefore = embedder.embedded;
    const second = await ingestPaths(target, [docs]);
    expect(second).toMatchObject({ added: 0, unchanged: 2, chunksEmbedded: 0 });
    expect(embedder.embedded).toBe(embeddedBefore);
    expect((await kb.check()).consistent).toBe(true);
  });

  it('does not even parse a file whose bytes are unchanged, unless one of its documents went missing', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('../../src/ingest/load') as typeof import('../../src/ingest/load');
    write('a.md', para('alpha', 3));
    write('lines.jsonl', '{"id":"1","title":"One","text":"first line text"}\n{"id":"2","title":"Two","text":"second line text"}\n');
    await ingestPaths(target, [docs]);
    const spy = jest.spyOn(load, 'loadFile');
    try {
      const again = await ingestPaths(target, [docs]);
      expect(again).toMatchObject({ unchanged: 3, added: 0, failed: 0 });
      expect(spy).not.toHaveBeenCalled();
      const line = await kb.findDocument(`${path.join(docs, 'lines.jsonl')}#2`);
      await kb.deleteDocument(line?.id ?? -1);
      const repaired = await ingestPaths(target, [docs]);
      expect(repaired).toMatchObject({ added: 1, unchanged: 2 });
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('replaces a changed document’s chunks and drops its old vectors from the index', async () => {
    const a = write('a.md', para('alpha', 20));
    await ingestPaths(target, [docs]);
    const oldIds = await chunkIdsFor('alpha');
    expect(oldIds.length).toBeGreaterThan(1);
    fs.writeFileSync(a, para('gamma', 3));
    const r = await ingestPaths(target, [docs]);
    expect(r.updated).toBe(1);
    expect(await chunkIdsFor('alpha')).toEqual([]);
    const [vector] = await embedder.embed(['alpha sentence number']);
    const dense = (await kb.candidates({ text: 'zzz', vector }, 100)).map((c) => c.chunkId);
    for (const id of oldIds) expect(dense).not.toContain(id);
    const stats = await kb.stats();
    expect(await kb.check()).toMatchObject({ consistent: true, storeChunks: stats.indexVectors });
    expect(await kb.listDocuments()).toHaveLength(1);
  });

  it('stores identical chunks once and embeds them once', async () => {
    const shared = para('shared', 3);
    write('one.txt', shared);
    write('two.txt', shared);
    const r = await ingestPaths(target, [docs]);
    expect(r.added).toBe(2);
    expect(r.chunksReused).toBeGreaterThan(0);
    expect((await kb.stats()).chunks).toBe(r.chunksEmbedded);
  });

  it('reports bad files with path and reason, goes on, and prunes documents whose file is gone', async () => {
    write('good.md', para('good', 4));
    write('gone.md', para('gone', 4));
    write('binary.txt', Buffer.from([0, 1, 2, 3, 0, 0, 255, 0]));
    write('empty.md', '   \n');
    const unsupported = path.join(dir, 'data.xyz');
    fs.writeFileSync(unsupported, 'unsupported');
    write('lines.jsonl', '{"id":"1","title":"One","text":"first line text"}\nnot json\n{"id":"2","title":"Two","text":"second line text"}\n');
    // A file named explicitly is reported even when unsupported; a folder walk skips unsupported ones.
    const r = await ingestPaths(target, [docs, unsupported]);
    expect(r.added).toBe(4);
    const failedPaths = r.failures.map((f) => f.path);
    expect(failedPaths).toEqual(expect.arrayContaining([path.join(docs, 'binary.txt'), path.join(docs, 'empty.md'), unsupported]));
    expect(r.failures.find((f) => f.path === unsupported)?.reason).toMatch(/unsupported/);
    expect(failedPaths.some((p) => p.includes('lines.jsonl:2'))).toBe(true);
    expect(r.failed).toBe(r.failures.length);

    fs.unlinkSync(path.join(docs, 'gone.md'));
    fs.writeFileSync(path.join(docs, 'lines.jsonl'), '{"id":"1","title":"One","text":"first line text"}\n');
    const notPruned = await ingestPaths(target, [docs]);
    expect(notPruned.pruned).toBe(0);
    const pruned = await ingestPaths(target, [docs], { prune: true });
    expect(pruned.pruned).toBe(2);
    expect((await kb.listDocuments()).map((d) => path.basename(d.source)).sort()).toEqual(['good.md', 'lines.jsonl#1']);
    expect((await kb.check()).consistent).toBe(true);
  });
});

describe('ingestDocument: when it commits', () => {
  let dir: string;
  let knowledge: Knowledge;
  const embedder = new HashEmbedder();
  const settings = loadConfig({ SOBRE_CHUNK_SIZE: '200', SOBRE_CHUNK_OVERLAP: '20' });
  const doc = { source: '/x/a.md', title: 'A', text: 'alpha text here', format: 'md' as const };
  beforeEach(async () => {
    dir = makeTempDir();
    knowledge = await openKnowledge({ ...settings, dataDir: dir }, embedder);
  });
  afterEach(async () => {
    await knowledge.close();
    removeDir(dir);
  });

  it('waits for beforeWrite, after embedding, before it commits', async () => {
    const log: string[] = [];
    const spy = { ...embedder, id: embedder.id, dimension: embedder.dimension, embed: async (t: readonly string[]) => (log.push('embed'), embedder.embed(t)) };
    const r = await ingestDocument({ knowledge, embedder: spy, settings, beforeWrite: async () => void log.push(`write (${(await knowledge.stats()).documents} documents)`) }, doc, 'doc.md');
    expect(log).toEqual(['embed', 'write (0 documents)']);
    expect(r.outcome).toBe('added');
    expect((await knowledge.stats()).documents).toBe(1);
  });

  it('commits nothing once its signal aborted, even while waiting for its turn', async () => {
    const abort = new AbortController();
    const attempt = ingestDocument({ knowledge, embedder, settings, signal: abort.signal, beforeWrite: async () => abort.abort() }, doc, 'doc.md');
    await expect(attempt).rejects.toMatchObject({ code: 'cancelled' });
    expect((await knowledge.stats()).documents).toBe(0);
  });
});
