/**
 * The shipped matcher end to end: real USE-lite vectors, the real hnswlib index, the fitted
 * model at its default target. Known questions a cosine cache would serve for look-alikes.
 */
import { UseLiteEmbedder } from '../../src/embed/use-lite';
import { HnswIndex } from '../../src/index/hnsw-index';
import { KNOWN_QUESTIONS_HNSW } from '../../src/evaluation/cache-simulation';
import { QuestionMatcher, type KnownCandidate } from '../../src/match/matcher';

const KNOWN = [
  'How do I learn to play the guitar?',
  "What's the capital of France?",
  'How do you know if you are in love?',
  'How many calories are in 2 eggs?',
  'What is the best way to learn Python?',
  'Where do I get a visa for India?',
  'How do I move from Texas to California?',
  'How can I improve my English?',
];

let embedder: UseLiteEmbedder;
let index: HnswIndex;
let known: KnownCandidate[];

beforeAll(async () => {
  embedder = await UseLiteEmbedder.create();
  const vectors = await embedder.embed(KNOWN);
  index = HnswIndex.inMemory(embedder.id, embedder.dimension, KNOWN_QUESTIONS_HNSW);
  known = KNOWN.map((text, id) => ({ id, text, vector: vectors[id] }));
  for (const k of known) index.add(k.id, k.vector);
});

async function lookUp(matcher: QuestionMatcher, question: string) {
  const [vector] = await embedder.embed([question]);
  const hits = index.search(vector, matcher.candidates);
  return { nearest: known[hits[0].label], cosine: hits[0].cosine, match: matcher.best(question, vector, hits.map((h) => known[h.label])) };
}

describe('QuestionMatcher with USE-lite (default target wrong-hit rate 2%)', () => {
  const matcher = QuestionMatcher.load(undefined, { embedderId: 'use-lite@0.2.0' });

  it.each([
    ['What is the capital of France?', "What's the capital of France?"],
    ['what is the best way to learn python', 'What is the best way to learn Python?'],
  ])('a rewording hits: %s', async (question, expected) => {
    const { match } = await lookUp(matcher, question);
    expect(match?.candidate.text).toBe(expected);
    expect(match!.probability).toBeGreaterThanOrEqual(matcher.threshold);
  });

  it.each([
    ['a negation', 'How do you know if you are not in love?', 'How do you know if you are in love?'],
    ['a number', 'How many calories are in 3 eggs?', 'How many calories are in 2 eggs?'],
    ['a name', 'What is the best way to learn Java?', 'What is the best way to learn Python?'],
    ['a question-word', 'How can I get a visa for India?', 'Where do I get a visa for India?'],
    ['a word-order', 'How do I move from California to Texas?', 'How do I move from Texas to California?'],
  ])('%s change misses though the look-alike is the nearest known question', async (_, question, lookAlike) => {
    const { nearest, cosine, match } = await lookUp(matcher, question);
    expect(nearest.text).toBe(lookAlike);
    expect(cosine).toBeGreaterThan(0.75); // a cosine cache at 0.75 would serve the look-alike's answer
    expect(match).toBeNull();
  });

  it('a looser target lets close paraphrases through, still not the look-alikes', async () => {
    const loose = QuestionMatcher.load(undefined, { targetWrongHitRate: 0.1 });
    expect(loose.threshold).toBeLessThan(matcher.threshold);
    expect((await lookUp(loose, 'How do I improve my English?')).match?.candidate.text).toBe('How can I improve my English?');
    expect((await lookUp(matcher, 'How do I improve my English?')).match).toBeNull();
    expect((await lookUp(loose, 'How many calories are in 3 eggs?')).match).toBeNull();
    expect((await lookUp(loose, 'What is the best way to learn Java?')).match).toBeNull();
  });
});
