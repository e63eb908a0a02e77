/**
 * A calibration from a corpus's labels: the confidence model refitted with the calibration file
 * as the prior (recalibrate.ts), λ chosen by cross-validated log-loss, and the threshold chosen
 * by the same bootstrap-bounded rule as `npm run calibrate`, over out-of-fold predictions of
 * the labelled questions (so the curve is not measured on the questions it was fitted on).
 * The service, `npm run calibrate -- --from-labels` and `npm run eval -- --learn` all call
 * `refitCalibration`.
 */
import { createHash } from 'node:crypto';
import type { Label, LabelledObservation } from '../labels/types';
import { wilsonInterval } from './audit';
import { operatingPoint, precisionCurve, type Calibration, type CurvePoint, type OperatingPoint } from './calibration';
import { predict } from './logistic';
import { fitRecalibration, meanLogLoss, toModel, type WeightedExample } from './recalibrate';
import type { StemLanguage } from '../text/tokens';

/** Prior strengths tried, from recalibration alone (∞) to weights that follow the labels. */
export const LAMBDAS = [Number.POSITIVE_INFINITY, 300, 100, 30, 10, 3];
export const FOLDS = 5;
/** Fewer labelled questions than this (decided by the model) are not worth a fit. */
export const MIN_MODEL_LABELS = 30;
/** One-sided 95% normal quantile, for the estimate of the labels still needed. */
const Z95 = 1.645;

export interface LabelledExample extends WeightedExample {
  /** Decides the cross-validation fold: the question's hash, so a refit is reproducible and a question asked twice is in one fold. */
  id: string;
  correct: boolean;
}

export interface LabelSet {
  /** Questions the model decides (no rule did), with one combined label each. */
  examples: LabelledExample[];
  /** Labelled questions of any kind (rules included), weighted: the coverage denominator. */
  totalWeight: number;
  questions: number;
}

/**
 * One label per question: the reviewers' if any (majority, latest on a tie), else the weighted
 * mean of the others (feedback, generator), with their summed weight capped at a reviewer's.
 */
export function combineLabels(labels: readonly Label[], reviewerWeight = 1): { y: number; weight: number } | null {
  const reviewers = labels.filter((l) => l.source === 'reviewer');
  if (reviewers.length > 0) {
    const right = reviewers.filter((l) => l.correct).length;
    const latest = [...reviewers].sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    const y = right * 2 === reviewers.length ? (latest.correct ? 1 : 0) : right * 2 > reviewers.length ? 1 : 0;
    return { y, weight: reviewerWeight };
  }
  const weight = labels.reduce((s, l) => s + l.weight, 0);
  if (weight <= 0) return null;
  const y = labels.reduce((s, l) => s + l.weight * (l.correct ? 1 : 0), 0) / weight;
  return { y, weight: Math.min(reviewerWeight, weight) };
}

/**
 * The labelled questions of one language (a refit learns that language's calibration section:
 * English, the top level; a French question was judged by another model on other features' scale).
 */
export function labelSet(rows: readonly LabelledObservation[], featureNames: readonly string[], language: StemLanguage = 'en'): LabelSet {
  const examples: LabelledExample[] = [];
  let totalWeight = 0;
  let questions = 0;
  for (const { observation: o, labels } of rows) {
    if (o.language !== language) continue;
    const label = combineLabels(labels);
    if (!label) continue;
    questions++;
    totalWeight += label.weight;
    if (o.ruledOut !== null || !o.features || !o.candidate) continue;
    const f = o.features;
    if (!featureNames.every((n) => typeof f[n] === 'number')) continue;
    examples.push({ id: o.questionSha256, x: featureNames.map((n) => f[n]), y: label.y, weight: label.weight, correct: label.y > 0.5 });
  }
  return { examples, totalWeight, questions };
}

function foldOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % FOLDS;
}

export type RefitResult =
  | { status: 'fitted'; calibration: Calibration; point: OperatingPoint; lambda: number; questions: number; modelQuestions: number; note: string }
  | { status: 'insufficient'; questions: number; modelQuestions: number; labelsNeeded: number | null; note: string };

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Labelled questions still needed before some threshold's precision can be bounded above the
 * target (normal approximation of the bootstrap bound, at the best point seen so far); null when
 * no threshold's precision is above the target yet.
 */
export function labelsNeeded(scored: readonly { probability: number; correct: boolean; weight: number }[], totalWeight: number, target: number, minAnswered = 20): number | null {
  const sorted = [...scored].sort((a, b) => b.probability - a.probability);
  let answered = 0;
  let correct = 0;
  let best: number | null = null;
  sorted.forEach((e, i) => {
    answered += e.weight;
    if (e.correct) correct += e.weight;
    if (i < sorted.length - 1 && sorted[i + 1].probability === e.probability) return;
    const p = correct / answered;
    if (i + 1 < 5 || p <= target) return;
    const neededAnswered = Math.max(minAnswered, (Z95 ** 2 * p * (1 - p)) / (p - target) ** 2);
    const total = neededAnswered * (totalWeight / answered);
    best = best === null ? total : Math.min(best, total);
  });
  return best === null ? null : Math.max(1, Math.ceil(best - totalWeight));
}

