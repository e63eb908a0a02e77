#!/usr/bin/env node
/**
 * Runs `tsc -p tsconfig.json` only when a file or folder under src/ or scripts/ (or tsconfig.json)
 * is newer than the last successful build, so `npm start`, `npm test` and the scripts skip the
 * ~5 s of a no-op incremental tsc. A folder's mtime changes when a file in it is added, removed
 * or renamed, so deletions count too. `npm run build` always compiles.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const SOURCES = ['src', 'scripts', 'tsconfig.json'];

function newestMtime(p) {
  const st = fs.statSync(p);
  let newest = st.mtimeMs;
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  }
  return newest;
}

function stampFile(root) {
  return path.join(root, 'dist', '.build-stamp');
}

/** True when no successful build is recorded or a source changed since it started. */
function isStale(root) {
  let built;
  try {
    built = fs.statSync(stampFile(root)).mtimeMs;
  } catch {
    return true;
  }
  return Math.max(...SOURCES.map((p) => newestMtime(path.join(root, p)))) >= built;
}

function main() {
  const root = path.resolve(__dirname, '..');
  if (!isStale(root)) return 0;
  const started = Date.now();
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) return r.status ?? 1;
  // Dated when tsc started: a source saved while it ran still counts as newer next time.
  fs.writeFileSync(stampFile(root), '');
  fs.utimesSync(stampFile(root), started / 1000, started / 1000);
  return 0;
}

module.exports = { isStale };
if (require.main === module) process.exitCode = main();
