/**
 * `npm run calibrate -- --dataset <dir> [--dataset <dir>...] [--language en|fr] [--base FILE] [--target-precision 0.9] [--out FILE]`
 * `npm run calibrate -- --from-labels [--out FILE] | --list | --restore ID|file` (calibrate-labels.ts)
 *
 * Ingests each dataset's corpus (cached), learns the fusion weights (best MRR on the fit split),
 * the abstain rule and the router's logistic model on the fit split (70% of document groups),
 * then measures the precision/coverage curve with bootstrap lower bounds on the validation
 * split and writes a versioned calibration file. Only the questions in `--language` are used
 * (default en: the top level, for English questions); `--language fr` fits the French section
 * and writes it into the `--base` calibration (default: the one in use). Exit 0 ok, 2 bad
 * arguments, 1 failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CALIBRATION_VERSION, DEFAULT_CALIBRATION_FILE, loadCalibration, operatingPoint, precisionCurve, type Calibration, type LanguageCalibration } from '../src/answer/calibration';
import { FEATURE_NAMES } from '../src/answer/features';
import { fitLogistic, predict } from '../src/answer/logistic';
import { ruledOut } from '../src/answer/router';
import { loadConfig, parseSettingFlags } from '../src/config';
import { createEmbedder } from '../src/embed';
import { errorMessage } from '../src/errors';
import { loadDataset } from '../src/evaluation/dataset';
import { retrieveAll, retrievalMetrics, routerExamples, sentenceExamples, type EvalKnowledge, type QuestionRun, type RouterExample } from '../src/evaluation/collect';
import { SELECTOR_FEATURES } from '../src/answer/sentence-selector';
import { openDatasetKnowledge } from '../src/evaluation/prepare';
import { HybridRetriever, type FusionWeights } from '../src/retrieve/hybrid-retriever';
import type { StemLanguage } from '../src/text/tokens';
import { parseLabelsCommand, runLabelsCommand } from './calibrate-labels';

const USAGE = 'usage: npm run calibrate -- --dataset <dir> [--dataset <dir>...] [--language en|fr] [--base FILE] [--target-precision 0.9] [--out FILE] [--limit N] [--dump FILE.jsonl]\n' +
  '       npm run calibrate -- --from-labels [--out FILE] | --list | --restore ID|file   (the labels in SOBRE_DATA_DIR, or in SOBRE_DATABASE_URL)';
/** With no unanswerable question in the data, the abstain rule's most costly share of answerable ones. */
const MAX_ABSTAIN_ANSWERABLE = 0.02;
const DENSE_WEIGHTS = [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8];

function log(m: string): void {
  process.stderr.write(`${m}\n`);
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))];
}

