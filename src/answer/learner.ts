/**
 * The learning loop at run time: records what the router saw for each answer (an observation,
 * off the answer's critical path), takes labels, refits the calibration from them (refit.ts),
 * keeps the live-precision guard (audit.ts), and swaps the router whole when the calibration in
 * force changes, here or in another process sharing the store (polled by `refresh`).
 */
import { createHash } from 'node:crypto';
import type { SobreConfig } from '../config';
import { SobreError, errorMessage } from '../errors';
import type { CalibrationRecord, LabelSource, LabelStore } from '../labels/types';
import { agreement } from './agreement';
import { auditEstimate, guardTarget, type AuditEstimate } from './audit';
import { parseCalibration, type Calibration } from './calibration';
import { FEATURE_NAMES } from './features';
import { learningStatus, type LearningStatus } from './learning-status';
import { observationOf, type ObserveInput } from './observation';
import { labelSet, refitCalibration, type RefitResult } from './refit';
import { nextForReview } from './review-queue';
import { AnswerRouter } from './router';

export type { LearningStatus } from './learning-status';
export type { ObserveInput } from './observation';

const DAY_MS = 86_400_000;

export type LearnerSettings = Pick<
  SobreConfig,
  'targetPrecision' | 'auditRate' | 'refitEvery' | 'feedbackLabelWeight' | 'generatorLabelWeight' | 'storeQuestions' | 'retentionDays'
>;

export interface LearnerOptions {
  store: LabelStore;
  /** The calibration file's calibration: the prior of every refit, and id 0. */
  base: Calibration;
  settings: LearnerSettings;
  random?: () => number;
  now?: () => Date;
  onError?: (what: string, err: unknown) => void;
}

export interface RefitOutcome {
  at: Date;
  status: RefitResult['status'];
  note: string;
  calibrationId: number | null;
}

export class Learner {
  private current: AnswerRouter;
  private readonly listeners: ((router: AnswerRouter) => void)[] = [];
  private readonly pending = new Map<string, Promise<void>>();
  private refitting: Promise<RefitOutcome> | null = null;
  private lastPurgeMs = -Infinity;
  /** The stored state that could not be applied (another calibration file's), not retried. */
  private unusable: string | null = null;
  readonly baseSha256: string;
  observationFailures = 0;
  lastRefit: RefitOutcome | null = null;
  readonly settings: LearnerSettings;

  constructor(private readonly opts: LearnerOptions) {
    this.settings = opts.settings;
    this.baseSha256 = createHash('sha256').update(JSON.stringify(opts.base)).digest('hex');
    this.current = new AnswerRouter(opts.base, opts.settings.targetPrecision);
  }

  get router(): AnswerRouter {
    return this.current;
  }

  get store(): LabelStore {
    return this.opts.store;
  }

  /** Called with every new router (a refit, a restore, a guard, another process's change). */
  onSwitch(listener: (router: AnswerRouter) => void): void {
    this.listeners.push(listener);
  }

  private now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  private report(what: string, err: unknown): void {
    this.opts.onError?.(what, err);
  }

  /** Record the router's view of one answer; never throws, never waits (failures are counted). */
  observe(input: ObserveInput): void {
    const o = observationOf(input, this.opts.settings, this.now(), this.opts.random ?? Math.random);
    const write = (async () => {
      // The router skipped the sentence's embedding; a generated answer gives this observation a
      // label, so its features must be complete (that LLM call dwarfs one embedding).
      const exactCosine = input.decision?.exactCosine;
      if (input.generated && o.features && exactCosine) o.features.sentence_cosine = await exactCosine();
      await this.opts.store.addObservation(o);
      if (input.generated && o.candidate) {
        const a = agreement(input.question, input.generated, { answer: o.candidate.answer, title: o.candidate.title, shortAnswer: o.candidate.shortAnswer?.text });
        if (a.correct !== null) await this.storeLabel(o.answerId, a.correct, 'generator', null);
      }
    })();
    this.pending.set(o.answerId, write);
    write.catch((err: unknown) => {
      this.observationFailures++;
      this.report('observation', err);
    }).finally(() => this.pending.delete(o.answerId));
  }

  /** Observations still being written (tests and shutdown wait for them). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending.values()]);
  }

  private weightOf(source: LabelSource): number {
    return source === 'reviewer' ? 1 : source === 'feedback' ? this.opts.settings.feedbackLabelWeight : this.opts.settings.generatorLabelWeight;
  }

  /** Store a label (one per answer, source and key: a second replaces the first). False: unknown answer. */
  async label(answerId: string, correct: boolean, source: LabelSource, by: string | null): Promise<boolean> {
    await this.pending.get(answerId)?.catch(() => undefined);
    return this.storeLabel(answerId, correct, source, by);
  }

  private async storeLabel(answerId: string, correct: boolean, source: LabelSource, by: string | null): Promise<boolean> {
    const added = await this.opts.store.addLabel({ answerId, correct, source, weight: this.weightOf(source), by, at: this.now() });
    if (added && this.opts.settings.refitEvery > 0) {
      void this.opts.store.claimRefit(this.opts.settings.refitEvery).then((claimed) => (claimed ? this.refit() : null)).catch((err: unknown) => this.report('refit', err));
    }
    if (added && source === 'reviewer') await this.checkGuard();
    return added;
  }

