/**
 * Research (#9): `node dist/scripts/research/router-model.js [FEATURES.json] [--splits N]`
 *
 * Reads the features collected by collect-router-features.ts and compares confidence models on
 * questions they never saw. Every model is fitted on the dev split (70% of articles, the split
 * `npm run calibrate` fits on); its threshold is the lowest probability whose one-sided 95%
 * bootstrap lower bound on precision reaches the target (precision over all direct answers, an
 * answer to an unanswerable question counting as wrong; and, as the shipped file does, over
 * answerable questions only), read from out-of-fold predictions on the dev split (5 folds by
 * article); the model refitted on the whole dev split is then applied with that threshold to the
 * held-out split (the other 30% of articles) and to hotpotqa, a domain none was fitted on. The
 * held-out questions choose nothing. Exit 0 ok, 2 bad arguments, 1 failure.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { loadCalibration, operatingPoint, precisionCurve } from '../../src/answer/calibration';
import { fitLogistic, predict } from '../../src/answer/logistic';
import { errorMessage } from '../../src/errors';
import { bootstrapInterval, routeMetrics, type QuestionOutcome } from '../../src/evaluation/metrics';
import { fitBoostedTrees, predictTrees, type BoostOptions } from '../../src/match/boosted-trees';
import type { CollectedFile, CollectedQuestion } from './collect-router-features';

const FOLDS = 5;
const TARGETS = [0.8, 0.9];
const FIT_DATASETS = ['squad2', 'nq-open'];
const UNSEEN = 'hotpotqa';
/** Tree settings compared by out-of-fold log loss on the dev split only. */
const TREE_GRID: BoostOptions[] = [
  { rounds: 150, depth: 2, learningRate: 0.05, minLeaf: 30 },
  { rounds: 300, depth: 2, learningRate: 0.05, minLeaf: 30 },
  { rounds: 150, depth: 3, learningRate: 0.05, minLeaf: 30 },
  { rounds: 300, depth: 3, learningRate: 0.05, minLeaf: 50 },
];

type Learner = 'logistic' | 'trees';
interface Spec {
  name: string;
  learner: Learner;
  /** all: every reader feature; selected: those that alone separate right from wrong on the dev split (SELECT_AUC). */
  reader: 'none' | 'all' | 'selected';
}
const SPECS: Spec[] = [
  { name: 'logistic, router features', learner: 'logistic', reader: 'none' },
  { name: 'trees, router features', learner: 'trees', reader: 'none' },
  { name: 'logistic, router + reader features', learner: 'logistic', reader: 'all' },
  { name: 'trees, router + reader features', learner: 'trees', reader: 'all' },
  { name: 'logistic, router + selected reader features', learner: 'logistic', reader: 'selected' },
];
/** A reader feature is selected when its dev-split AUC alone is this far from 0.5 on a fitted dataset. */
const SELECT_AUC = 0.1;

interface Fitted {
  predict: (x: readonly number[]) => number;
  describe: string;
}

function fold(group: string): number {
  return createHash('sha256').update(`fold:${group}`).digest().readUInt32BE(0) % FOLDS;
}

function fit(learner: Learner, names: string[], xs: number[][], ys: number[], trees: BoostOptions): Fitted {
  if (learner === 'logistic') {
    const m = fitLogistic(names, xs, ys);
    return { predict: (x) => predict(m, x), describe: 'L2 logistic' };
  }
  const m = fitBoostedTrees(names, xs, ys, trees);
  return { predict: (x) => predictTrees(m, x), describe: `trees ${JSON.stringify(trees)}` };
}

/** Questions the router's rules leave to the model (the others never go direct). */
const open = (q: CollectedQuestion) => q.ruled === null && q.hasCandidate;

/** Which reader features (indexes) a model reads, besides every router feature. */
type Columns = number[];

function vector(q: CollectedQuestion, columns: Columns): number[] {
  return [...q.router, ...columns.map((j) => q.reader[j])];
}

function logLoss(ps: number[], ys: number[]): number {
  return -ps.reduce((s, p, i) => s + (ys[i] ? Math.log(Math.max(1e-9, p)) : Math.log(Math.max(1e-9, 1 - p))), 0) / Math.max(1, ps.length);
}

function outOfFold(learner: Learner, names: string[], columns: Columns, dev: CollectedQuestion[], trees: BoostOptions): number[] {
  const ps = new Array<number>(dev.length).fill(0);
  for (let k = 0; k < FOLDS; k++) {
    const train = dev.filter((q) => fold(q.group) !== k);
    const m = fit(learner, names, train.map((q) => vector(q, columns)), train.map((q) => (q.correct ? 1 : 0)), trees);
    dev.forEach((q, i) => {
      if (fold(q.group) === k) ps[i] = m.predict(vector(q, columns));
    });
  }
  return ps;
}

