/**
 * `npm run eval -- --dataset <dir> [--limit N] [--out-of-corpus <dir>] [--json] [--learn N[,N...] [--seed S] [--repeats R]]`
 *
 * Ingests the dataset's corpus into its own cached folder and asks every question through
 * `AskService.ask`, the code path of `POST /v1/ask`. Headline metrics are on held-out questions:
 * when the shipped calibration was fitted on this dataset, only its validation document groups.
 * `--learn N` simulates a deployment that learns from N labelled questions (src/evaluation/learn.ts);
 * metrics are then on the held-out questions that were not labelled. Exit 0 ok, 2 bad arguments, 1 failure.
 */
import { execSync } from 'node:child_process';
import { loadConfig, parseSettingFlags } from '../src/config';
import { createDeps } from '../src/deps';
import { createEmbedder } from '../src/embed';
import { errorMessage } from '../src/errors';
import { isCorrect, retrieveAll, retrievalMetrics } from '../src/evaluation/collect';
import { isValidationGroup, loadDataset, questionGroup, type Dataset, type DatasetQuestion } from '../src/evaluation/dataset';
import { bootstrapInterval, percentile, routeMetrics, type QuestionOutcome } from '../src/evaluation/metrics';
import { openDatasetKnowledge } from '../src/evaluation/prepare';
import { defaultRepeats, learnFrom, recordTraffic, type LearnRun } from '../src/evaluation/learn';
import { serviceEmbedder } from '../src/server/service-embedder';
import type { AskService } from '../src/answer/ask';

const USAGE = 'usage: npm run eval -- --dataset <dir> [--limit N] [--out-of-corpus <dir>] [--json] [--learn N[,N...] [--seed S] [--repeats R]]';

function log(m: string): void {
  process.stderr.write(`${m}\n`);
}

function f3(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : x.toFixed(3);
}

function ci(x: [number, number] | null): string {
  return x ? `[${x[0].toFixed(3)}, ${x[1].toFixed(3)}]` : '';
}

async function askAll(ask: AskService, questions: readonly DatasetQuestion[], label: string): Promise<QuestionOutcome[]> {
  const out: QuestionOutcome[] = [];
  for (const [i, q] of questions.entries()) {
    const r = await ask.ask(q.question);
    out.push({ route: r.route, answerable: q.answerable, correct: q.answerable && r.answer !== null && r.route === 'direct' && isCorrect(r.answer, q.answers), latencyMs: r.timings.totalMs });
    if ((i + 1) % 200 === 0) log(`  ${label}: ${i + 1}/${questions.length}`);
  }
  return out;
}

