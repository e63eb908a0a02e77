/** What the router saw for one answer, as the labels stage stores it (docs/learning.md). */
import type { CandidateAnswer, Observation } from '../labels/types';
import { questionSha256 } from '../ledger/rows';
import type { Passage } from '../retrieve/types';
import type { LearnerSettings } from './learner';
import type { KnownHit } from './known-questions';
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
  /** The known question that answered, when one did: its answer is what a reviewer judges. */
  known?: KnownHit | null;
}

/** A known hit as a candidate: its answer, its first cited passage, a FAQ's answer span highlighted. */
function knownCandidate(hit: KnownHit): CandidateAnswer | null {
  const { entry, probability } = hit;
  const c = entry.citations[0];
  if (!c) return null;
  const span = entry.span && entry.span.documentId === c.documentId ? entry.span : { start: c.start, end: c.start };
  return {
    chunkId: c.chunkId, documentId: c.documentId, title: c.title, source: c.source, passage: c.text, passageStart: c.start,
    sentenceStart: span.start, sentenceEnd: span.end, answer: entry.answer, shortAnswer: null,
    matched: { question: entry.question, kind: entry.kind, probability },
  };
}

/**
 * The question text only with SOBRE_LEDGER_STORE_QUESTIONS=text; direct answers and known-question
 * hits flagged for audit with probability auditRate.
 */
export function observationOf(input: ObserveInput, settings: Pick<LearnerSettings, 'storeQuestions' | 'auditRate'>, at: Date, random: () => number): Observation {
  const { decision, router, passages } = input;
  const c = decision?.candidate ?? null;
  const passage = c ? passages[c.passageIndex] : undefined;
  return {
    answerId: input.answerId, at, question: settings.storeQuestions === 'text' ? input.question : null,
    questionSha256: questionSha256(input.question), route: input.route, ruledOut: decision?.ruledOut ?? null, probability: input.confidence,
    threshold: decision?.explanation.threshold ?? router.point.threshold, calibrationId: router.calibrationId,
    audit: (input.route === 'direct' || Boolean(input.known)) && random() < settings.auditRate,
    candidate: input.known ? knownCandidate(input.known) : c && passage ? {
      chunkId: passage.chunkId, documentId: passage.documentId, title: passage.title, source: passage.source, passage: passage.text,
      passageStart: passage.start, sentenceStart: c.sentenceStart, sentenceEnd: c.sentenceEnd, answer: c.answer, shortAnswer: c.shortAnswer,
    } : null,
    features: c && decision ? exactFeatures(decision) : null,
    language: decision?.explanation.language ?? 'en',
  };
}

/** The router's features, without the sentence's cosine where the router only estimated it. */
function exactFeatures(decision: RouteDecision): Record<string, number> {
  const { sentence_cosine: cosine, ...rest } = decision.explanation.features;
  return decision.explanation.sentenceCosineComputed ? { ...rest, sentence_cosine: cosine } : rest;
}