type Rule = 'all direct' | 'answerable';
const RULES: Rule[] = ['all direct', 'answerable'];

/**
 * The project's rule: the lowest threshold whose bootstrap lower bound on precision reaches the
 * target; precision over all direct answers, or (the shipped calibration's rule) over direct
 * answers to answerable questions.
 */
function chooseThreshold(ps: number[], qs: CollectedQuestion[], target: number, rule: Rule): number {
  const curve = precisionCurve(qs.map((q, i) => ({ probability: ps[i], correct: q.correct, answerable: rule === 'all direct' || q.answerable })));
  return operatingPoint(curve, target).threshold;
}

/** Threshold-free diagnostics on held-out questions left to the model: AUC of right vs wrong, precision of the top 10% and 25%. */
function ranking(ps: number[], qs: CollectedQuestion[]): { auc: number; top10: number; top25: number } {
  const order = ps.map((p, i) => ({ p, y: qs[i].correct })).sort((a, b) => b.p - a.p);
  const pos = order.filter((o) => o.y).length;
  const neg = order.length - pos;
  let rankSum = 0;
  // Mann-Whitney U over ascending ranks, ties averaged.
  const asc = [...order].reverse();
  for (let i = 0; i < asc.length; ) {
    let j = i;
    while (j < asc.length && asc[j].p === asc[i].p) j++;
    const r = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (asc[k].y) rankSum += r;
    i = j;
  }
  const auc = pos && neg ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : NaN;
  const top = (share: number) => {
    const k = Math.max(1, Math.round(share * order.length));
    return order.slice(0, k).filter((o) => o.y).length / k;
  };
  return { auc, top10: top(0.1), top25: top(0.25) };
}

interface Row {
  model: string;
  rule: Rule;
  fittedOn: string;
  dataset: string;
  target: number;
  threshold: number;
  devCoverage: number;
  outcomes: QuestionOutcome[];
}

function outcomes(qs: CollectedQuestion[], direct: (q: CollectedQuestion) => boolean): QuestionOutcome[] {
  return qs.map((q) => ({ route: direct(q) ? 'direct' : 'generate', answerable: q.answerable, correct: q.correct, latencyMs: 0 }));
}

function f3(x: number | null): string {
  return x === null ? '—' : x.toFixed(3);
}

function ci(o: QuestionOutcome[], stat: (s: QuestionOutcome[]) => number | null): string {
  const c = bootstrapInterval(o, stat, { replicates: 500 });
  return c ? `[${c[0].toFixed(2)}, ${c[1].toFixed(2)}]` : '';
}

/** Split 0 is the project's (isValidationGroup); split s > 0 draws another 70/30 split of the articles. */
function isHeldOut(q: CollectedQuestion, split: number): boolean {
  if (q.dataset === UNSEEN) return true;
  if (split === 0) return q.validation;
  return createHash('sha256').update(`split${split}:${q.group}`).digest().readUInt32BE(0) % 100 >= 70;
}

interface Diagnostic {
  key: string;
  auc: number;
  top10: number;
  top25: number;
}

interface Evaluation {
  rows: Row[];
  notes: string[];
  diagnostics: Diagnostic[];
  selected: string[];
}

