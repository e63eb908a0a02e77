/**
 * The answer router: from the retrieved passages, a direct answer (with its calibrated
 * probability of being correct), a hand-off to the generator, or an abstention.
 *
 *   route(question, passages) → direct  { answer, sentence and short-answer offsets }
 *                             | generate { reason }   (relevant passages, not confident)
 *                             | abstain  { reason }   (the corpus does not cover it)
 */
import type { TermStats } from '../knowledge/types';
import type { FusionWeights } from '../retrieve/hybrid-retriever';
import type { Passage } from '../retrieve/types';
import type { StemLanguage } from '../text/tokens';
import { MAX_ANSWER_CHARS } from './sentence-selector';
import { languageSection, operatingPoint, type Calibration, type LanguageCalibration, type OperatingPoint } from './calibration';
import { computeEvidence, FEATURE_NAMES, questionTerms, type Evidence, type Features, type SentenceCandidate } from './features';
import { contributions, predict, type LogisticModel } from './logistic';


export interface DirectAnswer {
  answer: string;
  passageIndex: number;
  /** Offsets of the answer's sentence (or two) in the passage's document. */
  sentenceStart: number;
  sentenceEnd: number;
  shortAnswer: { text: string; start: number; end: number } | null;
}

export interface RouteExplanation {
  features: Features;
  contributions: Record<string, number>;
  threshold: number;
  abstainBelowCoverage: number;
  /** The sentence the router judged, whichever route it took. */
  candidateSentence: string | null;
  questionType: Evidence['question'];
  /**
   * False when the candidate sentence was not embedded because no cosine could have changed the
   * route: `sentence_cosine` then holds the calibration's mean (contribution 0) and the confidence
   * is an estimate within `confidenceRange`.
   */
  sentenceCosineComputed: boolean;
  confidenceRange?: [number, number];
  /** The language the question was matched and judged in. */
  language: StemLanguage;
}

interface Common {
  confidence: number | null;
  explanation: RouteExplanation;
  /** The answer the router would give directly, whichever route it took (null: no sentence). */
  candidate: DirectAnswer | null;
  /** The rule that decided before the model, if one did. */
  ruledOut: 'abstain' | 'generate' | null;
  /**
   * When the model decided without the sentence's cosine (`sentenceCosineComputed` false): computes
   * it, for the learning loop, which must fit on the real value (observation.ts).
   */
  exactCosine?: () => Promise<number>;
}

export type RouteDecision =
  | ({ route: 'direct' } & DirectAnswer & Common)
  | ({ route: 'generate'; reason: string } & Common)
  | ({ route: 'abstain'; reason: string } & Common);

export interface RouteContext {
  stats: TermStats;
  /** Cosine between the question and a candidate sentence (dense signal for the model). */
  sentenceCosine: (c: SentenceCandidate, passage: Passage) => Promise<number>;
  /** The question's language (`text/language.ts` `questionLanguage`); English when absent. */
  language?: StemLanguage;
}

/** Cut a long sentence to at most MAX_ANSWER_CHARS around the short answer (or its start). */
function clip(text: string, focus: number): { text: string; offset: number } {
  if (text.length <= MAX_ANSWER_CHARS) return { text, offset: 0 };
  const start = Math.max(0, Math.min(text.length - (MAX_ANSWER_CHARS - 2), focus - 100));
  const slice = text.slice(start, start + MAX_ANSWER_CHARS - 2);
  return { text: `${start > 0 ? '…' : ''}${slice}${start + slice.length < text.length ? '…' : ''}`, offset: start };
}

/** The router's features except the sentence's cosine (which needs an embedding). */
async function lexicalEvidence(question: string, passages: readonly Passage[], ctx: RouteContext, selector: LogisticModel | null): Promise<Evidence> {
  const language = ctx.language ?? 'en';
  const idf = await ctx.stats.idf(questionTerms(question, language), language);
  return computeEvidence(question, passages, idf, selector, language);
}

/** The router's features for a question; calibration computes them through this same function. */
export async function gatherEvidence(question: string, passages: readonly Passage[], ctx: RouteContext, selector: LogisticModel | null): Promise<Evidence> {
  const evidence = await lexicalEvidence(question, passages, ctx, selector);
  if (evidence.best) evidence.features.sentence_cosine = await ctx.sentenceCosine(evidence.best, passages[evidence.best.passageIndex]);
  return evidence;
}

const COSINE = FEATURE_NAMES.indexOf('sentence_cosine');

/** The probability with the sentence's cosine at each end of its range (−1 and 1), lowest first. */
function cosineBounds(model: LogisticModel, x: number[]): [number, number] {
  const at = (c: number) => predict(model, x.map((v, i) => (i === COSINE ? c : v)));
  const [a, b] = [at(-1), at(1)];
  return a <= b ? [a, b] : [b, a];
}

/** Abstain and reasoning rules come before the model: such questions never go direct. */
export function ruledOut(evidence: Pick<Evidence, 'features' | 'question'>, passageCount: number, abstainBelowCoverage: number): 'abstain' | 'generate' | null {
  if (passageCount === 0 || evidence.features.passage_coverage < abstainBelowCoverage) return 'abstain';
  if (evidence.question.needsReasoning) return 'generate';
  return null;
}

