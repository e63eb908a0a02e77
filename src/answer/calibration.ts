/**
 * The calibration file: the router's logistic model, the fusion weights, the abstain rule and
 * the precision/coverage curve measured on validation questions, from which the threshold for a
 * target precision is read; the same again for French questions, when fitted on French data
 * (`languages.fr`). Written by `npm run calibrate`; a default fitted on the shipped development
 * data lives beside this file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SobreError, errorMessage } from '../errors';
import type { FusionWeights } from '../retrieve/hybrid-retriever';
import type { StemLanguage } from '../text/tokens';
import { FEATURE_NAMES } from './features';
import { SELECTOR_FEATURES } from './sentence-selector';
import type { LogisticModel } from './logistic';

export const CALIBRATION_VERSION = 2;

export interface CurvePoint {
  threshold: number;
  /** Direct answers at or above the threshold. */
  answered: number;
  /** Share of direct answers to answerable questions that contain a gold answer. */
  precision: number;
  /** The same over all direct answers, a direct answer to an unanswerable question counting as wrong. */
  precisionAll: number;
  /** Share of unanswerable validation questions that would be answered directly (null: none). */
  unanswerableDirectRate: number | null;
  /** One-sided 95% bootstrap lower bound of the precision. */
  precisionLower: number;
  /** Share of answerable validation questions answered directly. */
  coverage: number;
}

/** What the router uses for the questions of one language, fitted on questions in that language. */
export interface LanguageCalibration {
  datasets: string[];
  /** Picks the answering sentence among the top passages' sentences. */
  selector: LogisticModel;
  /** Turns the evidence for the chosen sentence into the confidence. */
  model: LogisticModel;
  fusion: FusionWeights;
  /** Abstain when the best passage covers less than this share of the question's (IDF-weighted) words. */
  abstainBelowCoverage: number;
  curve: CurvePoint[];
  validation: { questions: number; answerable: number; documents: number };
}

/** The top level is for English questions (and questions in no language Sobre stems). */
export interface Calibration extends LanguageCalibration {
  version: number;
  createdAt: string;
  embedderId: string;
  /** Set when fitted from a corpus's labels (refit.ts): the curve is then over those questions. */
  learned?: { labels: number; modelLabels: number; lambda: number | null; folds: number; priorCreatedAt: string };
  /** For French questions, when fitted on French data; absent, see `languageSection`. */
  languages?: { fr?: LanguageCalibration };
}

/**
 * What the router uses for a question in `language`. A language with no section of its own is
 * routed by the top-level model, but ranked by its lexical signal alone: the fusion's dense weight
 * was measured on English questions, and an encoder may not know the language at all (USE-lite
 * is English-only: on French questions its ranking is near chance).
 */
export function languageSection(calibration: Calibration, language: StemLanguage): LanguageCalibration {
  if (language === 'en') return calibration;
  return calibration.languages?.[language] ?? { ...calibration, fusion: { lexical: calibration.fusion.lexical, dense: 0 } };
}

export interface OperatingPoint {
  targetPrecision: number;
  threshold: number;
  precision: number;
  precisionLower: number;
  coverage: number;
  unanswerableDirectRate: number | null;
}

export const DEFAULT_CALIBRATION_FILE = path.join(__dirname, 'default-calibration.json');

export function loadCalibration(file: string = DEFAULT_CALIBRATION_FILE): Calibration {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SobreError('bad_config', `Cannot read the calibration file ${file}: ${errorMessage(e)}. Run npm run calibrate or unset SOBRE_CALIBRATION.`);
  }
  return parseCalibration(text, `Calibration file ${file}`);
}

/** A calibration from its JSON (a file, or a stored one), checked against this Sobre's features. */
export function parseCalibration(json: string, what: string): Calibration {
  let parsed: Calibration;
  try {
    parsed = JSON.parse(json) as Calibration;
  } catch (e) {
    throw new SobreError('bad_config', `${what} is not valid JSON: ${errorMessage(e)}. Run npm run calibrate or unset SOBRE_CALIBRATION.`);
  }
  if (parsed.version !== CALIBRATION_VERSION) {
    throw new SobreError('bad_config', `${what} is version ${parsed.version}; this Sobre reads version ${CALIBRATION_VERSION}. Run npm run calibrate.`);
  }
  const same = (a: readonly string[] | undefined, b: readonly string[]) => a !== undefined && a.length === b.length && a.every((n, i) => n === b[i]);
  const sections: LanguageCalibration[] = [parsed, ...Object.values(parsed.languages ?? {})];
  if (sections.some((s) => !same(s.model?.featureNames, FEATURE_NAMES) || !same(s.selector?.featureNames, SELECTOR_FEATURES))) {
    throw new SobreError('bad_config', `${what} was fitted on other features than this Sobre computes. Run npm run calibrate.`);
  }
  return parsed;
}

