/**
 * Start-up errors name the setting or the file and say what to do: a data folder that is a
 * file, a store that is a folder or not a database, a read-only data folder (a read-only tmpfs
 * when the tests can mount one), an uploads folder that is a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openKnowledge } from '../../src/knowledge';
import { createService } from '../../src/server/service';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';
import { testConfig } from '../server/helpers';
import { mountSmallDisk } from './harness';

const embedder = new HashEmbedder(64);
const open = (dataDir: string) => openKnowledge({ dataDir, hnswM: 16, hnswEfConstruction: 100, hnswEfSearch: 64 }, embedder);

let root: string;
beforeEach(() => {
  root = makeTempDir();
});
afterEach(() => removeDir(root));

test('SOBRE_DATA_DIR is a file', async () => {
  const file = path.join(root, 'data');
  fs.writeFileSync(file, 'not a folder');
  await expect(open(file)).rejects.toMatchObject({ code: 'bad_config', message: expect.stringMatching(/is a file, not a folder.*SOBRE_DATA_DIR/) });
  await expect(open(path.join(file, 'below'))).rejects.toMatchObject({ message: expect.stringMatching(/is a file, not a folder.*SOBRE_DATA_DIR/) });
});

test('sobre.db is a folder, or not a database', async () => {
  fs.mkdirSync(path.join(root, 'sobre.db'));
  await expect(open(root)).rejects.toMatchObject({ message: expect.stringMatching(/sobre\.db is a folder, not a database file.*SOBRE_DATA_DIR/) });
  fs.rmdirSync(path.join(root, 'sobre.db'));
  fs.writeFileSync(path.join(root, 'sobre.db'), Buffer.alloc(8192, 7));
  await expect(open(root)).rejects.toMatchObject({ message: expect.stringMatching(/sobre\.db is not a SQLite database.*backup/) });
});

test('a read-only data folder', async () => {
  const disk = mountSmallDisk(4 * 1024 * 1024);
  if (!disk) {
    console.warn('skipped: cannot mount a tmpfs here (not root)');
    return;
  }
  try {
    disk.setReadOnly(true);
    await expect(open(disk.dir)).rejects.toMatchObject({ message: expect.stringMatching(/is not writable.*SOBRE_DATA_DIR/) });
  } finally {
    disk.unmount();
  }
});

test('the uploads folder is a file', async () => {
  const config = testConfig(root);
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(path.join(config.dataDir, 'uploads'), 'not a folder');
  await expect(createService(config, { embedder, generator: null })).rejects.toMatchObject({
    message: expect.stringMatching(/uploads is a file, not a folder/),
  });
});
