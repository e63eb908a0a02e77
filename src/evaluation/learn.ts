/**
 * `npm run eval -- --learn N`: a deployment simulated on a dataset. Every question is asked once
 * through `AskService` with the calibration file, and its observation recorded by the service's
 * `Learner` (the traffic). N questions drawn at random are then labelled as a reviewer would
 * (right = the router's candidate answer contains a gold answer; any candidate of an unanswerable
 * question is wrong), the `Learner` refits from them exactly as the service does, and the other
 * questions are asked again with the calibration it put in force. With R repeats (other draws),
 * the outcomes of the questions left out are pooled.
 */
import { AskService, type AskDeps } from '../answer/ask';
import { Learner, type LearnerSettings } from '../answer/learner';
import { seededRandom, type Calibration } from '../answer/calibration';
import type { AnswerRouter } from '../answer/router';
import { SqliteLabelStore } from '../labels/sqlite-store';
import type { Observation } from '../labels/types';
import { isCorrect } from './collect';
import type { DatasetQuestion } from './dataset';
import type { QuestionOutcome } from './metrics';

export interface LearnRun {
  labels: number;
  repeats: number;
  /** Outcomes of the questions not labelled (and held out, see `keep`), pooled over repeats. */
  outcomes: QuestionOutcome[];
  fitted: number;
  notes: string[];
  thresholds: number[];
}

export interface Traffic {
  /** One per question, in the dataset's order. */
  answers: { outcome: QuestionOutcome; observation: Observation | null }[];
}

function outcomeOf(q: DatasetQuestion, r: { route: QuestionOutcome['route']; answer: string | null; timings: { totalMs: number } }): QuestionOutcome {
  return { route: r.route, answerable: q.answerable, correct: q.answerable && r.answer !== null && r.route === 'direct' && isCorrect(r.answer, q.answers), latencyMs: r.timings.totalMs };
}

function learnerOver(store: SqliteLabelStore, base: Calibration, settings: LearnerSettings): Learner {
  return new Learner({ store, base, settings: { ...settings, auditRate: 0, refitEvery: 0 } });
}

/** Ask every question once with the calibration file, recording observations as the service does. */
export async function recordTraffic(deps: Omit<AskDeps, 'learner' | 'ledger'>, settings: LearnerSettings, questions: readonly DatasetQuestion[], log: (m: string) => void): Promise<Traffic> {
  const store = SqliteLabelStore.open(':memory:');
  try {
    const learner = learnerOver(store, deps.router.calibration, settings);
    const ask = new AskService({ ...deps, ledger: null, learner });
    const answers: Traffic['answers'] = [];
    for (const [i, q] of questions.entries()) {
      const r = await ask.ask(q.question);
      await learner.flush();
      answers.push({ outcome: outcomeOf(q, r), observation: await store.observation(r.answerId) });
      if ((i + 1) % 200 === 0) log(`  traffic: ${i + 1}/${questions.length}`);
    }
    return { answers };
  } finally {
    await store.close();
  }
}

/**
 * Label `labels` random questions, refit, and ask the rest again, `repeats` times. `keep(i)`:
 * whether question i counts in the metrics when left out (held out from the calibration file).
 */
export async function learnFrom(
  deps: Omit<AskDeps, 'learner' | 'ledger'>, settings: LearnerSettings, questions: readonly DatasetQuestion[], traffic: Traffic,
  { labels, repeats, seed, keep }: { labels: number; repeats: number; seed: number; keep: (i: number) => boolean },
): Promise<LearnRun> {
  const run: LearnRun = { labels, repeats, outcomes: [], fitted: 0, notes: [], thresholds: [] };
  for (let r = 0; r < repeats; r++) {
    const rand = seededRandom(seed + r);
    const order = questions.map((_, i) => ({ i, k: rand() })).sort((a, b) => a.k - b.k).map((x) => x.i);
    const labelled = new Set(order.slice(0, labels));
    const store = SqliteLabelStore.open(':memory:');
    try {
      for (const a of traffic.answers) if (a.observation) await store.addObservation(a.observation);
      for (const i of labelled) {
        const o = traffic.answers[i].observation;
        if (!o) continue;
        const q = questions[i];
        const correct = q.answerable && o.candidate !== null && isCorrect(o.candidate.answer, q.answers);
        await store.addLabel({ answerId: o.answerId, correct, source: 'reviewer', weight: 1, by: 'eval', at: o.at });
      }
      const learner = learnerOver(store, deps.router.calibration, settings);
      const refit = await learner.refit();
      if (refit.status === 'fitted') run.fitted++;
      run.notes.push(refit.note);
      const router: AnswerRouter = learner.router;
      run.thresholds.push(router.point.threshold);
      const ask = new AskService({ ...deps, router, ledger: null });
      for (const [i, q] of questions.entries()) {
        if (labelled.has(i) || !keep(i)) continue;
        run.outcomes.push(outcomeOf(q, await ask.ask(q.question)));
      }
    } finally {
      await store.close();
    }
  }
  return run;
}

/** Repeats so that, in expectation, every question is left out about once (at most `cap`). */
export function defaultRepeats(total: number, labels: number, cap = 20): number {
  if (labels <= 0) return 1;
  if (labels >= total) return 0;
  return Math.min(cap, Math.ceil(total / (total - labels)));
}