  /** Fit from the labels; a fitted calibration is stored, made active and switched to at once. */
  refit(): Promise<RefitOutcome> {
    this.refitting ??= (async () => {
      try {
        const set = labelSet(await this.opts.store.labelled(), FEATURE_NAMES);
        const result = await refitCalibration(this.opts.base, set, this.opts.settings.targetPrecision, this.now());
        let calibrationId: number | null = null;
        if (result.status === 'fitted') {
          calibrationId = await this.opts.store.addCalibration(
            { createdAt: this.now(), origin: 'labels', labels: result.questions, baseSha256: this.baseSha256, note: result.note },
            JSON.stringify(result.calibration), true,
          );
          this.use(new AnswerRouter(result.calibration, this.opts.settings.targetPrecision, { calibrationId }));
        }
        this.lastRefit = { at: this.now(), status: result.status, note: result.note, calibrationId };
        return this.lastRefit;
      } finally {
        this.refitting = null;
      }
    })();
    return this.refitting;
  }

  /** Make a stored calibration (0: the calibration file) the one in force, here and, by polling, everywhere. */
  async restore(id: number): Promise<void> {
    const router = await this.routerFor(id, null);
    if (!(await this.opts.store.activate(id))) throw new SobreError('not_found', `No stored calibration ${id}`);
    this.use(router);
  }

  private async routerFor(id: number, guard: number | null): Promise<AnswerRouter> {
    if (id === 0) return new AnswerRouter(this.opts.base, this.opts.settings.targetPrecision, { guardTarget: guard });
    const stored = await this.opts.store.calibration(id);
    if (!stored) throw new SobreError('not_found', `No stored calibration ${id}`);
    if (stored.record.baseSha256 !== this.baseSha256) {
      throw new SobreError('bad_request', `Calibration ${id} was fitted from another calibration file than the one in use (SOBRE_CALIBRATION); refit from the labels instead`);
    }
    return new AnswerRouter(parseCalibration(stored.json, `Stored calibration ${id}`), this.opts.settings.targetPrecision, { calibrationId: id, guardTarget: guard });
  }

  private use(router: AnswerRouter): void {
    this.current = router;
    for (const l of this.listeners) l(router);
  }

  /** Poll the store: the calibration in force and its guard (cheap), the audit, the retention purge. */
  async refresh(): Promise<void> {
    const state = await this.opts.store.activeState();
    const key = `${state.id}/${state.guardTarget}`;
    if ((state.id !== this.current.calibrationId || (state.guardTarget ?? null) !== this.current.guardTarget) && key !== this.unusable) {
      try {
        this.use(await this.routerFor(state.id, state.guardTarget));
      } catch (err) {
        this.unusable = key; // reported once; the router in use stays (a stale calibration is never applied)
        this.report('calibration', err);
      }
    }
    if (!this.opts.store.writable) return;
    await this.checkGuard();
    const s = this.opts.settings;
    const now = this.now().getTime();
    if (s.retentionDays > 0 && now - this.lastPurgeMs >= 3_600_000) {
      this.lastPurgeMs = now;
      await this.opts.store.purgeQuestionText(now - s.retentionDays * DAY_MS);
    }
  }

  async audit(): Promise<AuditEstimate> {
    return auditEstimate(await this.opts.store.auditCounts(this.current.calibrationId));
  }

  /** Raise the threshold at once when the audit's upper bound is below the target. */
  private async checkGuard(): Promise<void> {
    const router = this.current;
    const target = guardTarget(router.calibration, this.opts.settings.targetPrecision, await this.audit());
    if (target === null || (router.guardTarget !== null && target <= router.guardTarget)) return;
    await this.opts.store.raiseGuard(router.calibrationId, target);
    this.use(new AnswerRouter(router.calibration, this.opts.settings.targetPrecision, { calibrationId: router.calibrationId, guardTarget: target }));
  }

  calibrations(): Promise<CalibrationRecord[]> {
    return this.opts.store.calibrations();
  }

  /** The next question for a reviewer (review-queue.ts). */
  next(by: string): ReturnType<typeof nextForReview> {
    return nextForReview(this.opts.store, this.current, by, this.opts.random);
  }

  /** The reviewer passed: not shown to them again, and counted as skipped in the audit. */
  async skip(answerId: string, by: string): Promise<boolean> {
    if (!(await this.opts.store.observation(answerId))) return false;
    await this.opts.store.addSkip(answerId, by, this.now());
    return true;
  }

  /** A client's thumbs up or down: a label of the candidate only when it was the answer given. */
  async feedback(answerId: string, correct: boolean, by: string | null): Promise<'recorded' | 'not_direct' | 'unknown'> {
    await this.pending.get(answerId)?.catch(() => undefined);
    const o = await this.opts.store.observation(answerId);
    if (!o) return 'unknown';
    if (o.route !== 'direct') return 'not_direct';
    await this.storeLabel(answerId, correct, 'feedback', by);
    return 'recorded';
  }

  /** The promise as measured: for the report, the dashboard and /metrics. */
  status(): Promise<LearningStatus> {
    return learningStatus(this);
  }

  /** Load the calibration in force from the store (start-up); a failure keeps the file's. */
  async start(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      this.report('start', errorMessage(err));
    }
  }
}
