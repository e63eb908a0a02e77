/**
 * Wires the real implementations from the configuration: the one place that knows which
 * embedder, store, index, router, generator and ledger a process uses.
 */
import { AskService } from './answer/ask';
import { DEFAULT_CALIBRATION_FILE, loadCalibration } from './answer/calibration';
import { AnswerRouter } from './answer/router';
import type { SobreConfig } from './config';
import { createEmbedder } from './embed';
import type { Embedder } from './embed/types';
import { createGenerator } from './generate';
import type { Generator } from './generate/types';
import { KnowledgeBase } from './knowledge/knowledge-base';
import { ComputeLedger } from './ledger/ledger';
import { HybridRetriever } from './retrieve/hybrid-retriever';

export interface SobreDeps {
  config: SobreConfig;
  embedder: Embedder;
  kb: KnowledgeBase;
  retriever: HybridRetriever;
  router: AnswerRouter;
  generator: Generator | null;
  ledger: ComputeLedger | null;
  ask: AskService;
  close(): void;
}

export interface DepsOptions {
  /** Record a ledger row per question (the service does; evaluation may not). */
  ledger?: boolean;
  embedder?: Embedder;
  generator?: Generator | null;
}

export async function createDeps(config: SobreConfig, opts: DepsOptions = {}): Promise<SobreDeps> {
  const embedder = opts.embedder ?? (await createEmbedder(config));
  const generator = opts.generator !== undefined ? opts.generator : await createGenerator(config);
  const kb = KnowledgeBase.open(config, embedder);
  try {
    const calibration = loadCalibration(config.calibrationFile || DEFAULT_CALIBRATION_FILE);
    const router = new AnswerRouter(calibration, config.targetPrecision);
    const retriever = new HybridRetriever(kb);
    const ledger = opts.ledger === false ? null : ComputeLedger.open(kb.store.db, config, { embedder });
    const ask = new AskService({ config, kb, retriever, router, generator, ledger });
    return { config, embedder, kb, retriever, router, generator, ledger, ask, close: () => kb.close() };
  } catch (e) {
    kb.close();
    throw e;
  }
}
