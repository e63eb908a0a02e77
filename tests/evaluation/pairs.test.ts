import fs from 'node:fs';
import path from 'node:path';
import { matchCurve } from '../../src/evaluation/cache-simulation';
import { hitVerdict, identicalPairs, loadPairSet } from '../../src/evaluation/pairs';
import { cachedVectors } from '../../src/evaluation/vector-cache';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';

const dir = makeTempDir();
afterAll(() => removeDir(dir));

function writePairs(name: string, rows: object[]): string {
  const folder = path.join(dir, name);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'pairs.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  return folder;
}

describe('question pairs', () => {
  const folder = writePairs('qqp', [
    { id: 'a', question1: 'How do I learn Python?', question2: 'What is the best way to learn Python?', duplicate: true },
    { id: 'b', question1: 'what is the best way to learn python', question2: 'How do I learn Java?', duplicate: false },
    { id: 'c', question1: 'How do I learn Java?', question2: 'How can I learn Java quickly?', duplicate: true },
    { id: 'd', question1: 'Why is the sky blue?', question2: 'Why is the sky blue ?', duplicate: false },
    ...Array.from({ length: 40 }, (_, i) => ({ id: `x${i}`, question1: `Question ${i}?`, question2: `Other question ${i}?`, duplicate: false })),
  ]);
  const set = loadPairSet(folder);

  it('puts a connected group of questions in one part', () => {
    expect(new Set(set.validation.slice(0, 3)).size).toBe(1); // a, b, c share questions
    expect(set.validation.filter(Boolean).length).toBeGreaterThan(0);
    expect(set.validation.filter((v) => !v).length).toBeGreaterThan(0);
  });

  it('judges a hit right within a duplicate class (transitively, case and punctuation aside), wrong by label, or unlabelled', () => {
    expect(hitVerdict(set, 'What is the best way to learn Python?', 'How do I learn Python?')).toBe('right');
    expect(hitVerdict(set, 'WHAT is the best way to learn Python', 'How do I learn Python?')).toBe('right');
    expect(hitVerdict(set, 'How do I learn Java?', 'How do I learn Python?')).toBe('labelled_different'); // via "what is the best way…"
    expect(hitVerdict(set, 'How can I learn Java quickly?', 'What is the best way to learn Python?')).toBe('labelled_different');
    expect(hitVerdict(set, 'Question 1?', 'Why is the sky blue?')).toBe('unlabelled');
    expect(hitVerdict(set, 'Why is the sky blue ?', 'Why is the sky blue?')).toBe('right'); // one question, whatever its label says
  });

  it('counts identical pairs labelled different', () => {
    expect(identicalPairs(set)).toEqual({ identical: 1, labelledDifferent: 1 });
  });

  it('refuses a line without the fields, naming the line', () => {
    const bad = writePairs('bad', [{ question1: 'a?', question2: 'b?', duplicate: true }, { question1: 'a?' }]);
    expect(() => loadPairSet(bad)).toThrow(/pairs.jsonl:2: needs question1/);
  });
});

describe('the wrong-hit curve', () => {
  it('gives the wrong-hit rate of the hits above each score and the share of duplicates found', () => {
    const judged = [
      ...Array.from({ length: 30 }, () => ({ score: 0.9, right: true })),
      ...Array.from({ length: 10 }, () => ({ score: 0.5, right: false })),
      { score: -1, right: false }, // no candidate: never a hit
    ];
    const curve = matchCurve(judged, 60);
    expect(curve.map((p) => [p.threshold, p.hits])).toEqual([[0.9, 30], [0.5, 40]]);
    expect(curve[0]).toMatchObject({ wrongHitRate: 0, duplicateRecall: 0.5 });
    expect(curve[1].wrongHitRate).toBeCloseTo(0.25);
    expect(curve[1].wrongHitRateUpper).toBeGreaterThan(0.25);
  });
});

describe('the question vector cache', () => {
  it('embeds a text once across runs and ignores a record a crash cut short', async () => {
    const file = path.join(dir, 'vectors', 'hash.bin');
    const embedder = new HashEmbedder(16);
    const first = await cachedVectors(embedder, file, ['a b', 'c d', 'a b']);
    expect(embedder.embedded).toBe(2);
    fs.appendFileSync(file, Buffer.alloc(7)); // a torn append
    const again = await cachedVectors(embedder, file, ['c d', 'e f']);
    expect(embedder.embedded).toBe(3);
    expect(Array.from(again.get('c d')!)).toEqual(Array.from(first.get('c d')!));
    expect(fs.statSync(file).size).toBe(3 * (20 + 16 * 4));
  });
});
