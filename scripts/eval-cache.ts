/**
 * `npm run eval:cache -- --pairs DIR [--json] [--limit N] [--matcher FILE] [--target-wrong-hit-rate 0.02] [--show-wrong N]`
 *
 * The semantic-cache simulation: every `question1` of `DIR/pairs.jsonl` is a known question,
 * every `question2` is looked up against them. Prints, side by side, the question matcher and a
 * cosine threshold on the same vectors (GPTCache's method) at 0.95 / 0.9 / 0.8: hits, wrong hits,
 * wrong-hit rate, duplicate recall, lookup latency; then the matcher's curve. When the pairs are
 * the ones the matcher was fitted from, the fit and validation parts are simulated separately and
 * the headline is the validation part; otherwise every pair is unseen and the headline is all of
 * them. A hit is right when the known question is in the asked one's duplicate class (see
 * docs/matching.md). Exit 0 ok, 2 bad arguments, 1 failure.
 */
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { loadConfig, parseSettingFlags } from '../src/config';
import { createEmbedder } from '../src/embed';
import { errorMessage } from '../src/errors';
import { buildKnown, lookups, matchCurve, type KnownSet } from '../src/evaluation/cache-simulation';
import { percentile } from '../src/evaluation/metrics';
import { hitVerdict, identicalPairs, loadPairSet, nodeKey, pairTexts, type HitVerdict, type PairSet } from '../src/evaluation/pairs';
import { cachedVectors, vectorCacheFile } from '../src/evaluation/vector-cache';
import { DEFAULT_MATCHER_FILE } from '../src/match/model';
import { QuestionMatcher } from '../src/match/matcher';

const USAGE = 'usage: npm run eval:cache -- --pairs DIR [--json] [--limit N] [--matcher FILE] [--target-wrong-hit-rate 0.02] [--show-wrong N]';
const COSINE_THRESHOLDS = [0.95, 0.9, 0.8];

function log(m: string): void {
  process.stderr.write(`${m}\n`);
}

interface Outcome {
  hits: number;
  wrong_hits: number;
  /** Wrong hits on a question a pair labels "not duplicate" (the rest no label decides). */
  wrong_labelled: number;
  wrong_hit_rate: number | null;
  duplicate_recall: number;
  latency_ms: { p50: number; p95: number };
}

interface Judged {
  hit: boolean;
  verdict: HitVerdict;
  ms: number;
}

function outcome(results: readonly Judged[], withDuplicate: number): Outcome {
  const hits = results.filter((r) => r.hit);
  const wrong = hits.filter((r) => r.verdict !== 'right').length;
  const ms = results.map((r) => r.ms);
  return {
    hits: hits.length,
    wrong_hits: wrong,
    wrong_labelled: hits.filter((r) => r.verdict === 'labelled_different').length,
    wrong_hit_rate: hits.length ? wrong / hits.length : null,
    duplicate_recall: (hits.length - wrong) / Math.max(1, withDuplicate),
    latency_ms: { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) },
  };
}

