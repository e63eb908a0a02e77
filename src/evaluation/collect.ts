/**
 * What calibration and evaluation both need per question: the retrieval candidates with both
 * signals, retrieval metrics for a fusion, and the router's features with a correctness label.
 */
import { routeContext } from '../answer/ask';
import { normalizeAnswer, questionTerms, type Features } from '../answer/features';
import type { LogisticModel } from '../answer/logistic';
import { classifyQuestion, type QuestionType } from '../answer/question-type';
import { directAnswer, gatherEvidence } from '../answer/router';
import { SELECTOR_FEATURES, selectSentences } from '../answer/sentence-selector';
import type { Embedder } from '../embed/types';
import type { Candidate, Knowledge } from '../knowledge/types';
import { fuse, type FusionWeights, type HybridRetriever } from '../retrieve/hybrid-retriever';
import { questionLanguage } from '../text/language';
import type { StemLanguage } from '../text/tokens';
import { isValidationGroup, passageId, questionGroup, type Dataset, type DatasetQuestion } from './dataset';

export interface QuestionRun {
  q: DatasetQuestion;
  validation: boolean;
  /** The question's language, as the service decides it (`questionLanguage`). */
  language: StemLanguage;
  queryVector: Float32Array;
  scored: Candidate[];
  /** Chunk id → passage id in the dataset. */
  passageOf: Map<number, string>;
}

export interface RetrievalMetrics {
  recallAt1: number;
  recallAt5: number;
  mrr: number;
  questions: number;
}

/** Correct when the answer contains a gold answer after SQuAD normalisation. */
export function isCorrect(answer: string, golds: readonly string[]): boolean {
  const a = ` ${normalizeAnswer(answer)} `;
  return golds.some((g) => {
    const n = normalizeAnswer(g);
    return n.length > 0 && a.includes(` ${n} `);
  });
}

/** What evaluation reads from: the dataset's knowledge, its embedder and a retriever over them. */
export interface EvalKnowledge {
  knowledge: Knowledge;
  embedder: Embedder;
  retriever: HybridRetriever;
}

export async function retrieveAll(
  { knowledge, embedder }: EvalKnowledge,
  dataset: Dataset,
  questions: readonly DatasetQuestion[],
  candidateK: number,
  onProgress?: (done: number) => void,
): Promise<QuestionRun[]> {
  const runs: QuestionRun[] = [];
  const batch = 32;
  const corpus = await knowledge.languages();
  for (let i = 0; i < questions.length; i += batch) {
    const slice = questions.slice(i, i + batch);
    const vectors = await embedder.embed(slice.map((q) => q.question), 'query');
    for (const [j, q] of slice.entries()) {
      const language = questionLanguage(q.question, corpus);
      const scored = await knowledge.candidates({ text: q.question, vector: vectors[j], language }, candidateK);
      const chunks = await knowledge.passages(scored.map((s) => s.chunkId));
      runs.push({
        q,
        validation: isValidationGroup(questionGroup(dataset, q)),
        language,
        queryVector: vectors[j],
        scored,
        passageOf: new Map(chunks.map((c) => [c.chunkId, passageId(c.source)])),
      });
    }
    onProgress?.(Math.min(questions.length, i + batch));
  }
  return runs;
}

/** Fusion weights, the same for every question or chosen per question (by its language). */
export type RunWeights = FusionWeights | ((run: QuestionRun) => FusionWeights);

export function goldRank(run: QuestionRun, weights: RunWeights): number | null {
  const gold = new Set(run.q.gold_doc_ids);
  const ranked = fuse(run.scored, typeof weights === 'function' ? weights(run) : weights);
  const i = ranked.findIndex((r) => gold.has(run.passageOf.get(r.s.chunkId) ?? ''));
  return i < 0 ? null : i + 1;
}

export function retrievalMetrics(runs: readonly QuestionRun[], weights: RunWeights): RetrievalMetrics {
  const withGold = runs.filter((r) => r.q.answerable && r.q.gold_doc_ids.length > 0);
  let r1 = 0;
  let r5 = 0;
  let rr = 0;
  for (const run of withGold) {
    const rank = goldRank(run, weights);
    if (rank === null) continue;
    if (rank === 1) r1++;
    if (rank <= 5) r5++;
    rr += 1 / rank;
  }
  const n = Math.max(1, withGold.length);
  return { recallAt1: r1 / n, recallAt5: r5 / n, mrr: rr / n, questions: withGold.length };
}

export interface RouterExample {
  run: QuestionRun;
  features: Features;
  /** Whether the best sentence contains a gold answer (and the question is answerable). */
  correct: boolean;
  /** What the router's rules need (see `ruledOut`), applied once the abstain threshold is known. */
  question: QuestionType;
  passageCount: number;
  goldAtTop: boolean;
  best: string | null;
}

/** Every candidate sentence of every question, labelled by whether it contains a gold answer. */
export async function sentenceExamples(
  { knowledge, retriever }: EvalKnowledge,
  runs: readonly QuestionRun[],
  weights: FusionWeights,
  topK: number,
): Promise<{ x: number[]; y: number }[]> {
  const out: { x: number[]; y: number }[] = [];
  for (const run of runs) {
    if (!run.q.answerable) continue;
    const passages = await retriever.rank(run.scored, weights, topK);
    const qtype = classifyQuestion(run.q.question);
    const idf = await knowledge.idf(questionTerms(run.q.question, run.language), run.language);
    for (const c of selectSentences(run.q.question, qtype, passages, idf, null, run.language)) {
      out.push({ x: SELECTOR_FEATURES.map((n) => c.features[n]), y: isCorrect(c.text, run.q.answers) ? 1 : 0 });
    }
  }
  return out;
}

export async function routerExamples(
  { knowledge, embedder, retriever }: EvalKnowledge,
  runs: readonly QuestionRun[],
  weights: FusionWeights,
  topK: number,
  selector: LogisticModel | null,
): Promise<RouterExample[]> {
  const out: RouterExample[] = [];
  for (const run of runs) {
    const passages = await retriever.rank(run.scored, weights, topK);
    const evidence = await gatherEvidence(run.q.question, passages, routeContext(knowledge, embedder, run.queryVector, run.language), selector);
    const best = evidence.best;
    const answer = best ? directAnswer(best, passages).answer : '';
    const correct = run.q.answerable && best !== null && isCorrect(answer, run.q.answers);
    out.push({
      run,
      features: evidence.features,
      correct,
      question: evidence.question,
      passageCount: passages.length,
      goldAtTop: goldRank(run, weights) === 1,
      best: evidence.best?.text ?? null,
    });
  }
  return out;
}
