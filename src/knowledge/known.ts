/** What every known-answers store shares: the question's key and the row a store reads back. */
import type { ChunkSource, KnownAnswer, KnownGeneration, KnownKind } from './types';

/** NFKC, lower case, punctuation to spaces, collapsed: one entry per question however typed. */
export function questionKey(question: string): string {
  return question.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

export interface KnownRow {
  id: number;
  kind: KnownKind;
  namespace: string;
  question: string;
  answer: string;
  documentId: number | null;
  spanStart: number | null;
  spanEnd: number | null;
  generation: KnownGeneration | null;
  createdMs: number;
  expiresMs: number | null;
  usedMs: number;
  hits: number;
  citedChunkIds: number[];
}

/** `citations`: the cited chunks resolved, in the row's order. */
export function toKnownAnswer(r: KnownRow, citations: ChunkSource[]): KnownAnswer {
  return {
    id: r.id,
    kind: r.kind,
    namespace: r.namespace,
    question: r.question,
    answer: r.answer,
    citations,
    span: r.documentId !== null && r.spanStart !== null && r.spanEnd !== null ? { documentId: r.documentId, start: r.spanStart, end: r.spanEnd } : null,
    generation: r.generation,
    createdAt: new Date(r.createdMs),
    expiresAt: r.expiresMs === null ? null : new Date(r.expiresMs),
    lastUsedAt: new Date(r.usedMs),
    hits: r.hits,
  };
}
