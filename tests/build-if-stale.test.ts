/** scripts/build-if-stale.js: when the npm scripts recompile, on a throwaway project tree. */
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeDir } from './helpers/temp';

const { isStale } = require('../scripts/build-if-stale.js') as { isStale: (root: string) => boolean };

function at(file: string, seconds: number): void {
  fs.utimesSync(file, seconds, seconds);
}

describe('build-if-stale', () => {
  let root: string;
  beforeEach(() => {
    root = makeTempDir('sobre-stale-');
    for (const dir of ['src/ledger', 'scripts', 'dist']) fs.mkdirSync(path.join(root, dir), { recursive: true });
    for (const file of ['src/ledger/energy.ts', 'scripts/report.ts', 'tsconfig.json']) fs.writeFileSync(path.join(root, file), '');
    for (const p of ['src/ledger/energy.ts', 'src/ledger', 'src', 'scripts/report.ts', 'scripts', 'tsconfig.json']) at(path.join(root, p), 1000);
  });
  afterEach(() => removeDir(root));

  test('a fresh clone (no build yet) builds', () => {
    expect(isStale(root)).toBe(true);
  });

  test('nothing changed since the last build: no build', () => {
    fs.writeFileSync(path.join(root, 'dist/.build-stamp'), '');
    at(path.join(root, 'dist/.build-stamp'), 2000);
    expect(isStale(root)).toBe(false);
  });

  test.each(['src/ledger/energy.ts', 'scripts/report.ts', 'tsconfig.json'])('%s edited after the build: build', (file) => {
    fs.writeFileSync(path.join(root, 'dist/.build-stamp'), '');
    at(path.join(root, 'dist/.build-stamp'), 2000);
    at(path.join(root, file), 3000);
    expect(isStale(root)).toBe(true);
  });

  test('a source deleted after the build: build (its folder changed)', () => {
    fs.writeFileSync(path.join(root, 'dist/.build-stamp'), '');
    at(path.join(root, 'dist/.build-stamp'), 2000);
    fs.rmSync(path.join(root, 'src/ledger/energy.ts'));
    expect(isStale(root)).toBe(true);
  });
});
