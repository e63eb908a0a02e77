/**
 * Prometheus metrics (prom-client), one registry per app so tests can build several:
 * HTTP requests and latency per route pattern and status, answers per route, LLM calls avoided
 * with the Wh and gCO2e they would have cost (from each question's ledger row, mid estimate),
 * the path's own Wh, index and store sizes, ingested documents per outcome, generator slots,
 * questions waiting for the event loop, embedding cache hits and misses.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Knowledge, KnowledgeStats } from '../knowledge/types';
import type { LedgerRow } from '../ledger/types';
import type { Semaphore } from './gate';
import type { TurnQueue } from './turns';

export type IngestOutcome = 'added' | 'updated' | 'unchanged' | 'failed' | 'deleted';

/** Counters only go up: anything else counts as 0. */
function nonNegative(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0;
}

/** The parts of a ledger row the counters need, when `compute` is one. */
function ledgerFigures(compute: unknown): { avoided: boolean; wh: number; gco2e: number; pathWh: number } | null {
  if (typeof compute !== 'object' || compute === null) return null;
  const row = compute as Partial<LedgerRow>;
  if (typeof row.callStatus !== 'string' || typeof row.path?.wh !== 'number') return null;
  const wh = row.llm?.impact.wh.mid;
  const gco2e = row.llm?.impact.gco2e.mid;
  return {
    avoided: row.callStatus === 'avoided',
    wh: nonNegative(wh),
    gco2e: nonNegative(gco2e),
    pathWh: nonNegative(row.path.wh),
  };
}

/** What /metrics shows of the learning loop (answer/learner.ts `LearningStatus`). */
export interface LearningGauges {
  status(): Promise<{
    targetPrecision: number;
    threshold: number | null;
    calibration: { id: number };
    guard: { active: boolean };
    audit: { reviewed: number; precision: number | null; interval95: [number, number] | null };
    labels: number;
    observationFailures: number;
  }>;
}

export interface MetricsOptions {
  learning?: LearningGauges | null;
  /** Process metrics (CPU, memory, event loop). */
  defaultMetrics?: boolean;
  generator?: Semaphore | null;
  turns?: TurnQueue;
  embedCache?: { readonly cacheHits: number; readonly cacheMisses: number };
  /** Threads embedding uploads (SOBRE_UPLOAD_EMBED_THREADS > 1). */
  uploadThreads?: { readonly threads: number };
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private across: (() => Promise<{ contentType: string; body: string }>) | null = null;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route' | 'status'>;
  private readonly answers: Counter<'route'>;
  private readonly llmAvoided: Counter;
  private readonly whAvoided: Counter;
  private readonly gco2eAvoided: Counter;
  private readonly pathWh: Counter;
  private readonly ingested: Counter<'outcome'>;
  private readonly ledgerFailures: Counter;
  private readonly feedback: Counter<'used'>;

