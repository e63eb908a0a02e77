/**
 * `QuestionMatcher`: is a question the same question as a known one? Judges the candidates the
 * known-question index returns (their texts and vectors) with the fitted model and answers the
 * most probable one when it reaches the threshold for the target wrong-hit rate.
 */
import { SobreError } from '../errors';
import { predictTrees } from './boosted-trees';
import { questionKey } from '../text/tokens';
import { analyseQuestion, type QuestionAnalysis } from './analysis';
import { featureVector, pairFeatures, type MatchFeatures } from './features';
import { DEFAULT_MATCHER_FILE, loadMatcherFile, matchOperatingPoint, type MatcherFile, type MatchOperatingPoint } from './model';
import { QuestionTermStats } from './term-stats';

export interface KnownCandidate {
  id: number;
  text: string;
  vector: Float32Array;
}

export interface MatchScore {
  /** The model's probability that the two are the same question. */
  probability: number;
  features: MatchFeatures;
}

export interface QuestionMatch<C extends KnownCandidate = KnownCandidate> extends MatchScore {
  candidate: C;
  threshold: number;
}

export interface MatcherOptions {
  /** Wrong hits the threshold allows, as a share of hits (bootstrap upper bound on validation). */
  targetWrongHitRate?: number;
  /** The embedder whose vectors will be given; refused when the file was fitted on another one. */
  embedderId?: string;
}

function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new SobreError('bad_request', `Vectors of length ${a.length} and ${b.length} cannot be compared`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export class QuestionMatcher {
  readonly operatingPoint: MatchOperatingPoint;
  private readonly stats: QuestionTermStats;

  constructor(
    readonly file: MatcherFile,
    { targetWrongHitRate = 0.02, embedderId }: MatcherOptions = {},
  ) {
    if (!(targetWrongHitRate >= 0 && targetWrongHitRate < 1)) {
      throw new SobreError('bad_config', `The target wrong-hit rate must be in [0, 1), not ${targetWrongHitRate}`);
    }
    if (embedderId !== undefined && embedderId !== file.embedderId) {
      throw new SobreError('embedder_mismatch', `The question matcher was fitted on ${file.embedderId} vectors, not ${embedderId}. Run npm run fit:matcher with this embedder.`);
    }
    this.stats = new QuestionTermStats(file.termStats);
    this.operatingPoint = matchOperatingPoint(file.curve, targetWrongHitRate);
  }

  static load(file: string = DEFAULT_MATCHER_FILE, options: MatcherOptions = {}): QuestionMatcher {
    return new QuestionMatcher(loadMatcherFile(file), options);
  }

  /** How many nearest known questions to fetch from the index and judge. */
  get candidates(): number {
    return this.file.candidates;
  }

  get threshold(): number {
    return this.operatingPoint.threshold;
  }

  thresholdFor(targetWrongHitRate: number): MatchOperatingPoint {
    return matchOperatingPoint(this.file.curve, targetWrongHitRate);
  }

  /**
   * `askedKey`: the asked question's `questionKey`; the same words in the same order (case and
   * punctuation aside) are the same question, whatever the model would say.
   */
  score(question: string | QuestionAnalysis, vector: Float32Array, candidate: KnownCandidate, askedKey?: string): MatchScore {
    const asked = typeof question === 'string' ? analyseQuestion(question) : question;
    const features = pairFeatures(analyseQuestion(candidate.text), asked, dot(vector, candidate.vector), this.stats);
    const key = askedKey ?? (typeof question === 'string' ? questionKey(question) : undefined);
    if (key !== undefined && key === questionKey(candidate.text)) return { probability: 1, features };
    return { probability: predictTrees(this.file.model, featureVector(features)), features };
  }

  /** The most probable candidate, whatever its probability (null when there are none). */
  mostProbable<C extends KnownCandidate>(question: string, vector: Float32Array, candidates: readonly C[]): QuestionMatch<C> | null {
    const asked = analyseQuestion(question);
    const key = questionKey(question);
    let best: QuestionMatch<C> | null = null;
    for (const candidate of candidates) {
      const s = this.score(asked, vector, candidate, key);
      if (!best || s.probability > best.probability) best = { ...s, candidate, threshold: this.threshold };
    }
    return best;
  }

  /** The most probable candidate when it reaches the threshold, else null. */
  best<C extends KnownCandidate>(question: string, vector: Float32Array, candidates: readonly C[]): QuestionMatch<C> | null {
    const match = this.mostProbable(question, vector, candidates);
    return match && match.probability >= this.threshold ? match : null;
  }
}
