/**
 * Research (#9): `node dist/scripts/research/collect-router-features.js --dataset DIR [--dataset DIR...] --out FILE.json`
 *
 * For every question of each dataset (its corpus already ingested by `npm run eval`), the router's
 * candidate under the shipped calibration (fusion, selector, abstain rule), its features, the
 * reader features (reader-features.ts), the shipped probability and the label (correct = the
 * candidate contains a gold answer; any candidate of an unanswerable question is wrong). Written
 * once to a JSON file that router-model.ts reads. Exit 0 ok, 2 bad arguments, 1 failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { routeContext } from '../../src/answer/ask';
import { loadCalibration } from '../../src/answer/calibration';
import { FEATURE_NAMES, questionTerms } from '../../src/answer/features';
import { predict } from '../../src/answer/logistic';
import { gatherEvidence, ruledOut } from '../../src/answer/router';
import { selectSentences } from '../../src/answer/sentence-selector';
import { loadConfig, parseSettingFlags } from '../../src/config';
import { createEmbedder } from '../../src/embed';
import { errorMessage } from '../../src/errors';
import { isCorrect, retrieveAll } from '../../src/evaluation/collect';
import { datasetDataDir, loadDataset, questionGroup } from '../../src/evaluation/dataset';
import { openKnowledge } from '../../src/knowledge';
import { HybridRetriever } from '../../src/retrieve/hybrid-retriever';
import { READER_FEATURES, readerFeatures } from './reader-features';

export interface CollectedQuestion {
  dataset: string;
  id: string;
  group: string;
  validation: boolean;
  answerable: boolean;
  correct: boolean;
  /** The router's rule before the model (abstain / generate), or null. */
  ruled: 'abstain' | 'generate' | null;
  hasCandidate: boolean;
  shipped: number;
  router: number[];
  reader: number[];
}

export interface CollectedFile {
  commit: string;
  createdAt: string;
  routerFeatures: string[];
  readerFeatures: string[];
  questions: CollectedQuestion[];
}

function log(m: string): void {
  process.stderr.write(`${m}\n`);
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  const dirs: string[] = [];
  let out = '';
  let commit = 'unknown';
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--dataset' && rest[i + 1]) dirs.push(rest[++i]);
    else if (rest[i] === '--out' && rest[i + 1]) out = rest[++i];
    else if (rest[i] === '--commit' && rest[i + 1]) commit = rest[++i];
    else {
      log(`unexpected argument ${rest[i]}`);
      return 2;
    }
  }
  if (dirs.length === 0 || !out) {
    log('usage: collect-router-features --dataset DIR [--dataset DIR...] --out FILE.json [--commit SHA]');
    return 2;
  }
  const config = loadConfig(process.env, flags);
  const calibration = loadCalibration(config.calibrationFile || undefined);
  const embedder = await createEmbedder(config);
  const questions: CollectedQuestion[] = [];
  for (const dir of dirs) {
    const dataset = loadDataset(dir);
    const dataDir = datasetDataDir(config, dataset);
    if (!fs.existsSync(dataDir)) throw new Error(`${dataDir} does not exist: run npm run eval -- --dataset ${dir} first`);
    const knowledge = await openKnowledge({ ...config, dataDir }, embedder);
    try {
      const retriever = new HybridRetriever(knowledge, embedder);
      log(`${dataset.name}: retrieving for ${dataset.questions.length} questions`);
      const runs = await retrieveAll({ knowledge, embedder, retriever }, dataset, dataset.questions, config.candidateK);
      for (const [i, run] of runs.entries()) {
        const q = run.q;
        const passages = await retriever.rank(run.scored, calibration.fusion, config.topK);
        const evidence = await gatherEvidence(q.question, passages, routeContext(knowledge, embedder, run.queryVector), calibration.selector);
        const terms = questionTerms(q.question);
        const idf = await knowledge.idf(terms);
        const candidates = selectSentences(q.question, evidence.question, passages, idf, calibration.selector);
        const best = evidence.best;
        const answer = best ? passages[best.passageIndex].text.slice(best.start, best.answerEnd) : '';
        const x = FEATURE_NAMES.map((n) => evidence.features[n]);
        const reader = readerFeatures(q.question, evidence.question, terms, idf, passages, candidates);
        questions.push({
          dataset: dataset.name,
          id: q.id,
          group: questionGroup(dataset, q),
          validation: run.validation,
          answerable: q.answerable,
          correct: q.answerable && best !== null && isCorrect(answer, q.answers),
          ruled: ruledOut(evidence, passages.length, calibration.abstainBelowCoverage),
          hasCandidate: best !== null,
          shipped: best ? predict(calibration.model, x) : 0,
          router: x,
          reader: READER_FEATURES.map((n) => reader[n]),
        });
        if ((i + 1) % 250 === 0) log(`  ${i + 1}/${runs.length}`);
      }
    } finally {
      await knowledge.close();
    }
  }
  const file: CollectedFile = { commit, createdAt: new Date().toISOString(), routerFeatures: [...FEATURE_NAMES], readerFeatures: [...READER_FEATURES], questions };
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(file));
  log(`wrote ${questions.length} questions to ${out}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`collect failed: ${errorMessage(e)}`);
    process.exit(1);
  },
);