function heldOut(dataset: Dataset, q: DatasetQuestion, calibratedOn: readonly string[]): boolean {
  return !calibratedOn.includes(dataset.name) || isValidationGroup(questionGroup(dataset, q));
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  let datasetDir = '';
  let oocDir = '';
  let limit = Infinity;
  let json = false;
  let learn: number[] | null = null;
  let seed = 1;
  let repeats: number | null = null;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--dataset' && rest[i + 1]) datasetDir = rest[++i];
    else if (rest[i] === '--learn' && rest[i + 1]) learn = rest[++i].split(',').map(Number);
    else if (rest[i] === '--seed' && rest[i + 1]) seed = Number(rest[++i]);
    else if (rest[i] === '--repeats' && rest[i + 1]) repeats = Number(rest[++i]);
    else if (rest[i] === '--out-of-corpus' && rest[i + 1]) oocDir = rest[++i];
    else if (rest[i] === '--limit' && rest[i + 1]) limit = Number(rest[++i]);
    else if (rest[i] === '--json') json = true;
    else {
      log(`unexpected argument ${rest[i]}\n${USAGE}`);
      return 2;
    }
  }
  const badLearn = learn !== null && (learn.length === 0 || !learn.every((n) => Number.isInteger(n) && n >= 0));
  if (!datasetDir || !(limit > 0) || badLearn || !Number.isInteger(seed) || (repeats !== null && !(Number.isInteger(repeats) && repeats > 0))) {
    log(USAGE);
    return 2;
  }
  const base = loadConfig(process.env, flags);
  const dataset = loadDataset(datasetDir);
  // The cache makes re-asking the same questions (--learn) cheap; answers are the same.
  const embedder = serviceEmbedder(await createEmbedder(base), { cacheEntries: 1_000_000, pause: async () => undefined });
  const prepared = await openDatasetKnowledge(base, dataset, embedder, log);
  await prepared.knowledge.close();
  const deps = await createDeps(prepared.config, { ledger: false, embedder, generator: null });
  try {
    const { calibration } = deps.router;
    const calibratedOn = [...calibration.datasets, ...Object.values(calibration.languages ?? {}).flatMap((s) => s.datasets)];
    const questions = dataset.questions.slice(0, limit);
    const isHeldOut = questions.map((q) => heldOut(dataset, q, calibratedOn));

    log(`retrieval metrics over ${questions.length} questions`);
    const runs = (await retrieveAll(deps, dataset, questions, base.candidateK)).filter((_, i) => isHeldOut[i]);
    const bm25 = retrievalMetrics(runs, { lexical: 1, dense: 0 });
    const dense = retrievalMetrics(runs, { lexical: 0, dense: 1 });
    const fused = retrievalMetrics(runs, (r) => deps.router.fusion(r.language));

    log(`asking ${questions.length} questions`);
    const { targetPrecision, auditRate, refitEvery, feedbackLabelWeight, generatorLabelWeight, storeQuestions, retentionDays } = prepared.config;
    const settings = { targetPrecision, auditRate, refitEvery, feedbackLabelWeight, generatorLabelWeight, storeQuestions, retentionDays };
    const traffic = learn ? await recordTraffic(deps, settings, questions, log) : null;
    const all = traffic ? traffic.answers.map((a) => a.outcome) : await askAll(deps.ask, questions, dataset.name);
    const held = all.filter((_, i) => isHeldOut[i]);
    const m = routeMetrics(held);
    const mAll = routeMetrics(all);
    let oocRate: number | null = null;
    let oocN = 0;
    if (oocDir) {
      const ooc = loadDataset(oocDir).questions.slice(0, limit);
      log(`asking ${ooc.length} out-of-corpus questions from ${oocDir}`);
      const o = await askAll(deps.ask, ooc, 'out-of-corpus');
      oocN = o.length;
      oocRate = o.filter((x) => x.route === 'direct').length / Math.max(1, o.length);
    }
    const latencies = all.map((o) => o.latencyMs);
    let commit = 'unknown';
    try {
      commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      // not a git checkout: the commit stays unknown
    }
    const point = deps.router.point;
    console.log(`dataset ${dataset.name} (${questions.length} questions; ${held.length} held out from calibration ${calibratedOn.join('+') || 'none'}), commit ${commit}`);
    console.log(`router: target precision ${point.targetPrecision}, threshold ${f3(point.threshold)}; fusion lexical ${calibration.fusion.lexical} dense ${calibration.fusion.dense}`);
    const french = runs.filter((r) => r.language === 'fr').length;
    if (french > 0) {
      const fr = deps.router.fusion('fr');
      const section = calibration.languages?.fr ? `the French section (${calibration.languages.fr.datasets.join('+')})` : 'no French section: the top-level model';
      console.log(`  ${french} of ${runs.length} held-out questions are French: ${section}, threshold ${f3(deps.router.pointFor('fr').threshold)}, fusion lexical ${fr.lexical} dense ${fr.dense}`);
    }
    console.log(`retrieval (held out, ${bm25.questions} with gold): R@1 / R@5 / MRR`);
    console.log(`  BM25 alone   ${f3(bm25.recallAt1)} ${f3(bm25.recallAt5)} ${f3(bm25.mrr)}`);
    console.log(`  dense alone  ${f3(dense.recallAt1)} ${f3(dense.recallAt5)} ${f3(dense.mrr)}`);
    console.log(`  fused        ${f3(fused.recallAt1)} ${f3(fused.recallAt5)} ${f3(fused.mrr)}`);
    const routes = (list: QuestionOutcome[]) => ['direct', 'generate', 'passages', 'abstain'].map((r) => `${r} ${list.filter((o) => o.route === r).length}`).join(', ');
    console.log(`routes (held out): ${routes(held)}`);
    console.log(`precision (answerable)  ${f3(m.precision)} ${ci(bootstrapInterval(held, (s) => routeMetrics(s).precision))}`);
    console.log(`precision (all direct)  ${f3(m.precisionAll)} ${ci(bootstrapInterval(held, (s) => routeMetrics(s).precisionAll))}`);
    console.log(`coverage                ${f3(m.coverage)} ${ci(bootstrapInterval(held, (s) => routeMetrics(s).coverage))}`);
    console.log(`direct rate unanswerable ${f3(m.directRateUnanswerable)}`);
    if (oocDir) console.log(`direct rate out of corpus (${oocN} questions) ${f3(oocRate)}`);
    console.log(`all questions: precision ${f3(mAll.precision)}, precision_all ${f3(mAll.precisionAll)}, coverage ${f3(mAll.coverage)}, direct rate unanswerable ${f3(mAll.directRateUnanswerable)}`);
    console.log(`latency p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p95 ${percentile(latencies, 0.95).toFixed(1)} ms`);
    const jsonLine = (h: QuestionOutcome[], extra: Record<string, unknown>) => {
      const mh = routeMetrics(h);
      return JSON.stringify({
        dataset: dataset.name, commit, n_questions: h.length, n_questions_all: all.length, held_out_from: calibratedOn,
        precision: mh.precision, precision_all: mh.precisionAll, coverage: mh.coverage,
        direct_rate_unanswerable: mh.directRateUnanswerable, direct_rate_out_of_corpus: oocRate,
        generate_rate: mh.generateRate, abstain_rate: mh.abstainRate,
        recall_at_1: fused.recallAt1, recall_at_5: fused.recallAt5, mrr: fused.mrr,
        bm25: bm25, dense: dense,
        precision_ci95: bootstrapInterval(h, (x) => routeMetrics(x).precision),
        coverage_ci95: bootstrapInterval(h, (x) => routeMetrics(x).coverage),
        all_questions: { precision: mAll.precision, precision_all: mAll.precisionAll, coverage: mAll.coverage, direct_rate_unanswerable: mAll.directRateUnanswerable },
        latency_ms: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) },
        threshold: point.threshold, target_precision: point.targetPrecision,
        french_questions: french, threshold_french: french > 0 ? deps.router.pointFor('fr').threshold : null,
        labels: 0,
        ...extra,
      });
    };
    if (json && !learn) console.log(jsonLine(held, {}));
    if (traffic && learn) {
      // The learning curve: held-out questions not labelled, pooled over repeats (src/evaluation/learn.ts).
      const curve: { labels: number; run: LearnRun | null; held: QuestionOutcome[] }[] = [];
      for (const n of learn) {
        if (n === 0) {
          curve.push({ labels: 0, run: null, held });
          continue;
        }
        const r = repeats ?? defaultRepeats(questions.length, n);
        if (r === 0) {
          log(`--learn ${n}: no question would be left to measure; skipped`);
          continue;
        }
        log(`learning from ${n} labelled questions, ${r} draw(s)`);
        const run = await learnFrom(deps, settings, questions, traffic, { labels: n, repeats: r, seed, keep: (i) => isHeldOut[i] });
        curve.push({ labels: n, run, held: run.outcomes });
      }
      console.log(`learning curve (target ${point.targetPrecision}; held-out questions not labelled, pooled over draws; seed ${seed}):`);
      console.log('  labels draws fitted threshold(median) precision precision_all coverage unanswerable_direct measured');
      for (const c of curve) {
        const mc = routeMetrics(c.held);
        const ts = (c.run?.thresholds ?? [point.threshold]).slice().sort((a, b) => a - b);
        const median = ts[Math.floor(ts.length / 2)];
        console.log(`  ${String(c.labels).padStart(6)} ${String(c.run?.repeats ?? 1).padStart(5)} ${String(c.run?.fitted ?? 0).padStart(6)} ${f3(median).padStart(9)} ${f3(mc.precision)} ${f3(mc.precisionAll)} ${f3(mc.coverage)} ${f3(mc.directRateUnanswerable)} ${c.held.length}`);
        if (c.run) console.log(`         first draw: ${c.run.notes[0]}`);
        if (json) {
          console.log(jsonLine(c.held, {
            labels: c.labels, seed, draws: c.run?.repeats ?? 1, refits_fitted: c.run?.fitted ?? 0,
            threshold: median, thresholds: c.run?.thresholds ?? [point.threshold],
          }));
        }
      }
    }
    return 0;
  } finally {
    await deps.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`eval failed: ${errorMessage(e)}`);
    process.exit(1);
  },
);