  constructor(knowledge: Knowledge, opts: MetricsOptions = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'sobre_http_requests_total', help: 'HTTP requests by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers });
    this.latency = new Histogram({
      name: 'sobre_http_request_duration_seconds', help: 'HTTP request duration by method, route pattern and status',
      labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    });
    this.answers = new Counter({ name: 'sobre_answers_total', help: 'Answered questions by route (direct, generate, passages, abstain)', labelNames: ['route'], registers });
    this.llmAvoided = new Counter({ name: 'sobre_llm_calls_avoided_total', help: 'Questions answered without the LLM call a conventional RAG makes', registers });
    this.whAvoided = new Counter({ name: 'sobre_llm_energy_avoided_wh_total', help: 'Estimated energy of the avoided LLM calls, Wh (mid estimate, facility)', registers });
    this.gco2eAvoided = new Counter({ name: 'sobre_llm_carbon_avoided_gco2e_total', help: 'Estimated emissions of the avoided LLM calls, gCO2e (mid estimate)', registers });
    this.pathWh = new Counter({ name: 'sobre_path_energy_wh_total', help: "Energy of Sobre's own retrieval and routing path, Wh", registers });
    this.ledgerFailures = new Counter({ name: 'sobre_ledger_write_failures_total', help: 'Answers returned without their ledger row, which could not be written', registers });
    this.ingested = new Counter({ name: 'sobre_ingest_documents_total', help: 'Documents through the upload and delete routes, by outcome', labelNames: ['outcome'], registers });
    // Gauges of the shared store and calibration read the same in every worker of a cluster:
    // combined, they are taken once (max), not summed.
    const gauge = (name: string, help: string, pick: (s: KnowledgeStats) => number) =>
      new Gauge({
        name, help, registers, aggregator: 'max',
        async collect() {
          this.set(await knowledge.stats().then(pick, () => Number.NaN)); // NaN: the store is closing
        },
      });
    gauge('sobre_index_vectors', 'Vectors in the HNSW index', (s) => s.indexVectors);
    gauge('sobre_store_documents', 'Documents in the store', (s) => s.documents);
    gauge('sobre_store_chunks', 'Distinct chunks in the store', (s) => s.chunks);
    const { turns, embedCache, uploadThreads } = opts;
    if (uploadThreads) new Gauge({ name: 'sobre_upload_embed_threads', help: 'Threads embedding uploads (SOBRE_UPLOAD_EMBED_THREADS; 0 until the first upload)', registers, collect() { this.set(uploadThreads.threads); } });
    if (turns) new Gauge({ name: 'sobre_questions_waiting', help: 'Questions waiting for their turn on the event loop (saturation)', registers, collect() { this.set(turns.length); } });
    if (embedCache) {
      let seen = { hits: 0, misses: 0 };
      const catchUp = () => {
        const now = { hits: embedCache.cacheHits, misses: embedCache.cacheMisses };
        const delta = { hits: now.hits - seen.hits, misses: now.misses - seen.misses };
        seen = now;
        return delta;
      };
      const hits = new Counter({ name: 'sobre_embed_cache_hits_total', help: 'Texts of questions whose vector came from the embedding cache', registers });
      new Counter({
        name: 'sobre_embed_cache_misses_total', help: 'Texts of questions the embedding model had to embed', registers,
        collect() {
          const d = catchUp();
          hits.inc(d.hits);
          this.inc(d.misses);
        },
      });
    }
    this.feedback = new Counter({ name: 'sobre_feedback_total', help: 'POST /v1/feedback answers, by whether they became a label (direct answers only)', labelNames: ['used'], registers });
    const learning = opts.learning;
    if (learning) {
      // One read of the learning status per scrape, shared by the gauges below.
      let cached: { at: number; value: Promise<Awaited<ReturnType<LearningGauges['status']>>> } | null = null;
      const status = () => {
        if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), value: learning.status() };
        return cached.value;
      };
      const nan = (x: number | null) => (x === null ? Number.NaN : x);
      const live = (name: string, help: string, pick: (s: Awaited<ReturnType<LearningGauges['status']>>) => number) =>
        new Gauge({ name, help, registers, aggregator: 'max', async collect() { this.set(await status().then(pick, () => Number.NaN)); } });
      live('sobre_target_precision', 'Precision promised for direct answers (SOBRE_TARGET_PRECISION)', (s) => s.targetPrecision);
      live('sobre_router_threshold', 'Confidence threshold in force for a direct answer (NaN: none goes direct)', (s) => nan(s.threshold));
      live('sobre_calibration_id', 'Stored calibration in force (0: the calibration file)', (s) => s.calibration.id);
      live('sobre_guard_active', '1 when the live-precision guard raised the threshold', (s) => (s.guard.active ? 1 : 0));
      live('sobre_live_precision', 'Precision of direct answers on the reviewed audit sample of the calibration in force (NaN: none reviewed)', (s) => nan(s.audit.precision));
      live('sobre_live_precision_low', 'Lower end of its Wilson 95% interval', (s) => nan(s.audit.interval95?.[0] ?? null));
      live('sobre_live_precision_high', 'Upper end of its Wilson 95% interval', (s) => nan(s.audit.interval95?.[1] ?? null));
      live('sobre_live_precision_reviewed', 'Reviewed audit-sample direct answers behind it', (s) => s.audit.reviewed);
      live('sobre_labels', 'Labels stored (reviewer, feedback, generator)', (s) => s.labels);
      live('sobre_observation_write_failures', 'Answers whose observation could not be stored (the answer was given)', (s) => s.observationFailures);
    }
    const sem = opts.generator;
    if (sem) {
      new Gauge({ name: 'sobre_generator_in_flight', help: 'Generator calls running', registers, collect() { this.set(sem.inFlight); } });
      new Gauge({ name: 'sobre_generator_queued', help: 'Generator calls waiting for a slot', registers, collect() { this.set(sem.queued); } });
    }
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  observeAnswer(route: string, compute: unknown): void {
    this.answers.inc({ route });
    const f = ledgerFigures(compute);
    if (!f) return;
    this.pathWh.inc(f.pathWh);
    if (!f.avoided) return;
    this.llmAvoided.inc();
    this.whAvoided.inc(f.wh);
    this.gco2eAvoided.inc(f.gco2e);
  }

  observeLedgerFailure(): void {
    this.ledgerFailures.inc();
  }

  observeFeedback(outcome: 'recorded' | 'not_direct'): void {
    this.feedback.inc({ used: outcome === 'recorded' ? 'true' : 'false' });
  }

  observeIngest(outcome: IngestOutcome, count = 1): void {
    if (count > 0) this.ingested.inc({ outcome }, count);
  }

  /** In a cluster's worker: /metrics shows every worker's metrics, combined by the primary. */
  combineAcross(across: () => Promise<{ contentType: string; body: string }>): void {
    this.across = across;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    if (this.across) return this.across();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