export interface RouterOptions {
  /** Which stored calibration this is (0: the calibration file). */
  calibrationId?: number;
  /**
   * Set by the live-precision guard: the threshold is read from the curve for this stricter
   * target, while the promise stays `targetPrecision` (see docs/learning.md).
   */
  guardTarget?: number | null;
}

/** Immutable: a new calibration or guard is a new router, swapped whole (AskService.useRouter). */
export class AnswerRouter {
  /** The operating point for English questions (the calibration's top level). */
  readonly point: OperatingPoint;
  readonly calibrationId: number;
  readonly guardTarget: number | null;
  /** Each language's section of the calibration and its operating point (a guard applies to all). */
  private readonly languages: Record<StemLanguage, { section: LanguageCalibration; point: OperatingPoint }>;

  constructor(
    readonly calibration: Calibration,
    targetPrecision: number,
    opts: RouterOptions = {},
  ) {
    this.calibrationId = opts.calibrationId ?? 0;
    this.guardTarget = opts.guardTarget != null && opts.guardTarget > targetPrecision ? opts.guardTarget : null;
    const at = (language: StemLanguage) => {
      const section = languageSection(calibration, language);
      const point = this.guardTarget === null
        ? operatingPoint(section.curve, targetPrecision)
        : { ...operatingPoint(section.curve, this.guardTarget), targetPrecision };
      return { section, point };
    };
    this.languages = { en: at('en'), fr: at('fr') };
    this.point = this.languages.en.point;
  }

  /** The fusion weights for questions in `language`. */
  fusion(language: StemLanguage): FusionWeights {
    return this.languages[language].section.fusion;
  }

  /** The operating point for questions in `language` (`point` is English's). */
  pointFor(language: StemLanguage): OperatingPoint {
    return this.languages[language].point;
  }

  async route(question: string, passages: readonly Passage[], ctx: RouteContext): Promise<RouteDecision> {
    const language = ctx.language ?? 'en';
    const { section, point } = this.languages[language];
    const { model } = section;
    const evidence = await lexicalEvidence(question, passages, ctx, section.selector);
    const rule = ruledOut(evidence, passages.length, section.abstainBelowCoverage);
    // The sentence's embedding is the costliest step of routing: skip it when no cosine could
    // make the question direct (a rule decides, or even a cosine of 1 stays under the threshold).
    let range: [number, number] | undefined;
    if (evidence.best) {
      evidence.features.sentence_cosine = model.means[COSINE];
      range = cosineBounds(model, FEATURE_NAMES.map((n) => evidence.features[n]));
      if (rule === null && range[1] >= point.threshold) {
        evidence.features.sentence_cosine = await ctx.sentenceCosine(evidence.best, passages[evidence.best.passageIndex]);
        range = undefined;
      }
    }
    const x = FEATURE_NAMES.map((n) => evidence.features[n]);
    const probability = evidence.best ? predict(model, x) : 0;
    const explanation: RouteExplanation = {
      features: evidence.features,
      contributions: contributions(model, x),
      threshold: point.threshold,
      abstainBelowCoverage: section.abstainBelowCoverage,
      candidateSentence: evidence.best?.text ?? null,
      questionType: evidence.question,
      sentenceCosineComputed: evidence.best !== null && range === undefined,
      ...(range ? { confidenceRange: range } : {}),
      language,
    };
    const candidate = evidence.best ? directAnswer(evidence.best, passages) : null;
    const best = evidence.best;
    const exactCosine = best && range && rule === null ? () => ctx.sentenceCosine(best, passages[best.passageIndex]) : undefined;
    const common = { confidence: probability, explanation, candidate, ruledOut: rule, ...(exactCosine ? { exactCosine } : {}) };
    if (rule === 'abstain') {
      return { route: 'abstain', reason: 'The documents do not cover this question.', ...common };
    }
    if (rule === 'generate') {
      return { route: 'generate', reason: `Needs reasoning across passages (${evidence.question.reason}).`, ...common };
    }
    if (!candidate || probability < point.threshold) {
      return { route: 'generate', reason: 'No passage sentence answers the question with enough confidence.', ...common };
    }
    return { route: 'direct', ...candidate, ...common };
  }
}

/** The answer as the service returns it (clipped around the short answer); calibration labels this same text. */
export function directAnswer(best: SentenceCandidate, passages: readonly Passage[]): DirectAnswer {
  const passage = passages[best.passageIndex];
  const clipped = clip(passage.text.slice(best.start, best.answerEnd), best.shortAnswer?.start ?? 0);
  const sentenceStart = passage.start + best.start;
  return {
    answer: clipped.text,
    passageIndex: best.passageIndex,
    sentenceStart,
    sentenceEnd: passage.start + best.answerEnd,
    shortAnswer: best.shortAnswer
      ? { text: best.shortAnswer.text, start: sentenceStart + best.shortAnswer.start, end: sentenceStart + best.shortAnswer.end }
      : null,
  };
}
