/** What the router saw for one answer, as the labels stage stores it (docs/learning.md). */
import type { Observation } from '../labels/types';
import { questionSha256 } from '../ledger/rows';
import type { Passage } from '../retrieve/types';
import type { LearnerSettings } from './learner';
import type { AnswerRouter, RouteDecision } from './router';

export interface ObserveInput {
  answerId: string;
  question: string;
  router: AnswerRouter;
  /** Null for a known question's answer (no router decision: nothing to learn from). */
  decision: RouteDecision | null;
  confidence: number | null;
  passages: readonly Passage[];
  /** The route the response took (a generator failure makes `generate` into `passages`). */
  route: string;
  /** The generated answer, for a weak label of the candidate. */
  generated?: string | null;
}

/** The question text only with SOBRE_LEDGER_STORE_QUESTIONS=text; direct answers flagged for audit with probability auditRate. */
export function observationOf(input: ObserveInput, settings: Pick<LearnerSettings, 'storeQuestions' | 'auditRate'>, at: Date, random: () => number): Observation {
  const { decision, router, passages } = input;
  const c = decision?.candidate ?? null;
  const passage = c ? passages[c.passageIndex] : undefined;
  return {
    answerId: input.answerId, at, question: settings.storeQuestions === 'text' ? input.question : null,
    questionSha256: questionSha256(input.question), route: input.route, ruledOut: decision?.ruledOut ?? null, probability: input.confidence,
    threshold: router.point.threshold, calibrationId: router.calibrationId,
    audit: input.route === 'direct' && random() < settings.auditRate,
    candidate: c && passage ? {
      chunkId: passage.chunkId, documentId: passage.documentId, title: passage.title, source: passage.source, passage: passage.text,
      passageStart: passage.start, sentenceStart: c.sentenceStart, sentenceEnd: c.sentenceEnd, answer: c.answer, shortAnswer: c.shortAnswer,
    } : null,
    features: c && decision ? exactFeatures(decision) : null,
  };
}

/** The router's features, without the sentence's cosine where the router only estimated it. */
function exactFeatures(decision: RouteDecision): Record<string, number> {
  const { sentence_cosine: cosine, ...rest } = decision.explanation.features;
  return decision.explanation.sentenceCosineComputed ? { ...rest, sentence_cosine: cosine } : rest;
}
