import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { ingestDocument, ingestPaths } from '../../src/ingest/pipeline';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';

describe('ingestPaths (real SQLite, hnswlib and loaders; hash embedder)', () => {
  let dir: string;
  let docs: string;
  let embedder: HashEmbedder;
  let config: ReturnType<typeof loadConfig>;
  let kb: KnowledgeBase;

  const write = (name: string, content: string | Buffer) => {
    const file = path.join(docs, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  };

  beforeEach(() => {
    dir = makeTempDir();
    docs = path.join(dir, 'docs');
    fs.mkdirSync(docs);
    config = loadConfig({ SOBRE_DATA_DIR: path.join(dir, 'data'), SOBRE_CHUNK_SIZE: '200', SOBRE_CHUNK_OVERLAP: '20' });
    embedder = new HashEmbedder();
    kb = KnowledgeBase.open(config, embedder);
  });
  afterEach(() => {
    kb.close();
    removeDir(dir);
  });

  const para = (topic: string, n: number) => Array.from({ length: n }, (_, i) => `${topic} sentence number ${i} is about ${topic}.`).join(' ');

  it('adds, then skips unchanged documents without embedding anything', async () => {
    write('a.md', `# Alpha\n\n${para('alpha', 20)}`);
    write('b.txt', para('beta', 5));
    const first = await ingestPaths(kb, [docs], config);
    expect(first).toMatchObject({ added: 2, updated: 0, unchanged: 0, failed: 0 });
    const embeddedBefore = embedder.embedded;
    const second = await ingestPaths(kb, [docs], config);
    expect(second).toMatchObject({ added: 0, unchanged: 2, chunksEmbedded: 0 });
    expect(embedder.embedded).toBe(embeddedBefore);
    expect(kb.check().consistent).toBe(true);
  });

  it('does not even parse a file whose bytes are unchanged, unless one of its documents went missing', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('../../src/ingest/load') as typeof import('../../src/ingest/load');
    write('a.md', para('alpha', 3));
    write('lines.jsonl', '{"id":"1","title":"One","text":"first line text"}\n{"id":"2","title":"Two","text":"second line text"}\n');
    await ingestPaths(kb, [docs], config);
    const spy = jest.spyOn(load, 'loadFile');
    try {
      const again = await ingestPaths(kb, [docs], config);
      expect(again).toMatchObject({ unchanged: 3, added: 0, failed: 0 });
      expect(spy).not.toHaveBeenCalled();
      const line = kb.store.findDocument(`${path.join(docs, 'lines.jsonl')}#2`);
      for (const id of kb.store.deleteDocument(line?.id ?? -1)) kb.index.remove(id);
      const repaired = await ingestPaths(kb, [docs], config);
      expect(repaired).toMatchObject({ added: 1, unchanged: 2 });
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('replaces a changed document’s chunks and drops its old vectors from the index', async () => {
    const a = write('a.md', para('alpha', 20));
    await ingestPaths(kb, [docs], config);
    const oldIds = kb.store.chunkIds();
    fs.writeFileSync(a, para('gamma', 3));
    const r = await ingestPaths(kb, [docs], config);
    expect(r.updated).toBe(1);
    for (const id of oldIds) expect(kb.index.has(id)).toBe(false);
    expect(kb.check()).toMatchObject({ consistent: true, storeChunks: kb.index.size });
    expect(kb.store.listDocuments()).toHaveLength(1);
  });

  it('stores identical chunks once and embeds them once', async () => {
    const shared = para('shared', 3);
    write('one.txt', shared);
    write('two.txt', shared);
    const r = await ingestPaths(kb, [docs], config);
    expect(r.added).toBe(2);
    expect(r.chunksReused).toBeGreaterThan(0);
    expect(kb.store.stats().chunks).toBe(r.chunksEmbedded);
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
    const r = await ingestPaths(kb, [docs, unsupported], config);
    expect(r.added).toBe(4);
    const failedPaths = r.failures.map((f) => f.path);
    expect(failedPaths).toEqual(expect.arrayContaining([path.join(docs, 'binary.txt'), path.join(docs, 'empty.md'), unsupported]));
    expect(r.failures.find((f) => f.path === unsupported)?.reason).toMatch(/unsupported/);
    expect(failedPaths.some((p) => p.includes('lines.jsonl:2'))).toBe(true);
    expect(r.failed).toBe(r.failures.length);

    fs.unlinkSync(path.join(docs, 'gone.md'));
    fs.writeFileSync(path.join(docs, 'lines.jsonl'), '{"id":"1","title":"One","text":"first line text"}\n');
    const notPruned = await ingestPaths(kb, [docs], config);
    expect(notPruned.pruned).toBe(0);
    const pruned = await ingestPaths(kb, [docs], config, { prune: true });
    expect(pruned.pruned).toBe(2);
    expect(kb.store.listDocuments().map((d) => path.basename(d.source)).sort()).toEqual(['good.md', 'lines.jsonl#1']);
    expect(kb.check().consistent).toBe(true);
  });
});

describe('KnowledgeBase after a crash', () => {
  it('repairs an index that missed committed documents, from the stored vectors, without re-embedding', async () => {
    const dir = makeTempDir();
    try {
      const config = loadConfig({ SOBRE_DATA_DIR: dir });
      const embedder = new HashEmbedder();
      let kb = KnowledgeBase.open(config, embedder);
      await ingestDocument(kb, { source: '/x/a.md', title: 'A', text: 'alpha text here', format: 'md' }, config);
      kb.save();
      await ingestDocument(kb, { source: '/x/b.md', title: 'B', text: 'beta text there', format: 'md' }, config);
      kb.close(); // "crash": B is committed in SQLite, but the index file on disk does not have it
      const embedded = embedder.embedded;
      kb = KnowledgeBase.open(config, embedder);
      expect(kb.lastRepair).toMatchObject({ added: 1, removed: 0, consistent: true });
      expect(kb.check().consistent).toBe(true);
      expect(embedder.embedded).toBe(embedded);
      kb.close();
      kb = KnowledgeBase.open(config, embedder);
      expect(kb.lastRepair).toMatchObject({ added: 0, removed: 0 });
      kb.close();
    } finally {
      removeDir(dir);
    }
  });

  it('picks up documents another process committed (refresh)', async () => {
    const dir = makeTempDir();
    try {
      const config = loadConfig({ SOBRE_DATA_DIR: dir });
      const server = KnowledgeBase.open(config, new HashEmbedder());
      const ingester = KnowledgeBase.open(config, new HashEmbedder());
      await ingestDocument(ingester, { source: '/x/a.md', title: 'A', text: 'alpha text here', format: 'md' }, config);
      expect(server.index.size).toBe(0);
      expect(server.refresh()).toMatchObject({ added: 1 });
      expect(server.check().consistent).toBe(true);
      expect(server.refresh()).toBeNull();
      ingester.close();
      server.close();
    } finally {
      removeDir(dir);
    }
  });
});