function fmt(x: number): string {
  return x.toFixed(3);
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  let fromLabels;
  try {
    fromLabels = parseLabelsCommand(rest);
  } catch (e) {
    log(`${errorMessage(e)}\n${USAGE}`);
    return 2;
  }
  if (fromLabels) return runLabelsCommand(loadConfig(process.env, flags), fromLabels);
  const datasets: string[] = [];
  let out = '';
  let limit = Infinity;
  let dump = '';
  let language: StemLanguage = 'en';
  let base = '';
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--dataset' && rest[i + 1]) datasets.push(rest[++i]);
    else if (rest[i] === '--language' && (rest[i + 1] === 'en' || rest[i + 1] === 'fr')) language = rest[++i] as StemLanguage;
    else if (rest[i] === '--base' && rest[i + 1]) base = rest[++i];
    else if (rest[i] === '--out' && rest[i + 1]) out = rest[++i];
    else if (rest[i] === '--limit' && rest[i + 1]) limit = Number(rest[++i]);
    else if (rest[i] === '--dump' && rest[i + 1]) dump = rest[++i];
    else {
      log(`unexpected argument ${rest[i]}\n${USAGE}`);
      return 2;
    }
  }
  if (datasets.length === 0 || !(limit > 0)) {
    log(USAGE);
    return 2;
  }
  const config = loadConfig(process.env, flags);
  out = path.resolve(out || path.join(config.dataDir, 'calibration.json'));
  const embedder = await createEmbedder(config);

  const runs: { name: string; runs: QuestionRun[]; source: EvalKnowledge }[] = [];
  for (const dir of datasets) {
    const dataset = loadDataset(dir);
    const { knowledge } = await openDatasetKnowledge(config, dataset, embedder, log);
    const source: EvalKnowledge = { knowledge, embedder, retriever: new HybridRetriever(knowledge, embedder) };
    const questions = dataset.questions.slice(0, limit);
    log(`retrieving for ${questions.length} ${dataset.name} questions`);
    const all = await retrieveAll(source, dataset, questions, config.candidateK);
    const kept = all.filter((r) => r.language === language);
    if (kept.length < all.length) log(`  ${all.length - kept.length} ${dataset.name} questions are not in ${language}: left out`);
    runs.push({ name: dataset.name, runs: kept, source });
  }

  // 1. Fusion weights: best MRR on the fit split of all datasets together.
  const fitRuns = runs.flatMap((d) => d.runs.filter((r) => !r.validation));
  if (fitRuns.length === 0 || fitRuns.length === runs.reduce((n, d) => n + d.runs.length, 0)) {
    log(`calibrate needs questions from both splits (70% of articles fit, 30% validate); these ${fitRuns.length === 0 ? 'are all in the validation split' : 'are all in the fit split'}. --limit takes the first questions of a dataset, which may come from few articles: raise or drop it.`);
    return 1;
  }
  let fusion: FusionWeights = { lexical: 1, dense: 0 };
  let bestMrr = -1;
  console.log('fusion (fit split): dense weight → R@1 R@5 MRR');
  for (const dense of DENSE_WEIGHTS) {
    const m = retrievalMetrics(fitRuns, { lexical: 1, dense });
    console.log(`  lexical 1, dense ${dense}: ${fmt(m.recallAt1)} ${fmt(m.recallAt5)} ${fmt(m.mrr)}`);
    if (m.mrr > bestMrr + 1e-9) {
      bestMrr = m.mrr;
      fusion = { lexical: 1, dense };
    }
  }
  const denseOnly = retrievalMetrics(fitRuns, { lexical: 0, dense: 1 });
  console.log(`  dense alone: ${fmt(denseOnly.recallAt1)} ${fmt(denseOnly.recallAt5)} ${fmt(denseOnly.mrr)}`);
  console.log(`chosen fusion: lexical ${fusion.lexical}, dense ${fusion.dense}`);

  // 2. The sentence selector, on the fit split's candidate sentences.
  const sentences: { x: number[]; y: number }[] = [];
  for (const d of runs) sentences.push(...(await sentenceExamples(d.source, d.runs.filter((r) => !r.validation), fusion, config.topK)));
  const selector = fitLogistic(SELECTOR_FEATURES, sentences.map((e) => e.x), sentences.map((e) => e.y));
  console.log(`sentence selector fitted on ${sentences.length} sentences (${sentences.filter((e) => e.y === 1).length} containing an answer)`);
  SELECTOR_FEATURES.forEach((n, j) => console.log(`  ${n.padEnd(24)} ${selector.weights[j].toFixed(3)}`));

  // 3. Router features under that fusion and selector (abstain rule applied after, from the fit split).
  const examples: RouterExample[] = [];
  for (const d of runs) {
    log(`computing router features for ${d.name}`);
    examples.push(...(await routerExamples(d.source, d.runs, fusion, config.topK, selector)));
  }
  if (dump) {
    // One line per question, for offline analysis of the features.
    fs.writeFileSync(dump, examples.map((e) => JSON.stringify({
      id: e.run.q.id, question: e.run.q.question, answers: e.run.q.answers, answerable: e.run.q.answerable,
      validation: e.run.validation, correct: e.correct, needsReasoning: e.question.needsReasoning, goldAtTop: e.goldAtTop, features: e.features, best: e.best,
    })).join('\n'));
  }
  const fitExamples = examples.filter((e) => !e.run.validation);
  const validation = examples.filter((e) => e.run.validation);
  // Abstain only below what 95% of answerable questions with the gold passage on top reach. The
  // rule is for questions the corpus does not cover; data holding none of those (PIAF) cannot
  // show what it catches, only what it costs: then it takes at most 2% of answerable questions.
  const answerableCoverage = fitExamples.filter((e) => e.run.q.answerable).map((e) => e.features.passage_coverage);
  const abstainBelowCoverage = Math.min(
    0.5,
    quantile(fitExamples.filter((e) => e.run.q.answerable && e.goldAtTop).map((e) => e.features.passage_coverage), 0.05),
    answerableCoverage.length === fitExamples.length ? quantile(answerableCoverage, MAX_ABSTAIN_ANSWERABLE) : 1,
  );
  const rule = (e: RouterExample) => ruledOut(e, e.passageCount, abstainBelowCoverage);

  // 4. The model, on fit examples that the rules leave to it.
  const trainable = fitExamples.filter((e) => rule(e) === null);
  const model = fitLogistic(FEATURE_NAMES, trainable.map((e) => FEATURE_NAMES.map((n) => e.features[n])), trainable.map((e) => (e.correct ? 1 : 0)));
  console.log(`model fitted on ${trainable.length} fit questions (${trainable.filter((e) => e.correct).length} with a correct best sentence)`);
  FEATURE_NAMES.forEach((n, j) => console.log(`  ${n.padEnd(24)} ${model.weights[j].toFixed(3)}`));

  // 5. The curve on validation questions the model never saw.
  const answerableTotal = validation.filter((e) => e.run.q.answerable).length;
  const scored = validation.filter((e) => rule(e) === null).map((e) => ({
    probability: predict(model, FEATURE_NAMES.map((n) => e.features[n])),
    correct: e.correct,
    answerable: e.run.q.answerable,
  }));
  const curve = precisionCurve(scored, { answerableTotal, unanswerableTotal: validation.length - answerableTotal });
  console.log(`validation: ${validation.length} questions (${answerableTotal} answerable), ${validation.length - scored.length} ruled out (abstain below coverage ${fmt(abstainBelowCoverage)} or needs reasoning)`);
  console.log('precision/coverage curve (validation): threshold precision lower95 precision_all coverage unanswerable_direct answered');
  const step = Math.max(1, Math.floor(curve.length / 25));
  curve.forEach((p, i) => {
    if (i % step === 0 || i === curve.length - 1) {
      console.log(`  ${fmt(p.threshold)} ${fmt(p.precision)} ${fmt(p.precisionLower)} ${fmt(p.precisionAll)} ${fmt(p.coverage)} ${p.unanswerableDirectRate === null ? 'n/a' : fmt(p.unanswerableDirectRate)} ${p.answered}`);
    }
  });
  for (const target of [...new Set([0.8, 0.9, 0.95, config.targetPrecision])]) {
    const op = operatingPoint(curve, target);
    console.log(
      `operating point for target ${target}: threshold ${fmt(op.threshold)}, precision ${fmt(op.precision)} (lower ${fmt(op.precisionLower)}), ` +
        `coverage ${fmt(op.coverage)}, unanswerable direct ${op.unanswerableDirectRate === null ? 'n/a' : fmt(op.unanswerableDirectRate)}`,
    );
  }
  const section: LanguageCalibration = {
    datasets: runs.map((d) => d.name),
    selector,
    model,
    fusion,
    abstainBelowCoverage,
    curve,
    validation: { questions: validation.length, answerable: answerableTotal, documents: new Set(validation.map((e) => e.run.q.gold_doc_ids[0])).size },
  };
  const calibration = withSection(loadCalibration(base || config.calibrationFile || DEFAULT_CALIBRATION_FILE), section, language, embedder.id);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(calibration, null, 1)}\n`);
  console.log(`wrote ${out}`);
  for (const d of runs) await d.source.knowledge.close();
  return 0;
}

/**
 * The calibration to write: a new top level (English) keeping the base's other sections, or the
 * base with the section of `language` replaced. Sections from another embedder are not kept.
 */
function withSection(base: Calibration, section: LanguageCalibration, language: StemLanguage, embedderId: string): Calibration {
  const sameEmbedder = base.embedderId === embedderId;
  if (language === 'en') {
    if (!sameEmbedder && base.languages) log(`the base calibration's other sections were fitted with ${base.embedderId}, not ${embedderId}: not kept`);
    return {
      version: CALIBRATION_VERSION, createdAt: new Date().toISOString(), embedderId, ...section,
      ...(sameEmbedder && base.languages ? { languages: base.languages } : {}),
    };
  }
  if (!sameEmbedder) throw new Error(`the base calibration was fitted with ${base.embedderId}, not ${embedderId}: calibrate English first (--language en) or pass --base`);
  return { ...base, languages: { ...base.languages, [language]: section } };
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`calibrate failed: ${errorMessage(e)}`);
    process.exit(1);
  },
);
