/**
 * The behaviour every `LabelStore` must show: each implementation's test file calls
 * `labelStoreContract` with a subject. `config(location)` is what `openLabelStore` takes to open
 * the store at a location; two opens of one location are two processes (or instances) sharing it.
 */
import { Learner, type LearnerSettings } from '../../src/answer/learner';
import { openLabelStore } from '../../src/labels/open-store';
import type { LabelStore, Observation } from '../../src/labels/types';
import type { SobreConfig } from '../../src/config';
import { testCalibration } from '../server/helpers';

export interface LabelStoreSubject {
  location(): Promise<string>;
  config(location: string): Pick<SobreConfig, 'dataDir' | 'databaseUrl' | 'databaseSchema'>;
  /** Before a read-only open: what a report finds when the service never ran (SQLite needs its file). */
  beforeReadOnly?(location: string): void;
  dispose(location: string): Promise<void>;
}

const T0 = Date.parse('2024-05-01T00:00:00Z');
const SETTINGS: LearnerSettings = {
  targetPrecision: 0.9, auditRate: 0.2, refitEvery: 0, feedbackLabelWeight: 0.5, generatorLabelWeight: 0.25, storeQuestions: 'text', retentionDays: 90,
};

function answerId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

function observation(n: number, extra: Partial<Observation> = {}): Observation {
  return {
    answerId: answerId(n), at: new Date(T0 + n * 1000), question: `question ${n}?`, questionSha256: `sha-${n}`, route: 'generate', ruledOut: null,
    probability: 0.42, threshold: 0.9, calibrationId: 0, audit: false,
    candidate: {
      chunkId: 7, documentId: 3, title: 'Tea', source: '/docs/tea.md', passage: 'Green tea is steeped at 80 degrees.', passageStart: 12,
      sentenceStart: 12, sentenceEnd: 47, answer: 'Green tea is steeped at 80 degrees.', shortAnswer: { text: '80 degrees', start: 36, end: 46 },
    },
    features: { sentence_plain_coverage: 0.75, dense_cosine: -0.125 }, language: 'en',
    ...extra,
  };
}

const label = (n: number, correct: boolean, source: 'reviewer' | 'feedback' | 'generator' = 'reviewer', by: string | null = 'alice', atS = n) =>
  ({ answerId: answerId(n), correct, source, weight: source === 'reviewer' ? 1 : 0.5, by, at: new Date(T0 + atS * 1000) });

const record = (note: string, baseSha256 = 'base') => ({ createdAt: new Date(T0), origin: 'labels', labels: 40, baseSha256, note });