function evaluate(data: CollectedFile, split: number): Evaluation {
  const byDataset = (name: string) => data.questions.filter((q) => q.dataset === name);
  const heldOut = (name: string) => byDataset(name).filter((q) => isHeldOut(q, split));
  const devOf = (name: string) => byDataset(name).filter((q) => !isHeldOut(q, split));
  const rows: Row[] = [];
  const notes: string[] = [];
  const diagnostics: Diagnostic[] = [];
  if (split === 0) {
    // The shipped model and threshold as the service runs them (its rule bounds precision over answerable questions).
    // It was fitted on split 0's dev articles, so it is compared on split 0 only.
    const shipped = loadCalibration();
    for (const target of TARGETS) {
      const t = operatingPoint(shipped.curve, target).threshold;
      for (const ds of [...FIT_DATASETS, UNSEEN]) {
        rows.push({ model: 'shipped logistic (file threshold)', rule: 'answerable', fittedOn: 'squad2+nq-open', dataset: ds, target, threshold: t, devCoverage: NaN, outcomes: outcomes(heldOut(ds), (q) => open(q) && q.shipped >= t) });
      }
    }
    for (const ds of [...FIT_DATASETS, UNSEEN]) {
      const h = heldOut(ds).filter(open);
      const r = ranking(h.map((q) => q.shipped), h);
      diagnostics.push({ key: `shipped logistic | squad2+nq-open | ${ds}`, ...r });
    }
  }
  // Reader features that alone separate right from wrong on this split's dev questions.
  const selectedColumns = data.readerFeatures.map((_, j) => j).filter((j) => FIT_DATASETS.some((ds) => {
    const d = devOf(ds).filter(open);
    return Math.abs(ranking(d.map((q) => q.reader[j]), d).auc - 0.5) >= SELECT_AUC;
  }));
  const fittings: { fittedOn: string; dev: CollectedQuestion[]; evalOn: string[] }[] = [
    { fittedOn: 'squad2+nq-open', dev: FIT_DATASETS.flatMap(devOf), evalOn: [...FIT_DATASETS, UNSEEN] },
    ...FIT_DATASETS.map((ds) => ({ fittedOn: ds, dev: devOf(ds), evalOn: [ds] })),
  ];
  for (const { fittedOn, dev: devAll, evalOn } of fittings) {
    const dev = devAll.filter(open);
    const rules = RULES.filter((r) => r === 'all direct' || dev.some((q) => !q.answerable));
    for (const spec of SPECS) {
      const columns = spec.reader === 'none' ? [] : spec.reader === 'all' ? data.readerFeatures.map((_, j) => j) : selectedColumns;
      const names = [...data.routerFeatures, ...columns.map((j) => `reader_${data.readerFeatures[j]}`)];
      const ys = dev.map((q) => (q.correct ? 1 : 0));
      // Tree settings: the lowest out-of-fold log loss on the dev split.
      let trees = TREE_GRID[0];
      let oof: number[] = [];
      let bestLoss = Infinity;
      for (const opts of spec.learner === 'trees' ? TREE_GRID : [TREE_GRID[0]]) {
        const ps = outOfFold(spec.learner, names, columns, dev, opts);
        const loss = logLoss(ps, ys);
        if (loss < bestLoss) {
          bestLoss = loss;
          trees = opts;
          oof = ps;
        }
      }
      const model = fit(spec.learner, names, dev.map((q) => vector(q, columns)), ys, trees);
      notes.push(`${spec.name} on ${fittedOn}: ${dev.length} dev questions (${ys.filter((y) => y).length} correct), out-of-fold log loss ${bestLoss.toFixed(4)}, ${model.describe}`);
      const devAnswerable = devAll.filter((q) => q.answerable).length;
      for (const ds of evalOn) {
        const h = heldOut(ds).filter(open);
        const r = ranking(h.map((q) => model.predict(vector(q, columns))), h);
        diagnostics.push({ key: `${spec.name} | ${fittedOn} | ${ds}`, ...r });
      }
      for (const rule of rules) {
        for (const target of TARGETS) {
          const t = chooseThreshold(oof, dev, target, rule);
          const devCoverage = dev.filter((q, i) => q.answerable && oof[i] >= t).length / Math.max(1, devAnswerable);
          for (const ds of evalOn) {
            rows.push({ model: spec.name, rule, fittedOn, dataset: ds, target, threshold: t, devCoverage, outcomes: outcomes(heldOut(ds), (q) => open(q) && model.predict(vector(q, columns)) >= t) });
          }
        }
      }
    }
  }
  return { rows, notes, diagnostics, selected: selectedColumns.map((j) => data.readerFeatures[j]) };
}

const rowKey = (r: Row) => `${r.model} | ${r.rule} | ${r.fittedOn} | ${r.dataset === UNSEEN ? `${r.dataset} (all, unseen)` : `${r.dataset} held out`} | ${r.target}`;

