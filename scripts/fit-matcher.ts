/**
 * `npm run fit:matcher -- --pairs DIR [--out FILE] [--candidates 5] [--min-df 3] [--limit N]`
 *
 * Fits the question matcher on question pairs (`DIR/pairs.jsonl`): splits them by connected
 * group of questions (70% fit, 30% validation, by hash), counts the question vocabulary of the
 * fit part, fits the boosted trees on the fit part's labelled pairs plus the candidates its cache
 * simulation returns, then measures the wrong-hit/recall curve on the validation part's cache
 * simulation and writes a versioned matcher file. Exit 0 ok, 2 bad arguments, 1 failure.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, parseSettingFlags } from '../src/config';
import { createEmbedder } from '../src/embed';
import { errorMessage } from '../src/errors';
import { buildKnown, lookups, matchCurve, thinCurve, type JudgedLookup, type Lookup } from '../src/evaluation/cache-simulation';
import { isRightHit, loadPairSet, pairKey, pairTexts, type PairSet } from '../src/evaluation/pairs';
import { cachedVectors, vectorCacheFile } from '../src/evaluation/vector-cache';
import { fitBoostedTrees } from '../src/match/boosted-trees';
import { analyseQuestion, type QuestionAnalysis } from '../src/match/analysis';
import { MATCH_FEATURES, featureVector, pairFeatures } from '../src/match/features';
import { QuestionMatcher } from '../src/match/matcher';
import { MATCHER_VERSION, matchOperatingPoint, type MatcherFile } from '../src/match/model';
import { QuestionTermStats, countDocumentFrequencies } from '../src/match/term-stats';

const USAGE = 'usage: npm run fit:matcher -- --pairs DIR [--out FILE] [--candidates 5] [--min-df 3] [--limit N]';

function log(m: string): void {
  process.stderr.write(`${m}\n`);
}

function parts(set: PairSet): { fit: number[]; validation: number[] } {
  const all = set.pairs.map((_, i) => i);
  return { fit: all.filter((i) => !set.validation[i]), validation: all.filter((i) => set.validation[i]) };
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  const opts = { pairs: '', out: '', candidates: 5, minDf: 3, limit: Infinity };
  for (let i = 0; i < rest.length; i++) {
    const v = rest[i + 1];
    if (rest[i] === '--pairs' && v) opts.pairs = rest[++i];
    else if (rest[i] === '--out' && v) opts.out = rest[++i];
    else if (rest[i] === '--candidates' && v) opts.candidates = Number(rest[++i]);
    else if (rest[i] === '--min-df' && v) opts.minDf = Number(rest[++i]);
    else if (rest[i] === '--limit' && v) opts.limit = Number(rest[++i]);
    else {
      log(`unexpected argument ${rest[i]}\n${USAGE}`);
      return 2;
    }
  }
  if (!opts.pairs || !(opts.limit > 0) || !Number.isInteger(opts.candidates) || opts.candidates < 1 || !(opts.minDf >= 1)) {
    log(USAGE);
    return 2;
  }
  const config = loadConfig(process.env, flags);
  const out = path.resolve(opts.out || path.join(config.dataDir, 'matcher.json'));
  const set = loadPairSet(opts.pairs, opts.limit);
  const { fit, validation } = parts(set);
  if (fit.length === 0 || validation.length === 0) {
    log(`fit:matcher needs pairs in both parts (70% of question groups fit, 30% validate); these ${fit.length === 0 ? 'are all in validation' : 'are all in the fit part'}: raise or drop --limit.`);
    return 1;
  }
  const embedder = await createEmbedder(config);
  const vectors = await cachedVectors(embedder, vectorCacheFile(config.dataDir, embedder.id), pairTexts(set.pairs), log);

  const analyses = new Map<string, QuestionAnalysis>();
  const analysis = (t: string) => analyses.get(t) ?? analyses.set(t, analyseQuestion(t)).get(t)!;
  const fitTexts = pairTexts(fit.map((i) => set.pairs[i]));
  const termStats = countDocumentFrequencies(fitTexts.map((t) => analysis(t).content), opts.minDf);
  const stats = new QuestionTermStats(termStats);
  const cosine = (a: string, b: string) => vectors.get(a)!.reduce((s, x, j) => s + x * vectors.get(b)![j], 0);
  const features = (known: string, asked: string) => featureVector(pairFeatures(analysis(known), analysis(asked), cosine(known, asked), stats));

  // Examples: the labelled pairs, and what the matcher will really judge — each asked question
  // against its nearest known questions, right when they share a duplicate class.
  const seen = new Set<string>();
  const xs: number[][] = [];
  const ys: number[] = [];
  const example = (known: string, asked: string, right: boolean) => {
    const key = `${known}\u0000${asked}`;
    if (seen.has(key)) return;
    seen.add(key);
    xs.push(features(known, asked));
    ys.push(right ? 1 : 0);
  };
  for (const i of fit) example(pairKey(set.pairs[i].question1), pairKey(set.pairs[i].question2), set.pairs[i].duplicate);
  for (const l of lookups(set, fit, buildKnown(set, fit, vectors), vectors, opts.candidates)) {
    for (const c of l.candidates) example(c.text, l.asked, isRightHit(set, l.asked, c.text));
  }
  log(`fitting on ${xs.length} examples (${ys.filter((y) => y === 1).length} same question) from ${fit.length} pairs; ${Object.keys(termStats.df).length} stems in the term table`);
  const model = fitBoostedTrees(MATCH_FEATURES, xs, ys);

  const file: MatcherFile = {
    version: MATCHER_VERSION,
    createdAt: new Date().toISOString(),
    embedderId: embedder.id,
    source: {
      file: path.basename(set.file),
      sha256: createHash('sha256').update(fs.readFileSync(set.file)).digest('hex'),
      pairs: set.pairs.length,
      validationShare: 0.3,
    },
    candidates: opts.candidates,
    model,
    termStats,
    curve: [],
    validation: { lookups: 0, withDuplicate: 0 },
  };
  // The curve: the validation part's cache simulation, judged by the fitted model.
  const matcher = new QuestionMatcher(file);
  const valLookups: Lookup[] = lookups(set, validation, buildKnown(set, validation, vectors), vectors, opts.candidates);
  const judged: JudgedLookup[] = valLookups.map((l) => {
    const best = matcher.mostProbable(l.asked, l.vector, l.candidates);
    return { score: best?.probability ?? -1, right: best !== null && isRightHit(set, l.asked, best.candidate.text) };
  });
  const withDuplicate = valLookups.filter((l) => l.answerable).length;
  file.curve = thinCurve(matchCurve(judged, withDuplicate), 300);
  file.validation = { lookups: valLookups.length, withDuplicate };

  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(file)}\n`);
  console.log(`validation: ${valLookups.length} lookups, ${withDuplicate} with a duplicate among the known questions`);
  console.log('target wrong-hit rate -> threshold, wrong-hit rate (95% upper bound), duplicate recall');
  for (const target of [0.01, 0.02, 0.05, 0.1]) {
    const op = matchOperatingPoint(file.curve, target);
    console.log(`  ${target.toFixed(2)} -> ${op.threshold.toFixed(3)}, ${op.wrongHitRate.toFixed(3)} (${op.wrongHitRateUpper.toFixed(3)}), ${op.duplicateRecall.toFixed(3)}`);
  }
  console.log(`wrote ${out}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`fit:matcher failed: ${errorMessage(e)}`);
    process.exit(1);
  },
);