export function labelStoreContract(name: string, subject: LabelStoreSubject): void {
  describe(`LabelStore contract: ${name}`, () => {
    let location: string;
    const opened: LabelStore[] = [];
    const open = async () => {
      const s = await openLabelStore(subject.config(location));
      opened.push(s);
      return s;
    };
    const openReadOnly = async () => {
      const s = await openLabelStore(subject.config(location), { readonly: true });
      if (s) opened.push(s);
      return s;
    };

    beforeEach(async () => {
      location = await subject.location();
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await subject.dispose(location);
    });

    test('an observation reads back field for field; an unbounded threshold reads back above any probability', async () => {
      const store = await open();
      expect(store.writable).toBe(true);
      const full = observation(1, { audit: true, route: 'direct', calibrationId: 4, ruledOut: null });
      const bare = observation(2, { question: null, candidate: null, features: null, probability: null, ruledOut: 'needs_reasoning', threshold: Infinity, language: 'fr' });
      await store.addObservation(full);
      await store.addObservation(bare);
      expect(await store.observation(full.answerId)).toEqual(full);
      expect(await store.observation(bare.answerId)).toEqual({ ...bare, threshold: expect.any(Number) });
      expect((await store.observation(bare.answerId))!.threshold).toBeGreaterThan(1e300);
      expect(await store.observation(answerId(99))).toBeNull();
      // The message, not toThrow(): a native module's error class belongs to the first test file's realm in a jest worker.
      await expect(store.addObservation(full)).rejects.toHaveProperty('message', expect.stringMatching(/unique|duplicate/i));
    });

    test('labels: one per answer, source and key (a second replaces the first); none for an unknown answer', async () => {
      const store = await open();
      await store.addObservation(observation(1));
      await store.addObservation(observation(2, { features: null }));
      expect(await store.addLabel(label(1, true))).toBe(true);
      expect(await store.addLabel(label(1, false, 'reviewer', 'alice', 5))).toBe(true);
      expect(await store.addLabel(label(1, true, 'reviewer', 'bob'))).toBe(true);
      expect(await store.addLabel(label(1, true, 'generator', null))).toBe(true);
      expect(await store.addLabel(label(2, true))).toBe(true);
      expect(await store.addLabel(label(99, true))).toBe(false);
      expect(await store.labelCount()).toBe(4);
      const labelled = await store.labelled();
      expect(labelled.map((l) => l.observation)).toEqual([observation(1)]); // observation 2 has no features
      const byKey = labelled[0].labels.map((l) => [l.source, l.by, l.correct, l.weight, l.at.getTime()]).sort();
      expect(byKey).toEqual([['generator', null, true, 0.5, T0 + 1000], ['reviewer', 'alice', false, 1, T0 + 5000], ['reviewer', 'bob', true, 1, T0 + 1000]]);
    });

    test('the review pools: flagged direct answers for the audit, the latest others for review; reviewed, skipped and purged ones leave', async () => {
      const store = await open();
      for (let n = 1; n <= 4; n++) await store.addObservation(observation(n, { audit: true, route: 'direct' }));
      await store.addObservation(observation(5, { audit: true, route: 'generate' })); // flagged, but not a direct answer
      for (let n = 6; n <= 9; n++) await store.addObservation(observation(n));
      await store.addObservation(observation(10, { candidate: null }));
      await store.addObservation(observation(11, { question: null }));
      await store.addLabel(label(1, true));
      await store.addLabel(label(6, true, 'feedback', 'carol')); // feedback does not take it off the review queue
      await store.addLabel(label(7, false));
      await store.addSkip(answerId(2), 'alice', new Date(T0));
      await store.addSkip(answerId(2), 'alice', new Date(T0 + 1)); // twice: once
      await store.addSkip(answerId(8), 'alice', new Date(T0));
      await store.addSkip(answerId(99), 'alice', new Date(T0)); // unknown: nothing

      const ids = (os: Observation[]) => os.map((o) => o.answerId);
      expect(ids(await store.pendingAudit('alice', 10)).sort()).toEqual([answerId(3), answerId(4)]);
      expect(ids(await store.pendingAudit('bob', 10)).sort()).toEqual([answerId(2), answerId(3), answerId(4)]);
      expect(await store.pendingAudit('bob', 2)).toHaveLength(2);
      expect(ids(await store.unreviewed('alice', 10))).toEqual([answerId(9), answerId(6)]);
      expect(ids(await store.unreviewed('bob', 10))).toEqual([answerId(9), answerId(8), answerId(6)]);
      expect(ids(await store.unreviewed('bob', 1))).toEqual([answerId(9)]);

      expect(await store.purgeQuestionText(T0 + 3500)).toBe(3); // 1, 2, 3
      expect(await store.observation(answerId(3))).toMatchObject({ question: null, questionSha256: 'sha-3' });
      expect(ids(await store.pendingAudit('bob', 10))).toEqual([answerId(4)]);
    });

    test('audit counts: the latest reviewer label of each flagged direct answer of that calibration', async () => {
      const store = await open();
      for (let n = 1; n <= 6; n++) await store.addObservation(observation(n, { audit: true, route: 'direct', calibrationId: 3, at: new Date(T0 + (n === 5 ? -1 : n) * 1000) }));
      await store.addObservation(observation(7, { audit: true, route: 'direct', calibrationId: 0 }));
      await store.addObservation(observation(8, { audit: false, route: 'direct', calibrationId: 3 }));
      await store.addLabel(label(1, true));
      await store.addLabel(label(2, true, 'reviewer', 'alice', 1));
      await store.addLabel(label(2, false, 'reviewer', 'bob', 9)); // the latest reviewer says wrong
      await store.addLabel(label(3, true, 'feedback', 'carol')); // not a reviewer: still pending
      await store.addSkip(answerId(4), 'alice', new Date(T0));
      await store.addLabel(label(7, true));
      await store.addLabel(label(8, true));
      expect(await store.purgeQuestionText(T0)).toBe(1); // 5's text is gone: it can no longer be reviewed
      expect(await store.auditCounts(3)).toEqual({ reviewed: 2, correct: 1, pending: 2, skipped: 1 });
      expect(await store.auditCounts(0)).toEqual({ reviewed: 1, correct: 1, pending: 0, skipped: 0 });
      expect(await store.auditCounts(42)).toEqual({ reviewed: 0, correct: 0, pending: 0, skipped: 0 });
    });

    test('known-question hits: flagged ones join the audit pool and are counted apart from direct answers, by route, latest reviewer label', async () => {
      const store = await open();
      const matched = (kind: string) => ({ candidate: { ...observation(0).candidate!, matched: { question: 'Is green tea steeped at 80 degrees?', kind, probability: 0.97 } } });
      await store.addObservation(observation(1, { audit: true, route: 'faq', calibrationId: 3, ...matched('faq') }));
      await store.addObservation(observation(2, { audit: true, route: 'faq', calibrationId: 0, ...matched('faq') }));
      await store.addObservation(observation(3, { audit: true, route: 'cache', ...matched('cache') }));
      await store.addObservation(observation(4, { audit: true, route: 'cache', ...matched('cache') }));
      await store.addObservation(observation(5, { audit: false, route: 'cache', ...matched('cache') })); // not in the sample
      await store.addObservation(observation(6, { audit: true, route: 'direct' }));
      await store.addLabel(label(1, false, 'reviewer', 'alice', 1));
      await store.addLabel(label(1, true, 'reviewer', 'bob', 9)); // the latest reviewer says right
      await store.addLabel(label(2, false));
      await store.addLabel(label(3, true));
      await store.addLabel(label(4, false, 'feedback', 'carol')); // not a reviewer: still pending
      await store.addLabel(label(5, false));
      await store.addLabel(label(6, false));
      expect(await store.knownAuditCounts()).toEqual({
        faq: { reviewed: 2, correct: 1, pending: 0, skipped: 0 },
        cache: { reviewed: 1, correct: 1, pending: 1, skipped: 0 },
      });
      expect(await store.auditCounts(0)).toEqual({ reviewed: 1, correct: 0, pending: 0, skipped: 0 }); // the direct answer alone
      const pending = await store.pendingAudit('alice', 10);
      expect(pending.map((o) => o.answerId)).toEqual([answerId(4)]);
      expect(pending[0].candidate?.matched).toEqual({ question: 'Is green tea steeped at 80 degrees?', kind: 'cache', probability: 0.97 });
    });

    test('calibrations: stored, one active at most, restored by id or back to the file; unknown ids refused', async () => {
      const store = await open();
      expect(await store.activeState()).toEqual({ id: 0, guardTarget: null });
      const first = await store.addCalibration(record('first'), '{"a":1}', false);
      expect(await store.activeState()).toEqual({ id: 0, guardTarget: null });
      const second = await store.addCalibration(record('second'), '{"a":2}', true);
      expect(second).toBeGreaterThan(first);
      expect(await store.activeState()).toEqual({ id: second, guardTarget: null });
      expect(await store.calibration(first)).toEqual({
        record: { id: first, createdAt: new Date(T0), active: false, origin: 'labels', labels: 40, baseSha256: 'base', note: 'first', guardTarget: null }, json: '{"a":1}',
      });
      expect(await store.calibration(999)).toBeNull();
      expect(await store.activate(first)).toBe(true);
      expect((await store.calibrations()).map((c) => [c.id, c.active, c.note])).toEqual([[first, true, 'first'], [second, false, 'second']]);
      expect(await store.activate(999)).toBe(false);
      expect((await store.activeState()).id).toBe(first);
      expect(await store.activate(0)).toBe(true);
      expect(await store.activeState()).toEqual({ id: 0, guardTarget: null });
      expect((await store.calibrations()).every((c) => !c.active)).toBe(true);
    });

    test("the guard is raised, never lowered, on a stored calibration or on the file's", async () => {
      const store = await open();
      const id = await store.addCalibration(record('c'), '{}', true);
      await store.raiseGuard(id, 0.93);
      await store.raiseGuard(id, 0.91);
      expect(await store.activeState()).toEqual({ id, guardTarget: 0.93 });
      expect((await store.calibration(id))?.record.guardTarget).toBe(0.93);
      await store.activate(0);
      expect(await store.activeState()).toEqual({ id: 0, guardTarget: null });
      await store.raiseGuard(0, 0.95);
      await store.raiseGuard(0, 0.92);
      expect(await store.activeState()).toEqual({ id: 0, guardTarget: 0.95 });
      await store.activate(id);
      expect(await store.activeState()).toEqual({ id, guardTarget: 0.93 });
    });

    test('a refit is claimed once per `every` new labels, by one of the instances claiming together', async () => {
      const a = await open();
      const b = await open();
      for (let n = 1; n <= 5; n++) await a.addObservation(observation(n));
      for (let n = 1; n <= 3; n++) await a.addLabel(label(n, true));
      expect(await a.claimRefit(4)).toBe(false);
      await b.addLabel(label(4, true));
      const claims = await Promise.all([a.claimRefit(4), b.claimRefit(4), a.claimRefit(4), b.claimRefit(4)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      await b.addLabel(label(5, true));
      expect(await a.claimRefit(1)).toBe(true);
      expect(await b.claimRefit(1)).toBe(false);
    });

    test('read-only: none before any labels are stored; then reads what a writer stored and refuses to write', async () => {
      subject.beforeReadOnly?.(location);
      expect(await openReadOnly()).toBeNull();
      const writer = await open();
      await writer.addObservation(observation(1));
      await writer.addLabel(label(1, true));
      const id = await writer.addCalibration(record('r'), '{}', true);
      const reader = await openReadOnly();
      expect(reader?.writable).toBe(false);
      expect(await reader!.labelCount()).toBe(1);
      expect(await reader!.activeState()).toEqual({ id, guardTarget: null });
      await expect(reader!.addObservation(observation(2))).rejects.toHaveProperty('message', expect.stringMatching(/read-?only/i));
      await expect(reader!.addLabel(label(1, false))).rejects.toHaveProperty('message', expect.stringMatching(/read-?only/i));
      expect((await writer.observation(answerId(1)))?.answerId).toBe(answerId(1));
      expect(await writer.labelCount()).toBe(1);
    });

    test("two instances on one location see each other's labels and switch to the same calibration", async () => {
      const base = testCalibration();
      const a = new Learner({ store: await open(), base, settings: SETTINGS });
      const b = new Learner({ store: await open(), base, settings: SETTINGS });
      await a.store.addObservation(observation(1, { route: 'direct' }));
      await a.store.addObservation(observation(2));
      expect(await b.feedback(answerId(1), true, 'carol')).toBe('recorded');
      expect(await b.label(answerId(2), false, 'reviewer', 'alice')).toBe(true);
      expect((await a.status()).labels).toBe(2);
      expect((await a.store.labelled()).map((l) => l.labels.map((x) => x.source))).toEqual([['feedback'], ['reviewer']]);

      const learned = { ...base, curve: base.curve.map((p) => ({ ...p, threshold: 0.97 })) };
      const id = await a.store.addCalibration(record('learned', a.baseSha256), JSON.stringify(learned), false);
      await a.restore(id);
      expect(a.router.calibrationId).toBe(id);
      expect(b.router.calibrationId).toBe(0);
      await b.refresh(); // what the service's poll does every SOBRE_CALIBRATION_POLL_SECONDS
      expect(b.router.calibrationId).toBe(id);
      expect(b.router.point.threshold).toBe(0.97);
      expect((await b.status()).calibration).toMatchObject({ id, note: 'learned' });

      await b.restore(0);
      await a.refresh();
      expect(a.router.calibrationId).toBe(0);
      expect(a.router.point.threshold).toBe(0.9);
    });

    test('activations from two instances at once leave exactly one calibration in force', async () => {
      const a = await open();
      const b = await open();
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) ids.push(await a.addCalibration(record(`c${i}`), '{}', false));
      const done = await Promise.all(ids.flatMap((id) => [a.activate(id), b.activate(id), b.addCalibration(record('new'), '{}', true)]));
      expect(done.filter((d) => d === false)).toEqual([]);
      const active = (await b.calibrations()).filter((c) => c.active);
      expect(active).toHaveLength(1);
      expect((await a.activeState()).id).toBe(active[0].id);
    });
  });
}
