import fs from 'node:fs';
import path from 'node:path';
import { fitBoostedTrees, predictTrees } from '../../src/match/boosted-trees';
import { MATCH_FEATURES } from '../../src/match/features';
import { QuestionMatcher } from '../../src/match/matcher';
import { DEFAULT_MATCHER_FILE, MATCHER_VERSION, loadMatcherFile, matchOperatingPoint, type MatchCurvePoint } from '../../src/match/model';
import { makeTempDir, removeDir } from '../helpers/temp';

const dir = makeTempDir();
afterAll(() => removeDir(dir));

function writeVariant(change: (file: Record<string, unknown>) => void): string {
  const file = JSON.parse(fs.readFileSync(DEFAULT_MATCHER_FILE, 'utf8')) as Record<string, unknown>;
  change(file);
  const out = path.join(dir, `matcher-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(out, JSON.stringify(file));
  return out;
}

describe('the matcher file', () => {
  it('ships fitted, on the features this code computes, with a validation curve', () => {
    const file = loadMatcherFile();
    expect(file.version).toBe(MATCHER_VERSION);
    expect(file.model.featureNames).toEqual([...MATCH_FEATURES]);
    expect(file.model.trees.length).toBeGreaterThan(0);
    expect(file.curve.length).toBeGreaterThan(10);
    expect(Object.keys(file.termStats.df).length).toBeGreaterThan(100);
  });

  it('refuses another version, other features, a missing file and another embedder, saying what to do', () => {
    expect(() => loadMatcherFile(writeVariant((f) => (f.version = MATCHER_VERSION + 1)))).toThrow(/version .*npm run fit:matcher/);
    expect(() => loadMatcherFile(writeVariant((f) => ((f.model as { featureNames: string[] }).featureNames = ['cosine'])))).toThrow(/other features/);
    expect(() => loadMatcherFile(path.join(dir, 'none.json'))).toThrow(/Cannot read the matcher file/);
    expect(() => QuestionMatcher.load(undefined, { embedderId: 'transformers:other' })).toThrow(/fitted on use-lite/);
    expect(() => QuestionMatcher.load(undefined, { targetWrongHitRate: 1.5 })).toThrow(/target wrong-hit rate/);
  });
});

describe('the operating point', () => {
  const curve: MatchCurvePoint[] = [
    { threshold: 0.9, hits: 100, wrongHitRate: 0.01, wrongHitRateUpper: 0.015, duplicateRecall: 0.2 },
    { threshold: 0.8, hits: 200, wrongHitRate: 0.02, wrongHitRateUpper: 0.03, duplicateRecall: 0.35 },
    { threshold: 0.7, hits: 300, wrongHitRate: 0.05, wrongHitRateUpper: 0.06, duplicateRecall: 0.45 },
  ];

  it('is the lowest threshold whose upper bound stays within the target', () => {
    expect(matchOperatingPoint(curve, 0.02).threshold).toBe(0.9);
    expect(matchOperatingPoint(curve, 0.03).threshold).toBe(0.8);
    expect(matchOperatingPoint(curve, 0.1)).toMatchObject({ threshold: 0.7, duplicateRecall: 0.45 });
  });

  it('makes nothing a hit when no point keeps the promise', () => {
    expect(matchOperatingPoint(curve, 0.001)).toMatchObject({ threshold: Number.POSITIVE_INFINITY, duplicateRecall: 0 });
  });

  it('reads the shipped curve: a looser target never raises the threshold', () => {
    const matcher = QuestionMatcher.load();
    const thresholds = [0.01, 0.02, 0.05, 0.1].map((t) => matcher.thresholdFor(t).threshold);
    expect([...thresholds].sort((a, b) => b - a)).toEqual(thresholds);
    expect(matcher.threshold).toBe(matcher.thresholdFor(0.02).threshold);
  });
});

describe('boosted trees', () => {
  it('learn an interaction a linear model cannot (a hit only when both signals agree)', () => {
    const xs: number[][] = [];
    const ys: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const x = [(i % 40) / 40, Math.floor(i / 40) / 50];
      xs.push(x);
      ys.push(x[0] > 0.5 && x[1] > 0.5 ? 1 : 0);
    }
    const model = fitBoostedTrees(['a', 'b'], xs, ys, { rounds: 50, minLeaf: 20 });
    expect(predictTrees(model, [0.9, 0.9])).toBeGreaterThan(0.9);
    expect(predictTrees(model, [0.9, 0.1])).toBeLessThan(0.1);
    expect(predictTrees(model, [0.1, 0.9])).toBeLessThan(0.1);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model); // a tree is plain JSON
  });
});
