/**
 * Wires the real implementations from the configuration: the one place that knows which
 * embedder, knowledge, router, generator and ledger a process uses.
 */
import { AskService } from './answer/ask';
import { Learner } from './answer/learner';
import { KnownQuestions, type Matcher } from './answer/known-questions';
import { QuestionMatcher } from './match/matcher';
import { loadMatcherFile } from './match/model';
import { DEFAULT_CALIBRATION_FILE, loadCalibration } from './answer/calibration';
import { AnswerRouter } from './answer/router';
import type { SobreConfig } from './config';
import { createEmbedder } from './embed';
import type { Embedder } from './embed/types';
import { createGenerator } from './generate';
import type { Generator } from './generate/types';
import { openKnowledge } from './knowledge';
import type { Knowledge } from './knowledge/types';
import { ComputeLedger } from './ledger/ledger';
import { openLedgerStore } from './ledger/open-store';
import { HybridRetriever } from './retrieve/hybrid-retriever';
import { openLabelStore } from './labels/open-store';

export interface SobreDeps {
  config: SobreConfig;
  embedder: Embedder;
  knowledge: Knowledge;
  retriever: HybridRetriever;
  /** The router in force (a learned calibration replaces it while running). */
  readonly router: AnswerRouter;
  generator: Generator | null;
  ledger: ComputeLedger | null;
  /** Observations, labels and learned calibrations; with the ledger (not in evaluation). */
  learner: Learner | null;
  ask: AskService;
  known: KnownQuestions | null;
  /** Flushes and closes the knowledge and the ledger. */
  close(): Promise<void>;
}

export interface DepsOptions {
  /** Record a ledger row per question (the service does; evaluation may not). */
  ledger?: boolean;
  embedder?: Embedder;
  generator?: Generator | null;
  /** A failed observation write, refit or calibration load (the answer is given all the same). */
  onLearnerError?: (what: string, err: unknown) => void;
  /** The question matcher for known questions (default: the shipped one, when SOBRE_KNOWN_QUESTIONS is on). */
  matcher?: Matcher | null;
  /** See `AskDeps.onLedgerWrite`: when set, a ledger failure does not fail the answer. */
  onLedgerWrite?: (error: unknown) => void;
  /** See `AskDeps.onKnownFailure`: when set, a known-questions store failure does not fail the answer. */
  onKnownFailure?: (what: 'lookup' | 'remember', error: unknown) => void;
}

/**
 * The shipped question matcher at SOBRE_MATCH_WRONG_HIT_RATE, or null when it was fitted on
 * another embedder's vectors (its features include their cosine): known questions are then off.
 */
function shippedMatcher(config: SobreConfig, embedder: Embedder): QuestionMatcher | null {
  const file = loadMatcherFile();
  if (file.embedderId !== embedder.id) return null;
  return new QuestionMatcher(file, { targetWrongHitRate: config.matchWrongHitRate, embedderId: embedder.id });
}

export async function createDeps(config: SobreConfig, opts: DepsOptions = {}): Promise<SobreDeps> {
  const embedder = opts.embedder ?? (await createEmbedder(config));
  const generator = opts.generator !== undefined ? opts.generator : await createGenerator(config);
  const knowledge = await openKnowledge(config, embedder);
  let ledger: ComputeLedger | null = null;
  let learner: Learner | null = null;
  try {
    const calibration = loadCalibration(config.calibrationFile || DEFAULT_CALIBRATION_FILE);
    const retriever = new HybridRetriever(knowledge, embedder);
    if (opts.ledger !== false) {
      ledger = await ComputeLedger.open(await openLedgerStore(config), config);
      learner = new Learner({ store: await openLabelStore(config), base: calibration, settings: config, onError: opts.onLearnerError });
      await learner.start();
    }
    const router = learner?.router ?? new AnswerRouter(calibration, config.targetPrecision);
    const matcher = opts.matcher !== undefined ? opts.matcher : config.knownQuestions ? shippedMatcher(config, embedder) : null;
    const known = config.knownQuestions && matcher ? new KnownQuestions(knowledge.known, matcher, config) : null;
    const ask = new AskService({ config, knowledge, embedder, retriever, router, generator, ledger, known, learner, onLedgerWrite: opts.onLedgerWrite, onKnownFailure: opts.onKnownFailure });
    learner?.onSwitch((r) => ask.useRouter(r));
    const close = async () => {
      try {
        await knowledge.close();
      } finally {
        await ledger?.close();
        await learner?.flush();
        await learner?.store.close();
      }
    };
    return {
      config, embedder, knowledge, retriever, generator, ledger, learner, ask, known, close,
      get router() {
        return ask.router;
      },
    };
  } catch (e) {
    await knowledge.close();
    await ledger?.close();
    await learner?.store.close();
    throw e;
  }
}