function main(): number {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'indexes/research/router-features.json';
  const splitsAt = args.indexOf('--splits');
  const splits = splitsAt >= 0 ? Number(args[splitsAt + 1]) : 1;
  if (!(Number.isInteger(splits) && splits >= 1)) {
    process.stderr.write('usage: router-model [FEATURES.json] [--splits N]\n');
    return 2;
  }
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as CollectedFile;
  const first = evaluate(data, 0);

  console.log(`features ${file} (collected at commit ${data.commit}, ${data.questions.length} questions)`);
  for (const ds of [...FIT_DATASETS, UNSEEN]) {
    const h = data.questions.filter((q) => q.dataset === ds && isHeldOut(q, 0));
    console.log(`  ${ds}: held out ${h.length} (${h.filter((q) => q.answerable).length} answerable, ${h.filter((q) => open(q)).length} left to the model, ${h.filter((q) => q.correct).length} with a correct candidate)`);
  }
  for (const n of first.notes) console.log(`  ${n}`);
  console.log(`  selected reader features (|AUC - 0.5| >= ${SELECT_AUC} on a dev split): ${first.selected.join(', ')}`);
  console.log('');
  console.log('Each reader feature alone on the dev split (questions left to the model): AUC of right vs wrong');
  console.log('| feature | squad2 dev | nq-open dev |');
  console.log('|---|---|---|');
  data.readerFeatures.forEach((n, j) => {
    const auc = (ds: string) => {
      const d = data.questions.filter((q) => q.dataset === ds && !isHeldOut(q, 0) && open(q));
      return f3(ranking(d.map((q) => q.reader[j]), d).auc);
    };
    console.log(`| ${n} | ${auc('squad2')} | ${auc('nq-open')} |`);
  });
  console.log('');
  console.log('Ranking on held-out questions left to the model (no threshold):');
  console.log('| model | fitted on | evaluated on | AUC right vs wrong | precision of top 10% | precision of top 25% |');
  console.log('|---|---|---|---|---|---|');
  for (const d of first.diagnostics) console.log(`| ${d.key} | ${f3(d.auc)} | ${f3(d.top10)} | ${f3(d.top25)} |`);
  console.log('');
  console.log('The project\'s split:');
  console.log('| model | threshold rule (precision over) | fitted on | evaluated on | target | threshold | dev coverage (out-of-fold) | precision, all direct [95%] | precision, answerable | coverage [95%] | unanswerable direct | direct answers |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of first.rows) {
    const m = routeMetrics(r.outcomes);
    console.log(`| ${rowKey(r)} | ${Number.isFinite(r.threshold) ? r.threshold.toFixed(3) : 'none'} | ${Number.isNaN(r.devCoverage) ? '—' : f3(r.devCoverage)} | ${f3(m.precisionAll)} ${ci(r.outcomes, (s) => routeMetrics(s).precisionAll)} | ${f3(m.precision)} | ${f3(m.coverage)} ${ci(r.outcomes, (s) => routeMetrics(s).coverage)} | ${m.directRateUnanswerable === null ? '—' : f3(m.directRateUnanswerable)} | ${m.direct} |`);
  }
  if (splits > 1) {
    // Other draws of the 70/30 article split: outcomes pooled over splits, coverage per split.
    const all = [first, ...Array.from({ length: splits - 1 }, (_, s) => {
      process.stderr.write(`split ${s + 1}\n`);
      return evaluate(data, s + 1);
    })];
    const ranks = new Map<string, Diagnostic[]>();
    for (const e of all) for (const d of e.diagnostics) if (!d.key.startsWith('shipped')) ranks.set(d.key, [...(ranks.get(d.key) ?? []), d]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log('');
    console.log(`Ranking on held-out questions left to the model, mean over ${splits} splits (min–max):`);
    console.log('| model | fitted on | evaluated on | AUC right vs wrong | precision of top 10% | precision of top 25% |');
    console.log('|---|---|---|---|---|---|');
    for (const [key, ds] of ranks) {
      const cell = (xs: number[]) => `${f3(mean(xs))} (${f3(Math.min(...xs))}–${f3(Math.max(...xs))})`;
      console.log(`| ${key} | ${cell(ds.map((d) => d.auc))} | ${cell(ds.map((d) => d.top10))} | ${cell(ds.map((d) => d.top25))} |`);
    }
    const byKey = new Map<string, Row[]>();
    for (const e of all) for (const r of e.rows) if (!r.model.startsWith('shipped')) byKey.set(rowKey(r), [...(byKey.get(rowKey(r)) ?? []), r]);
    console.log('');
    console.log(`${splits} splits of the articles (split 0 is the project's), outcomes pooled:`);
    console.log('| model | threshold rule (precision over) | fitted on | evaluated on | target | splits with a threshold | precision, all direct (pooled) | precision, answerable (pooled) | coverage, mean (min–max) | unanswerable direct (pooled) |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const [key, rs] of byKey) {
      const m = routeMetrics(rs.flatMap((r) => r.outcomes));
      const cov = rs.map((r) => routeMetrics(r.outcomes).coverage);
      console.log(`| ${key} | ${rs.filter((r) => Number.isFinite(r.threshold)).length}/${rs.length} | ${f3(m.precisionAll)} | ${f3(m.precision)} | ${f3(mean(cov))} (${f3(Math.min(...cov))}–${f3(Math.max(...cov))}) | ${m.directRateUnanswerable === null ? '—' : f3(m.directRateUnanswerable)} |`);
    }
  }
  return 0;
}

try {
  process.exit(main());
} catch (e) {
  process.stderr.write(`router-model failed: ${errorMessage(e)}\n`);
  process.exit(1);
}