/** Looks every `question2` of `pairs` up among their `question1`s, with the matcher and with cosine thresholds. */
function simulate(set: PairSet, pairs: readonly number[], vectors: ReadonlyMap<string, Float32Array>, matcher: QuestionMatcher) {
  const known: KnownSet = buildKnown(set, pairs, vectors);
  const knownQuestions = new Set(known.texts.map(nodeKey));
  const looked = lookups(set, pairs, known, vectors, matcher.candidates);
  const asked = looked.map((l) => l.asked);
  const matched = looked.map((l) => {
    const started = performance.now();
    const best = matcher.mostProbable(l.asked, l.vector, l.candidates);
    const ms = l.searchMs + performance.now() - started;
    return { text: l.asked, known: best?.candidate.text ?? '', score: best?.probability ?? -1, verdict: best ? hitVerdict(set, l.asked, best.candidate.text) : 'unlabelled', ms };
  });
  // The baseline serves the nearest known question (the first of the same search).
  const nearest = looked.map((l) => {
    const top = l.candidates[0];
    return { cosine: top?.cosine ?? -1, verdict: top ? hitVerdict(set, l.asked, top.text) : 'unlabelled', ms: l.searchMs };
  });
  // Every lookup, then only those whose text (case and punctuation aside) is not itself known.
  const views = { all: asked.map(() => true), new: asked.map((t) => !knownQuestions.has(nodeKey(t))) };
  const threshold = matcher.threshold;
  const view = (keep: boolean[]) => {
    const withDuplicate = looked.filter((l, i) => keep[i] && l.answerable).length;
    const only = <T>(xs: T[]) => xs.filter((_, i) => keep[i]);
    return {
      lookups: keep.filter(Boolean).length,
      with_duplicate: withDuplicate,
      matcher: outcome(only(matched).map((m) => ({ hit: m.score >= threshold, verdict: m.verdict, ms: m.ms })), withDuplicate),
      baseline: Object.fromEntries(COSINE_THRESHOLDS.map((t) => [t.toFixed(2), outcome(only(nearest).map((n) => ({ hit: n.cosine >= t, verdict: n.verdict, ms: n.ms })), withDuplicate)])),
      curve: matchCurve(only(matched).map((m) => ({ score: m.score, right: m.verdict === 'right' })), withDuplicate),
    };
  };
  const wrong = matched.filter((m) => m.score >= threshold && m.verdict !== 'right').sort((a, b) => b.score - a.score);
  return { n_pairs: pairs.length, known_questions: known.texts.length, threshold, all: view(views.all), new: view(views.new), wrong };
}

type Simulation = ReturnType<typeof simulate>;

type View = Simulation['all'];

function printView(title: string, threshold: number, v: View): void {
  const pct = (x: number | null) => (x === null ? '     -' : `${(100 * x).toFixed(1).padStart(5)}%`);
  const row = (label: string, o: Outcome) =>
    console.log(`    ${label.padEnd(24)} ${String(o.hits).padStart(6)} ${String(o.wrong_hits).padStart(6)} ${String(o.wrong_labelled).padStart(8)} ${pct(o.wrong_hit_rate)} ${pct(o.duplicate_recall)} ${o.latency_ms.p50.toFixed(2).padStart(6)} ${o.latency_ms.p95.toFixed(2).padStart(6)}`);
  console.log(`  ${title}: ${v.lookups} lookups, ${v.with_duplicate} with a duplicate among the known questions`);
  console.log(`    ${'method'.padEnd(24)} ${'hits'.padStart(6)} ${'wrong'.padStart(6)} ${'labelled'.padStart(8)} ${'wrong%'.padStart(6)} ${'recall'.padStart(6)} ${'p50 ms'.padStart(6)} ${'p95 ms'.padStart(6)}`);
  row(`matcher (p >= ${threshold.toFixed(3)})`, v.matcher);
  for (const [t, o] of Object.entries(v.baseline)) row(`cosine >= ${t}`, o);
}

function printPart(name: string, s: Simulation): void {
  console.log(`${name}: ${s.n_pairs} pairs, ${s.known_questions} known questions`);
  printView('every question2', s.threshold, s.all);
  printView('question2s whose own text is not known (no exact repeats)', s.threshold, s.new);
}

const CURVE_ROWS = [0.99, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0];

function printCurve(title: string, v: View): void {
  console.log(`  matcher curve (${title}): threshold, hits, wrong-hit rate (95% upper bound), duplicate recall`);
  for (const t of CURVE_ROWS) {
    const p = v.curve.filter((c) => c.threshold >= t).pop(); // the curve runs from the highest threshold down
    if (p) console.log(`    ${t.toFixed(2)}  ${String(p.hits).padStart(6)}  ${p.wrongHitRate.toFixed(3)} (${p.wrongHitRateUpper.toFixed(3)})  ${p.duplicateRecall.toFixed(3)}`);
  }
}

