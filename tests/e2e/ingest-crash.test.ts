/**
 * `kill -9` of `npm run ingest` midway, then the same ingest again: every document present
 * once, no duplicate chunks, store and index agree. Real parts: the compiled script, USE-lite,
 * SQLite and hnswlib.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config';
import { UseLiteEmbedder } from '../../src/embed/use-lite';
import { openKnowledge } from '../../src/knowledge';
import { ROOT } from '../helpers/spawn-service';
import { makeTempDir, removeDir } from '../helpers/temp';

const INGEST = path.join(ROOT, 'dist/scripts/ingest.js');
const TOPICS = ['solar power', 'river water', 'data centres', 'train travel', 'paper recycling', 'heat pumps', 'wind farms', 'batteries'];

function writeDocs(dir: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const topic = TOPICS[i % TOPICS.length];
    const body = Array.from({ length: 6 }, (_, j) => `Document ${i} says fact ${j} about ${topic}: value ${i * 31 + j * 7} units.`).join(' ');
    fs.writeFileSync(path.join(dir, `doc-${String(i).padStart(3, '0')}.md`), `# Note ${i} on ${topic}\n\n${body}\n`);
  }
}

function countDocuments(dataDir: string): number {
  const file = path.join(dataDir, 'sobre.db');
  if (!fs.existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT COUNT(*) FROM documents').pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0; // the schema is not there yet
  }
}

describe('an ingest killed with SIGKILL', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir();
  });
  afterAll(() => removeDir(dir));

  it('resumes to a consistent store and index, each document once', async () => {
    const docs = path.join(dir, 'docs');
    const data = path.join(dir, 'data');
    fs.mkdirSync(docs);
    writeDocs(docs, 60);
    const env = { ...process.env, SOBRE_DATA_DIR: data };

    const child = spawn(process.execPath, [INGEST, docs], { env, stdio: 'ignore' });
    const deadline = Date.now() + 120_000;
    while (countDocuments(data) < 10 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const committed = countDocuments(data);
    expect(committed).toBeGreaterThanOrEqual(10);
    expect(committed).toBeLessThan(60);

    const rerun = spawnSync(process.execPath, [INGEST, docs], { env, encoding: 'utf8' });
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toMatch(new RegExp(`added ${60 - committed}, updated 0, unchanged ${committed}, failed 0`));

    const db = new Database(path.join(data, 'sobre.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) FROM documents').pluck().get()).toBe(60);
      expect(db.prepare('SELECT COUNT(*) FROM (SELECT source FROM documents GROUP BY source HAVING COUNT(*) > 1)').pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM (SELECT hash FROM chunks GROUP BY hash HAVING COUNT(*) > 1)').pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM document_chunks dc WHERE dc.document_id = d.id)').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    const knowledge = await openKnowledge(loadConfig({ SOBRE_DATA_DIR: data }), await UseLiteEmbedder.create());
    try {
      expect(await knowledge.check()).toMatchObject({ consistent: true });
      expect(knowledge.opened).toMatchObject({ added: 0, removed: 0 });
    } finally {
      await knowledge.close();
    }

    // A third run embeds nothing.
    const again = spawnSync(process.execPath, [INGEST, docs], { env, encoding: 'utf8' });
    expect(again.stdout).toMatch(/added 0, updated 0, unchanged 60, failed 0.*0 chunks embedded/s);
  });
});
