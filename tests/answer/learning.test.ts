/**
 * The learning loop on synthetic data with a known answer: the refit finds the threshold where
 * correctness switches, says how many labels it lacks when too few, and the guard raises the
 * threshold (fewer direct answers) when audit labels say precision fell. Real SQLite label store.
 */
import { seededRandom, type Calibration } from '../../src/answer/calibration';
import { FEATURE_NAMES } from '../../src/answer/features';
import { Learner, type LearnerSettings } from '../../src/answer/learner';
import { predict } from '../../src/answer/logistic';
import { combineLabels, labelSet, refitCalibration } from '../../src/answer/refit';
import { wilsonInterval } from '../../src/answer/audit';
import { AnswerRouter, type RouteDecision } from '../../src/answer/router';
import { SqliteLabelStore } from '../../src/labels/sqlite-store';
import type { Observation } from '../../src/labels/types';
import { testCalibration } from '../server/helpers';

const SETTINGS: LearnerSettings = {
  targetPrecision: 0.9, auditRate: 1, refitEvery: 0, feedbackLabelWeight: 0.5, generatorLabelWeight: 0.25, storeQuestions: 'text', retentionDays: 90,
};

/** A prior that knows the signal's direction but not where correctness switches (it says 0.9 at 0.4). */
function prior(): Calibration {
  const c = testCalibration();
  c.model.weights = FEATURE_NAMES.map((n) => (n === 'sentence_plain_coverage' ? 4 : 0));
  c.model.bias = -4 * 0.4 + Math.log(9);
  return c;
}

function features(coverage: number): Record<string, number> {
  return Object.fromEntries(FEATURE_NAMES.map((n) => [n, n === 'sentence_plain_coverage' ? coverage : 0]));
}

