import { loadCalibration, type Calibration } from '../../src/answer/calibration';
import { FEATURE_NAMES } from '../../src/answer/features';
import { predict } from '../../src/answer/logistic';
import { observationOf } from '../../src/answer/observation';
import { AnswerRouter, gatherEvidence, type RouteContext } from '../../src/answer/router';
import type { Passage } from '../../src/retrieve/types';

const NOBEL = 'The prize is awarded every year. The first Nobel Prize in Physics was awarded in 1901 to Wilhelm Röntgen. It came with a medal.';
const QUESTION = 'When was the first Nobel Prize in Physics awarded?';

function passage(text: string): Passage {
  return { chunkId: 1, documentId: 1, title: 'Nobel Prize in Physics', source: '/x.md', name: 'x.md', text, start: 0, end: text.length, score: 1, bm25: 10, cosine: 0.5, lexicalRank: 1, denseRank: 1 };
}

/** The shipped calibration with a one-point curve, so the threshold is the one given. */
function calibrationAt(threshold: number): Calibration {
  const c = loadCalibration();
  return { ...c, abstainBelowCoverage: 0, curve: [{ threshold, answered: 100, precision: 1, precisionAll: 1, precisionLower: 1, coverage: 0.5, unanswerableDirectRate: null }] };
}

/** Flat IDF, and a sentence cosine fixed by the test, counting the embeddings it stands for. */
function context(cosine: number): RouteContext & { embedded: number } {
  const ctx = {
    embedded: 0,
    stats: { idf: async (terms: readonly string[]) => new Map(terms.map((t) => [t, 1])) },
    sentenceCosine: async () => {
      ctx.embedded++;
      return cosine;
    },
  };
  return ctx;
}

describe('the router embeds the candidate sentence only when its cosine can change the route', () => {
  const passages = [passage(NOBEL)];

  it('skips the embedding when even a cosine of 1 stays under the threshold, and says so', async () => {
    const ctx = context(0.9);
    const d = await new AnswerRouter(calibrationAt(1.5), 0.9).route(QUESTION, passages, ctx);
    expect(ctx.embedded).toBe(0);
    expect(d.route).toBe('generate');
    expect(d.explanation.sentenceCosineComputed).toBe(false);
    const [low, high] = d.explanation.confidenceRange ?? [NaN, NaN];
    expect(low).toBeLessThan(high);
    expect(d.confidence).toBeGreaterThanOrEqual(low);
    expect(d.confidence).toBeLessThanOrEqual(high);
  });

  it('leaves the estimated cosine out of what the learning loop stores, and can compute the real one', async () => {
    const ctx = context(0.9);
    const router = new AnswerRouter(calibrationAt(1.5), 0.9);
    const d = await router.route(QUESTION, passages, ctx);
    const o = observationOf({ answerId: 'a', question: QUESTION, router, decision: d, confidence: d.confidence, passages, route: d.route }, { storeQuestions: 'text', auditRate: 0 }, new Date(), () => 1);
    expect(o.features).not.toBeNull();
    expect(o.features).not.toHaveProperty('sentence_cosine');
    expect(await d.exactCosine?.()).toBe(0.9);
    expect(ctx.embedded).toBe(1);
  });

  it('embeds it when the question could go direct, and the confidence is then exact', async () => {
    const ctx = context(0.7);
    const d = await new AnswerRouter(calibrationAt(0), 0.9).route(QUESTION, passages, ctx);
    expect(ctx.embedded).toBe(1);
    expect(d.route).toBe('direct');
    expect(d.explanation.sentenceCosineComputed).toBe(true);
    expect(d.explanation.confidenceRange).toBeUndefined();
    expect(d.explanation.features.sentence_cosine).toBe(0.7);
    expect(d.exactCosine).toBeUndefined();
  });

  it('takes the route the full model takes, for any threshold and cosine', async () => {
    const model = loadCalibration().model;
    for (const cosine of [-1, -0.3, 0.2, 0.55, 0.9, 1]) {
      const evidence = await gatherEvidence(QUESTION, passages, context(cosine), loadCalibration().selector);
      const full = predict(model, FEATURE_NAMES.map((n) => evidence.features[n]));
      for (const threshold of [0.05, 0.2, 0.4, 0.5, 0.6, 0.8, 0.95, full, full + 1e-9]) {
        const d = await new AnswerRouter(calibrationAt(threshold), 0.9).route(QUESTION, passages, context(cosine));
        expect([cosine, threshold, d.route]).toEqual([cosine, threshold, full >= threshold ? 'direct' : 'generate']);
      }
    }
  });
});
