/**
 * Research (#9): `node dist/scripts/research/router-model.js [FEATURES.json] [--markdown]`
 *
 * Reads the features collected by collect-router-features.ts and compares confidence models on
 * questions they never saw. Every model is fitted on the dev split (70% of articles, the split
 * `npm run calibrate` fits on); its threshold is the lowest probability whose one-sided 95%
 * bootstrap lower bound on precision (over ALL direct answers, an answer to an unanswerable
 * question counting as wrong) reaches the target, read from out-of-fold predictions on the dev
 * split (5 folds by article); the model refitted on the whole dev split is then applied with
 * that threshold to the held-out split (the other 30% of articles) and to hotpotqa, a domain
 * none was fitted on. The held-out questions choose nothing. Exit 0 ok, 1 failure.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { loadCalibration, operatingPoint, precisionCurve } from '../../src/answer/calibration';
import { fitLogistic, predict } from '../../src/answer/logistic';
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
  features: 'router' | 'router+reader';
}
const SPECS: Spec[] = [
  { name: 'logistic, router features', learner: 'logistic', features: 'router' },
  { name: 'trees, router features', learner: 'trees', features: 'router' },
  { name: 'logistic, router + reader features', learner: 'logistic', features: 'router+reader' },
  { name: 'trees, router + reader features', learner: 'trees', features: 'router+reader' },
];

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

function vector(q: CollectedQuestion, spec: Spec): number[] {
  return spec.features === 'router' ? q.router : [...q.router, ...q.reader];
}

function logLoss(ps: number[], ys: number[]): number {
  return -ps.reduce((s, p, i) => s + (ys[i] ? Math.log(Math.max(1e-9, p)) : Math.log(Math.max(1e-9, 1 - p))), 0) / Math.max(1, ps.length);
}

function outOfFold(spec: Spec, names: string[], dev: CollectedQuestion[], trees: BoostOptions): number[] {
  const ps = new Array<number>(dev.length).fill(0);
  for (let k = 0; k < FOLDS; k++) {
    const train = dev.filter((q) => fold(q.group) !== k);
    const m = fit(spec.learner, names, train.map((q) => vector(q, spec)), train.map((q) => (q.correct ? 1 : 0)), trees);
    dev.forEach((q, i) => {
      if (fold(q.group) === k) ps[i] = m.predict(vector(q, spec));
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

function main(): number {
  const file = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'indexes/research/router-features.json';
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as CollectedFile;
  const shipped = loadCalibration();
  const byDataset = (name: string) => data.questions.filter((q) => q.dataset === name);
  const heldOut = (name: string) => (name === UNSEEN ? byDataset(name) : byDataset(name).filter((q) => q.validation));
  const rows: Row[] = [];

  // The shipped model and threshold, as the service runs them today (its threshold bounds precision over answerable questions).
  for (const target of TARGETS) {
    const t = operatingPoint(shipped.curve, target).threshold;
    for (const ds of [...FIT_DATASETS, UNSEEN]) {
      rows.push({ model: 'shipped logistic (file threshold)', rule: 'answerable', fittedOn: 'squad2+nq-open', dataset: ds, target, threshold: t, devCoverage: NaN, outcomes: outcomes(heldOut(ds), (q) => open(q) && q.shipped >= t) });
    }
  }

  const fittings: { fittedOn: string; dev: CollectedQuestion[]; evalOn: string[] }[] = [
    { fittedOn: 'squad2+nq-open', dev: data.questions.filter((q) => FIT_DATASETS.includes(q.dataset) && !q.validation), evalOn: [...FIT_DATASETS, UNSEEN] },
    ...FIT_DATASETS.map((ds) => ({ fittedOn: ds, dev: byDataset(ds).filter((q) => !q.validation), evalOn: [ds] })),
  ];
  const notes: string[] = [];
  const diagnostics: string[] = [];
  for (const ds of [...FIT_DATASETS, UNSEEN]) {
    const h = heldOut(ds).filter(open);
    const r = ranking(h.map((q) => q.shipped), h);
    diagnostics.push(`| shipped logistic | squad2+nq-open | ${ds} | ${f3(r.auc)} | ${f3(r.top10)} | ${f3(r.top25)} |`);
  }
  for (const { fittedOn, dev: devAll, evalOn } of fittings) {
    const dev = devAll.filter(open);
    for (const spec of SPECS) {
      const names = spec.features === 'router' ? data.routerFeatures : [...data.routerFeatures, ...data.readerFeatures.map((n) => `reader_${n}`)];
      const ys = dev.map((q) => (q.correct ? 1 : 0));
      // Tree settings: the lowest out-of-fold log loss on the dev split.
      let trees = TREE_GRID[0];
      let oof: number[] = [];
      let bestLoss = Infinity;
      for (const opts of spec.learner === 'trees' ? TREE_GRID : [TREE_GRID[0]]) {
        const ps = outOfFold(spec, names, dev, opts);
        const loss = logLoss(ps, ys);
        if (loss < bestLoss) {
          bestLoss = loss;
          trees = opts;
          oof = ps;
        }
      }
      const model = fit(spec.learner, names, dev.map((q) => vector(q, spec)), ys, trees);
      notes.push(`${spec.name} on ${fittedOn}: ${dev.length} dev questions (${ys.filter((y) => y).length} correct), out-of-fold log loss ${bestLoss.toFixed(4)}, ${model.describe}`);
      const devAnswerable = devAll.filter((q) => q.answerable).length;
      for (const ds of evalOn) {
        const h = heldOut(ds).filter(open);
        const r = ranking(h.map((q) => model.predict(vector(q, spec))), h);
        diagnostics.push(`| ${spec.name} | ${fittedOn} | ${ds} | ${f3(r.auc)} | ${f3(r.top10)} | ${f3(r.top25)} |`);
      }
      for (const rule of RULES) {
        for (const target of TARGETS) {
          const t = chooseThreshold(oof, dev, target, rule);
          const devCoverage = dev.filter((q, i) => q.answerable && oof[i] >= t).length / Math.max(1, devAnswerable);
          for (const ds of evalOn) {
            rows.push({ model: spec.name, rule, fittedOn, dataset: ds, target, threshold: t, devCoverage, outcomes: outcomes(heldOut(ds), (q) => open(q) && model.predict(vector(q, spec)) >= t) });
          }
        }
      }
    }
  }

  console.log(`features ${file} (collected at commit ${data.commit}, ${data.questions.length} questions)`);
  for (const ds of [...FIT_DATASETS, UNSEEN]) {
    const h = heldOut(ds);
    console.log(`  ${ds}: held out ${h.length} (${h.filter((q) => q.answerable).length} answerable, ${h.filter((q) => open(q)).length} left to the model, ${h.filter((q) => q.correct).length} with a correct candidate)`);
  }
  for (const n of notes) console.log(`  ${n}`);
  console.log('');
  console.log('Each reader feature alone on the dev split (questions left to the model): AUC of right vs wrong');
  console.log('| feature | squad2 dev | nq-open dev |');
  console.log('|---|---|---|');
  data.readerFeatures.forEach((n, j) => {
    const auc = (ds: string) => {
      const d = byDataset(ds).filter((q) => !q.validation && open(q));
      return f3(ranking(d.map((q) => q.reader[j]), d).auc);
    };
    console.log(`| ${n} | ${auc('squad2')} | ${auc('nq-open')} |`);
  });
  console.log('');
  console.log('| model | fitted on | evaluated on | AUC right vs wrong | precision of top 10% | precision of top 25% |');
  console.log('|---|---|---|---|---|---|');
  for (const d of diagnostics) console.log(d);
  console.log('');
  console.log('| model | threshold rule (precision over) | fitted on | evaluated on | target | threshold | dev coverage (out-of-fold) | precision, all direct [95%] | precision, answerable | coverage [95%] | unanswerable direct | direct answers |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const m = routeMetrics(r.outcomes);
    const held = r.dataset === UNSEEN ? `${r.dataset} (all, unseen)` : `${r.dataset} held out`;
    console.log(`| ${r.model} | ${r.rule} | ${r.fittedOn} | ${held} | ${r.target} | ${Number.isFinite(r.threshold) ? r.threshold.toFixed(3) : 'none'} | ${Number.isNaN(r.devCoverage) ? '—' : f3(r.devCoverage)} | ${f3(m.precisionAll)} ${ci(r.outcomes, (s) => routeMetrics(s).precisionAll)} | ${f3(m.precision)} | ${f3(m.coverage)} ${ci(r.outcomes, (s) => routeMetrics(s).coverage)} | ${m.directRateUnanswerable === null ? '—' : f3(m.directRateUnanswerable)} | ${m.direct} |`);
  }
  return 0;
}

process.exit(main());