/**
 * The lowest threshold whose bootstrap lower bound on precision reaches the target (most
 * coverage while keeping the promise). Without such a point nothing is answered directly.
 */
export function operatingPoint(curve: readonly CurvePoint[], targetPrecision: number): OperatingPoint {
  let chosen: CurvePoint | undefined;
  for (const p of curve) {
    if (p.precisionLower >= targetPrecision && (!chosen || p.threshold < chosen.threshold)) chosen = p;
  }
  if (!chosen) return { targetPrecision, threshold: Number.POSITIVE_INFINITY, precision: 1, precisionLower: 1, coverage: 0, unanswerableDirectRate: 0 };
  const { threshold, precision, precisionLower, coverage, unanswerableDirectRate } = chosen;
  return { targetPrecision, threshold, precision, precisionLower, coverage, unanswerableDirectRate };
}

/** Seeded PRNG (mulberry32) so a calibration is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson1(rand: () => number): number {
  // Knuth's method for λ = 1.
  const l = Math.exp(-1);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

/**
 * Precision/coverage at every distinct probability, with a one-sided 95% lower bound from a
 * Poisson bootstrap (each replicate reweights every example, so all thresholds are bounded in one
 * pass). Precision is over direct answers to answerable questions; the rate at which questions
 * the corpus cannot answer would be answered directly is kept beside it.
 */
export function precisionCurve(
  examples: readonly { probability: number; correct: boolean; answerable: boolean; weight?: number }[],
  {
    replicates = 400, seed = 7, minAnswered = 20,
    answerableTotal = examples.filter((e) => e.answerable).length,
    unanswerableTotal = examples.filter((e) => !e.answerable).length,
  }: { replicates?: number; seed?: number; minAnswered?: number; answerableTotal?: number; unanswerableTotal?: number } = {},
): CurvePoint[] {
  const sorted = [...examples].sort((a, b) => b.probability - a.probability);
  answerableTotal = Math.max(1, answerableTotal);
  const n = sorted.length;
  const rand = seededRandom(seed);
  const bootPrecision: Float64Array[] = [];
  for (let r = 0; r < replicates; r++) {
    const prec = new Float64Array(n);
    let w = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const k = poisson1(rand) * (sorted[i].weight ?? 1);
      if (sorted[i].answerable) w += k;
      if (sorted[i].correct) c += k;
      prec[i] = w > 0 ? c / w : 1;
    }
    bootPrecision.push(prec);
  }
  const curve: CurvePoint[] = [];
  // Weighted sums (weight 1 unless given: a weak label counts for less).
  let correct = 0;
  let answeredAnswerable = 0;
  let answered = 0;
  let answerableCount = 0;
  for (let i = 0; i < n; i++) {
    const w = sorted[i].weight ?? 1;
    answered += w;
    if (sorted[i].correct) correct += w;
    if (sorted[i].answerable) {
      answeredAnswerable += w;
      answerableCount++;
    }
    const last = i === n - 1 || sorted[i + 1].probability < sorted[i].probability;
    if (!last || answerableCount < minAnswered) continue;
    const samples = bootPrecision.map((p) => p[i]).sort((a, b) => a - b);
    curve.push({
      threshold: sorted[i].probability,
      answered: i + 1,
      precision: correct / answeredAnswerable,
      precisionLower: samples[Math.floor(0.05 * (samples.length - 1))],
      precisionAll: correct / answered,
      coverage: answeredAnswerable / answerableTotal,
      unanswerableDirectRate: unanswerableTotal > 0 ? (answered - answeredAnswerable) / unanswerableTotal : null,
    });
  }
  return curve;
}
