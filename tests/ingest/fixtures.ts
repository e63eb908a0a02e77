import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp folder per test file; `write` creates files (and parent folders) inside it. */
export function tempDir(): { dir: string; write: (name: string, content: string | Buffer) => string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-ingest-'));
  return {
    dir,
    write(name, content) {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      return file;
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deterministic PRNG (mulberry32) for property-style loops: the one calibration uses. */
export { seededRandom as prng } from '../../src/answer/calibration';