/** Wrong hits, most probable first, for a reader to judge whether the label or the matcher erred. */
function printWrong(wrong: Simulation['wrong']): void {
  console.log('  wrong hits at the threshold (probability, label, asked -> known):');
  for (const w of wrong) console.log(`    ${w.score.toFixed(3)} ${w.verdict === 'labelled_different' ? 'labelled' : 'no label'}  ${JSON.stringify(w.text)} -> ${JSON.stringify(w.known)}`);
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  const opts = { pairs: '', json: false, limit: Infinity, matcher: DEFAULT_MATCHER_FILE, target: 0.02, showWrong: 0 };
  for (let i = 0; i < rest.length; i++) {
    const v = rest[i + 1];
    if (rest[i] === '--pairs' && v) opts.pairs = rest[++i];
    else if (rest[i] === '--json') opts.json = true;
    else if (rest[i] === '--limit' && v) opts.limit = Number(rest[++i]);
    else if (rest[i] === '--matcher' && v) opts.matcher = rest[++i];
    else if (rest[i] === '--target-wrong-hit-rate' && v) opts.target = Number(rest[++i]);
    else if (rest[i] === '--show-wrong' && v) opts.showWrong = Number(rest[++i]);
    else {
      log(`unexpected argument ${rest[i]}\n${USAGE}`);
      return 2;
    }
  }
  if (!opts.pairs || !(opts.limit > 0) || !(opts.target >= 0 && opts.target < 1)) {
    log(USAGE);
    return 2;
  }
  const config = loadConfig(process.env, flags);
  const embedder = await createEmbedder(config);
  const matcher = QuestionMatcher.load(opts.matcher, { targetWrongHitRate: opts.target, embedderId: embedder.id });
  const set = loadPairSet(opts.pairs, opts.limit);
  const seen = createHash('sha256').update(fs.readFileSync(set.file)).digest('hex') === matcher.file.source.sha256;
  const vectors = await cachedVectors(embedder, vectorCacheFile(config.dataDir, embedder.id), pairTexts(set.pairs), log);
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    // not a git checkout: the commit stays unknown
  }
  const all = set.pairs.map((_, i) => i);
  const parts: Record<string, number[]> = seen
    ? { validation: all.filter((i) => set.validation[i]), fit: all.filter((i) => !set.validation[i]) }
    : { all };
  console.log(`eval:cache ${set.file}, ${set.pairs.length} pairs, commit ${commit}; matcher ${opts.matcher} (target wrong-hit rate ${opts.target}), ${seen ? 'fitted on the fit part of these pairs: headline = validation part' : 'never saw these pairs: headline = all'}`);
  const results: Record<string, Simulation> = {};
  for (const [name, pairs] of Object.entries(parts)) {
    if (pairs.length === 0) continue;
    results[name] = simulate(set, pairs, vectors, matcher);
    printPart(name === 'fit' ? 'fit part (in-sample)' : name === 'validation' ? 'validation part (never fitted on)' : 'all pairs (never fitted on)', results[name]);
  }
  const head = results[seen ? 'validation' : 'all'];
  if (!head) {
    log('no pairs in the validation part: raise or drop --limit');
    return 1;
  }
  const noise = identicalPairs(set);
  console.log(`label noise: ${noise.labelledDifferent} of the ${noise.identical} pairs of identical questions (case and punctuation aside) are labelled not duplicate`);
  printCurve('every question2', head.all);
  printCurve('no exact repeats', head.new);
  if (opts.showWrong > 0) printWrong(head.wrong.slice(0, opts.showWrong));
  if (opts.json) {
    const { matcher: m, baseline, curve } = head.all;
    const summary = (v: View) => ({ lookups: v.lookups, with_duplicate: v.with_duplicate, matcher: v.matcher, baseline: v.baseline });
    console.log(JSON.stringify({
      commit, part: seen ? 'validation' : 'all', n_pairs: head.n_pairs, known_questions: head.known_questions, with_duplicate: head.all.with_duplicate,
      target_wrong_hit_rate: opts.target, threshold: head.threshold,
      wrong_hit_rate: m.wrong_hit_rate, duplicate_recall: m.duplicate_recall, hits: m.hits, wrong_hits: m.wrong_hits, latency_ms: m.latency_ms,
      baseline_threshold: 0.9, baseline_wrong_hit_rate: baseline['0.90'].wrong_hit_rate, baseline_duplicate_recall: baseline['0.90'].duplicate_recall,
      baseline,
      new_questions: summary(head.new),
      identical_pairs: noise.identical, identical_pairs_labelled_different: noise.labelledDifferent,
      parts: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { n_pairs: r.n_pairs, all: summary(r.all), new: summary(r.new) }])),
      curve: curve.filter((_, i) => i % Math.max(1, Math.floor(curve.length / 50)) === 0),
    }));
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`eval:cache failed: ${errorMessage(e)}`);
    process.exit(1);
  },
);
