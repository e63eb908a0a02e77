/**
 * A disk that fills up during an upload: the documents commit (SQLite has room for a few pages)
 * but the index save does not fit. The upload must say so (507, with what was committed), the
 * saved index must stay the good one, and once space is back everything is consistent. A real
 * tmpfs of a few MB, mounted when the tests run as root (CI); elsewhere the same failure is
 * injected with a file size limit in index-files.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openKnowledge } from '../../src/knowledge';
import { HashEmbedder } from '../helpers/hash-embedder';
import { removeDir } from '../helpers/temp';
import { auth, formWith, startTestServer, TEST_KEY } from '../server/helpers';
import { mountSmallDisk, type SmallDisk } from './harness';

let disk: SmallDisk | null;
beforeAll(() => {
  disk = mountSmallDisk(16 * 1024 * 1024);
});
afterAll(() => disk?.unmount());

/** `n` paragraphs of distinct text, one chunk each at SOBRE_CHUNK_SIZE=200. */
function paragraphs(topic: string, n: number): string {
  return `# ${topic}\n\n` + Array.from({ length: n }, (_, i) => `Entry ${i} of the ${topic} catalogue: part ${topic}-${i} is stored in bay ${i % 31} on level ${i % 7}.`).join('\n\n') + '\n';
}

test('an upload whose index save runs out of space is a 507; the saved index stays the good one; nothing is lost', async () => {
  if (!disk) {
    console.warn('skipped: cannot mount a tmpfs here (not root); index-files.test.ts injects the same failure');
    return;
  }
  const dataDir = path.join(disk.dir, 'data');
  const embedder = new HashEmbedder();
  const env = { SOBRE_DATA_DIR: dataDir, SOBRE_API_KEYS: `ops:${TEST_KEY}`, SOBRE_CHUNK_SIZE: '200', SOBRE_CHUNK_OVERLAP: '20' };
  const s = await startTestServer({ embedder, env, corpus: { 'catalogue.md': paragraphs('catalogue', 1500) } });
  const filler = path.join(disk.dir, 'filler');
  try {
    const indexFile = path.join(dataDir, 'vectors.hnsw');
    const manifestFile = path.join(dataDir, 'vectors.json');
    const saved = { index: fs.readFileSync(indexFile), manifest: fs.readFileSync(manifestFile, 'utf8') };
    // Leave room for the commit's SQLite pages, not for a new index file (about 600 KB).
    const free = fs.statfsSync(disk.dir).bavail * fs.statfsSync(disk.dir).bsize;
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free - 256 * 1024)));

    const res = await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth(TEST_KEY), body: formWith([{ name: 'whales.md', content: '# Whales\n\nThe blue whale is the largest animal ever known.\n' }]) });
    const body = (await res.json()) as { status: number; code: string; detail: string; files: { status: string }[] };
    expect({ status: res.status, code: body.code }).toEqual({ status: 507, code: 'storage_failed' });
    expect(body.detail).toMatch(/committed/);
    expect(body.detail).toContain(indexFile);
    expect(body.files[0].status).toBe('added');
    expect(fs.readFileSync(indexFile).equals(saved.index)).toBe(true);
    expect(fs.readFileSync(manifestFile, 'utf8')).toBe(saved.manifest);
    expect(fs.readdirSync(dataDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // The committed document is searchable now.
    const ask = await fetch(`${s.url}/v1/ask`, { method: 'POST', headers: { ...auth(TEST_KEY), 'content-type': 'application/json' }, body: '{"question":"What is the largest animal ever known?"}' });
    expect(((await ask.json()) as { citations: { name: string }[] }).citations[0].name).toBe('whales.md');
  } finally {
    fs.rmSync(filler, { force: true });
    await s.service.shutdown(2000);
  }
  // Space is back: the store and the index agree, and the document is there.
  const k = await openKnowledge(s.config, embedder);
  try {
    expect(await k.check()).toMatchObject({ consistent: true });
    expect((await k.listDocuments()).map((d) => d.name)).toContain('whales.md');
  } finally {
    await k.close();
    removeDir(s.root);
  }
});