function observation(id: number, coverage: number, extra: Partial<Observation> = {}): Observation {
  return {
    answerId: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`, at: new Date(1_700_000_000_000 + id), question: `question ${id}`, questionSha256: `sha-${id}`,
    route: 'generate', ruledOut: null, probability: 0.5, threshold: 0.9, calibrationId: 0, audit: false,
    candidate: { chunkId: 1, documentId: 1, title: 't', source: 's', passage: 'p', passageStart: 0, sentenceStart: 0, sentenceEnd: 1, answer: 'a', shortAnswer: null },
    features: features(coverage), language: 'en', ...extra,
  };
}

/** Labelled questions whose candidate is right exactly when coverage ≥ 0.7 (95% of the time: label noise). */
async function labelledStore(n: number, seed = 1): Promise<SqliteLabelStore> {
  const store = SqliteLabelStore.open(':memory:');
  const rand = seededRandom(seed);
  for (let i = 0; i < n; i++) {
    const coverage = rand();
    const o = observation(i, coverage);
    await store.addObservation(o);
    const right = coverage >= 0.7 ? rand() < 0.97 : rand() < 0.05;
    await store.addLabel({ answerId: o.answerId, correct: right, source: 'reviewer', weight: 1, by: 'r', at: o.at });
  }
  return store;
}

const coverageAt = (model: Calibration['model'], p: number): number => {
  // The model is monotone in coverage: bisect for the coverage where it predicts p.
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 50; k++) {
    const mid = (lo + hi) / 2;
    if (predict(model, FEATURE_NAMES.map((n) => features(mid)[n])) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
};

describe('refit from labels', () => {
  it('finds the known switch point and a threshold above it, from the prior that had it wrong', async () => {
    const store = await labelledStore(600);
    const result = await refitCalibration(prior(), labelSet(await store.labelled(), FEATURE_NAMES), 0.9);
    expect(result.status).toBe('fitted');
    if (result.status !== 'fitted') return;
    const cut = coverageAt(result.calibration.model, result.point.threshold);
    // Correctness switches at 0.7; the promise (lower bound ≥ 0.9) puts the threshold just there or above.
    expect(cut).toBeGreaterThan(0.66);
    expect(cut).toBeLessThan(0.8);
    expect(result.point.coverage).toBeGreaterThan(0.18);
    expect(result.point.precisionLower).toBeGreaterThanOrEqual(0.9);
    expect(coverageAt(prior().model, 0.9)).toBeLessThan(0.45); // the prior would have answered far below 0.7
    await store.close();
  });

  it('keeps the prior with too few labels and says how many more it needs', async () => {
    const store = await labelledStore(40, 3);
    const result = await refitCalibration(prior(), labelSet(await store.labelled(), FEATURE_NAMES), 0.97);
    expect(result.status).toBe('insufficient');
    if (result.status === 'insufficient') {
      expect(result.labelsNeeded).toBeGreaterThan(0);
      expect(result.note).toMatch(/more would/);
    }
    const few = await refitCalibration(prior(), labelSet((await store.labelled()).slice(0, 10), FEATURE_NAMES), 0.9);
    expect(few).toMatchObject({ status: 'insufficient', note: expect.stringMatching(/at least 30/) });
    await store.close();
  });

  it("learns one language's section: French questions' labels are left out of the English refit, and the other way round", async () => {
    const store = await labelledStore(200, 7);
    for (let i = 0; i < 50; i++) {
      const o = observation(1000 + i, 0.9, { language: 'fr' });
      await store.addObservation(o);
      await store.addLabel({ answerId: o.answerId, correct: false, source: 'reviewer', weight: 1, by: 'r', at: o.at });
    }
    const rows = await store.labelled();
    expect(rows).toHaveLength(250);
    expect(labelSet(rows, FEATURE_NAMES).questions).toBe(200);
    const french = labelSet(rows, FEATURE_NAMES, 'fr');
    expect(french.questions).toBe(50);
    expect(french.examples.every((e) => !e.correct)).toBe(true);
    await store.close();
  });

  it('combines labels: reviewers decide, others are weighted below them', () => {
    const at = new Date();
    const l = (source: 'reviewer' | 'feedback' | 'generator', correct: boolean, weight: number, by: string | null) => ({ answerId: 'a', source, correct, weight, by, at });
    expect(combineLabels([l('feedback', false, 0.5, 'x'), l('reviewer', true, 1, 'r')])).toEqual({ y: 1, weight: 1 });
    expect(combineLabels([l('feedback', true, 0.5, 'x'), l('generator', false, 0.25, null)])).toEqual({ y: 0.5 / 0.75, weight: 0.75 });
  });

  it('uses the stored labels through the Learner, switches to the new calibration and can restore the file', async () => {
    const store = await labelledStore(600);
    const learner = new Learner({ store, base: prior(), settings: SETTINGS });
    const switched: AnswerRouter[] = [];
    learner.onSwitch((r) => switched.push(r));
    const before = learner.router.point.threshold;
    const outcome = await learner.refit();
    expect(outcome.status).toBe('fitted');
    expect(learner.router.calibrationId).toBe(outcome.calibrationId);
    expect(learner.router.point.threshold).not.toBe(before);
    expect(switched.at(-1)).toBe(learner.router);
    expect((await store.calibrations()).map((c) => [c.id, c.active, c.origin])).toEqual([[outcome.calibrationId, true, 'labels']]);
    // Another process sharing the store sees it on its next poll.
    const other = new Learner({ store, base: prior(), settings: SETTINGS });
    await other.refresh();
    expect(other.router.calibrationId).toBe(outcome.calibrationId);
    await learner.restore(0);
    expect(learner.router.calibrationId).toBe(0);
    await other.refresh();
    expect(other.router.calibrationId).toBe(0);
    await store.close();
  });
});

describe('a calibration fitted from another calibration file', () => {
  it('is never put in force', async () => {
    const store = SqliteLabelStore.open(':memory:');
    const id = await store.addCalibration({ createdAt: new Date(), origin: 'labels', labels: 1, baseSha256: 'another file', note: '' }, JSON.stringify(prior()), true);
    const errors: string[] = [];
    const learner = new Learner({ store, base: prior(), settings: SETTINGS, onError: (what) => errors.push(what) });
    await learner.refresh();
    await learner.refresh();
    expect(learner.router.calibrationId).toBe(0);
    expect(errors).toEqual(['calibration']); // said once, not at every poll
    await expect(learner.restore(id)).rejects.toThrow(/another calibration file/);
    await store.close();
  });
});

describe('retention', () => {
  it('drops question text older than SOBRE_LEDGER_RETENTION_DAYS', async () => {
    const store = SqliteLabelStore.open(':memory:');
    const now = new Date('2024-06-01T00:00:00Z');
    await store.addObservation(observation(1, 0.5, { at: new Date('2024-05-01T00:00:00Z') }));
    await store.addObservation(observation(2, 0.5, { at: new Date('2024-05-31T00:00:00Z') }));
    const learner = new Learner({ store, base: prior(), settings: { ...SETTINGS, retentionDays: 7 }, now: () => now });
    await learner.refresh();
    expect((await store.observation(observation(1, 0).answerId))?.question).toBeNull();
    expect((await store.observation(observation(2, 0).answerId))?.question).toBe('question 2');
    await store.close();
  });
});

describe('automatic refit', () => {
  it('refits once SOBRE_REFIT_EVERY new labels have arrived, not before', async () => {
    const store = SqliteLabelStore.open(':memory:');
    const learner = new Learner({ store, base: prior(), settings: { ...SETTINGS, refitEvery: 300 } });
    const rand = seededRandom(9);
    for (let i = 0; i < 300; i++) {
      const coverage = rand();
      const o = observation(i, coverage);
      await store.addObservation(o);
      expect(learner.lastRefit).toBeNull();
      await learner.label(o.answerId, coverage >= 0.7, 'reviewer', 'r');
    }
    for (let k = 0; k < 200 && learner.lastRefit === null; k++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(learner.lastRefit).toMatchObject({ status: 'fitted' });
    expect(learner.router.calibrationId).toBe(learner.lastRefit?.calibrationId);
    expect(await store.claimRefit(300)).toBe(false); // claimed: another process does not refit the same labels
    await store.close();
  }, 30_000);
});

describe('the guard', () => {
  it('computes the Wilson interval', () => {
    const [lo, hi] = wilsonInterval(45, 50)!;
    expect(lo).toBeCloseTo(0.786, 2);
    expect(hi).toBeCloseTo(0.957, 2);
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('raises the threshold when reviewed audit answers say precision fell, and direct answers become fewer', async () => {
    const store = SqliteLabelStore.open(':memory:');
    const base = prior();
    // A curve that promised 0.93 at 0.5 and is certain only above 0.95.
    base.curve = [
      { threshold: 0.95, answered: 40, precision: 1, precisionLower: 1, precisionAll: 1, coverage: 0.1, unanswerableDirectRate: null },
      { threshold: 0.5, answered: 200, precision: 0.93, precisionLower: 0.91, precisionAll: 0.93, coverage: 0.5, unanswerableDirectRate: null },
    ];
    const learner = new Learner({ store, base, settings: SETTINGS });
    expect(learner.router.point.threshold).toBe(0.5);
    const probabilities = Array.from({ length: 200 }, (_, i) => i / 200);
    const direct = (r: AnswerRouter) => probabilities.filter((p) => p >= r.point.threshold).length;
    const coverageBefore = direct(learner.router);
    // 40 audited direct answers, 28 right: 0.7, Wilson upper bound 0.82 < 0.9.
    const decision = { ruledOut: null, confidence: 0.6, explanation: { features: features(0.5) }, candidate: null } as unknown as RouteDecision;
    for (let i = 0; i < 40; i++) {
      learner.observe({ answerId: `a${i}`, question: `q${i}`, router: learner.router, decision, confidence: 0.6, passages: [], route: 'direct' });
      await learner.flush();
      expect(await learner.label(`a${i}`, i < 28, 'reviewer', 'r')).toBe(true);
    }
    expect(learner.router.guardTarget).not.toBeNull();
    expect(learner.router.point.threshold).toBe(0.95);
    expect(learner.router.point.targetPrecision).toBe(0.9); // the promise itself is unchanged
    expect(direct(learner.router)).toBeLessThan(coverageBefore);
    const status = await learner.status();
    expect(status.guard.active).toBe(true);
    expect(status.audit).toMatchObject({ reviewed: 40, correct: 28, precision: 0.7 });
    expect(status.audit.interval95![1]).toBeLessThan(0.9);
    // Kept in the store: another process applies the same guard.
    const other = new Learner({ store, base, settings: SETTINGS });
    await other.refresh();
    expect(other.router.point.threshold).toBe(0.95);
    await store.close();
  });
});
