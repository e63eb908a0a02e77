import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { ingestPaths } from '../../src/ingest/pipeline';
import { openKnowledge } from '../../src/knowledge';
import type { Knowledge } from '../../src/knowledge/types';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';

describe('the ingest summary lists skipped files by reason (real SQLite, hnswlib and loaders; hash embedder)', () => {
  let dir: string;
  let kb: Knowledge | undefined;
  afterEach(async () => {
    await kb?.close();
    removeDir(dir);
  });

  it('groups templates and unsupported files (not failures) with files that failed as a whole', async () => {
    dir = makeTempDir();
    const docs = path.join(dir, 'docs');
    fs.cpSync(path.join(__dirname, 'documents'), docs, { recursive: true });
    fs.writeFileSync(path.join(docs, 'empty.md'), '');
    fs.writeFileSync(path.join(docs, 'binary.txt'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x01]));
    fs.writeFileSync(path.join(docs, 'big.txt'), 'x'.repeat(5000));
    const config = loadConfig({ SOBRE_DATA_DIR: path.join(dir, 'data'), SOBRE_MAX_FILE_BYTES: '4096' });
    const embedder = new HashEmbedder();
    kb = await openKnowledge(config, embedder);

    const s = await ingestPaths({ knowledge: kb, embedder, settings: config }, [docs]);

    expect(s.added).toBe(4);
    const byReason = Object.fromEntries(s.skipped.map((g) => [g.reason, g.files.map((f) => path.relative(docs, f)).sort()]));
    expect(byReason).toEqual({
      'unsupported type': ['docs/assets/logo.png', 'docs/mkdocs.yml'],
      template: ['docs/overrides/main.html', 'docs/overrides/partial.jinja'],
      empty: ['empty.md'],
      binary: ['binary.txt'],
      'too large': ['big.txt'],
    });
    // Templates and files of other types are left out on purpose; the others failed.
    expect(s.failures.map((f) => path.relative(docs, f.path)).sort()).toEqual(['big.txt', 'binary.txt', 'empty.md']);
    expect(s.failed).toBe(3);
  });
});