/**
 * When the labelled questions the prior would answer directly are right less often than the
 * target with confidence (Wilson 95% upper bound below it), a description of that; else null.
 */
function priorRefuted(prior: Calibration, examples: readonly LabelledExample[], targetPrecision: number): string | null {
  const threshold = operatingPoint(prior.curve, targetPrecision).threshold;
  const direct = examples.filter((e) => predict(prior.model, e.x) >= threshold);
  const n = direct.reduce((sum, e) => sum + e.weight, 0);
  const k = direct.reduce((sum, e) => sum + (e.correct ? e.weight : 0), 0);
  const interval = wilsonInterval(k, n);
  if (!interval || interval[1] >= targetPrecision) return null;
  return `${(k / n).toFixed(3)} of the time (${direct.length} answers, Wilson 95% upper bound ${interval[1].toFixed(3)})`;
}

/** Fit a calibration from `set` with `prior` as the prior; `insufficient` keeps the prior in force. */
export async function refitCalibration(prior: Calibration, set: LabelSet, targetPrecision: number, now: Date = new Date()): Promise<RefitResult> {
  const { examples, questions } = set;
  const modelQuestions = examples.length;
  if (modelQuestions < MIN_MODEL_LABELS) {
    return {
      status: 'insufficient', questions, modelQuestions, labelsNeeded: null,
      note: `${modelQuestions} labelled questions the model decides (at least ${MIN_MODEL_LABELS} are needed to fit)`,
    };
  }
  // Out-of-fold predictions for every λ.
  const folds = examples.map((e) => foldOf(e.id));
  const oof = new Map<number, number[]>();
  for (const lambda of LAMBDAS) {
    const predicted = new Array<number>(modelQuestions).fill(0.5);
    for (let k = 0; k < FOLDS; k++) {
      const train = examples.filter((_, i) => folds[i] !== k);
      if (train.length === 0 || train.length === modelQuestions) continue;
      const model = toModel(prior.model, fitRecalibration(prior.model, train, lambda));
      examples.forEach((e, i) => {
        if (folds[i] === k) predicted[i] = predict(model, e.x);
      });
      await tick();
    }
    oof.set(lambda, predicted);
  }
  const lambda = LAMBDAS.reduce((best, l) => (meanLogLoss(oof.get(l)!, examples) < meanLogLoss(oof.get(best)!, examples) ? l : best), LAMBDAS[0]);
  const scored = examples.map((e, i) => ({ probability: oof.get(lambda)![i], correct: e.correct, answerable: true, weight: e.weight }));
  const curve: CurvePoint[] = precisionCurve(scored, { answerableTotal: set.totalWeight, unanswerableTotal: 0 });
  const point = operatingPoint(curve, targetPrecision);
  const how = `${lambda === Number.POSITIVE_INFINITY ? 'recalibration of the prior score' : `weights moved under prior strength λ = ${lambda}`}, chosen by ${FOLDS}-fold log-loss`;
  if (!Number.isFinite(point.threshold)) {
    const refuted = priorRefuted(prior, examples, targetPrecision);
    if (refuted) {
      // The labels show the prior's own direct answers below the promise: nothing goes direct
      // (threshold ∞ on the learned curve) until labels support a threshold.
      const model = toModel(prior.model, fitRecalibration(prior.model, examples, lambda));
      return {
        status: 'fitted', point, lambda, questions, modelQuestions,
        calibration: { ...prior, createdAt: now.toISOString(), model, curve, validation: { questions, answerable: questions, documents: 0 }, learned: { labels: questions, modelLabels: modelQuestions, lambda: Number.isFinite(lambda) ? lambda : null, folds: FOLDS, priorCreatedAt: prior.createdAt } },
        note: `${questions} labelled questions: the calibration file's direct answers among them are right ${refuted}, below ${targetPrecision}, and no threshold reaches it: nothing is answered directly until more labels support a threshold`,
      };
    }
    const needed = labelsNeeded(scored, set.totalWeight, targetPrecision);
    return {
      status: 'insufficient', questions, modelQuestions, labelsNeeded: needed,
      note: needed === null
        ? `no threshold's precision on ${questions} labelled questions is above ${targetPrecision} yet, so no estimate of the labels still needed`
        : `${questions} labelled questions do not bound the precision above ${targetPrecision} at any threshold; about ${needed} more would (estimate)`,
    };
  }
  const model = toModel(prior.model, fitRecalibration(prior.model, examples, lambda));
  await tick();
  const calibration: Calibration = {
    ...prior,
    createdAt: now.toISOString(),
    model,
    curve,
    validation: { questions, answerable: questions, documents: 0 },
    learned: { labels: questions, modelLabels: modelQuestions, lambda: Number.isFinite(lambda) ? lambda : null, folds: FOLDS, priorCreatedAt: prior.createdAt },
  };
  return {
    status: 'fitted', calibration, point, lambda, questions, modelQuestions,
    note: `${questions} labelled questions (${modelQuestions} decided by the model); ${how}; threshold ${point.threshold.toFixed(3)} for target ${targetPrecision} (out-of-fold precision ${point.precision.toFixed(3)}, lower bound ${point.precisionLower.toFixed(3)}, coverage ${point.coverage.toFixed(3)})`,
  };
}
