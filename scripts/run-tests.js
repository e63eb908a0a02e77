#!/usr/bin/env node
/**
 * `npm test`: jest in three processes. onnxruntime-node serves only the first test file that
 * loads it in a process (a later file's tensors fail its Float32Array check under jest's
 * sandbox), so the two suites that run real ONNX models each get a process of their own.
 * Prints one closing line, "N passed, N failed", summed over the three runs.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ONNX_SUITES = ['tests/embed/transformers.test.ts', 'tests/generate/local-onnx.test.ts'];
const jest = require.resolve('jest/bin/jest');
const extra = process.argv.slice(2);
const runs = [
  ['--testPathIgnorePatterns', ...ONNX_SUITES.map((s) => s.replace(/\./g, '\\.'))],
  ...ONNX_SUITES.map((s) => [s]),
];
let passed = 0;
let failed = 0;
let code = 0;
for (const args of runs) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-jest-')), 'result.json');
  const r = spawnSync(process.execPath, [jest, '--runInBand', '--json', '--outputFile', out, ...extra, ...args], { stdio: 'inherit' });
  if (r.status !== 0) code = r.status ?? 1;
  try {
    const result = JSON.parse(fs.readFileSync(out, 'utf8'));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    if (result.numRuntimeErrorTestSuites > 0) failed += result.numRuntimeErrorTestSuites;
  } catch {
    failed += 1; // the run died before writing its result
    code = code || 1;
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(code);
