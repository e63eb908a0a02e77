/**
 * One question, end to end: hybrid retrieval → router → (generator) → ledger row.
 * `POST /v1/ask`, `npm run eval` and the tests all go through `AskService.ask`, so what the
 * evaluation measures is what the service does.
 */
import type { SobreConfig } from '../config';
import { errorMessage } from '../errors';
import { buildPrompt, countTokensApprox } from '../generate/prompt';
import type { GenerateEvent, GenerateResult, Generator, GeneratorPassage, TokenUsage } from '../generate/types';
import type { Embedder } from '../embed/types';
import type { Knowledge } from '../knowledge/types';
import type { ComputeLedger } from '../ledger/ledger';
import type { AskOutcome } from '../ledger/types';
import type { HybridRetriever } from '../retrieve/hybrid-retriever';
import type { Passage } from '../retrieve/types';
import type { AnswerRouter, RouteContext, RouteDecision, RouteExplanation } from './router';
import type { Route } from './types';

export interface Citation {
  /** Marker number in a generated answer ([1] is the first passage). */
  n: number;
  documentId: number;
  title: string;
  /** The document's name relative to the folder it was ingested from (never a server path). */
  name: string;
  chunkId: number;
  /** Offsets of the chunk in its document's cleaned text. */
  start: number;
  end: number;
  text: string;
  score: number;
  /** For a direct answer: the sentence used, and the short answer inside it (document offsets). */
  sentence?: { start: number; end: number };
  shortAnswer?: { text: string; start: number; end: number };
}

export interface AskTimings {
  embedMs: number;
  searchMs: number;
  routeMs: number;
  generateMs: number;
  totalMs: number;
}

export interface AskResponse {
  /** Null when no answer text is given (passages only): nothing pretends to be an LLM answer. */
  answer: string | null;
  route: Route;
  /** Calibrated probability that a direct answer is correct (see docs/architecture.md). */
  confidence: number | null;
  citations: Citation[];
  notice?: string;
  timings: AskTimings;
  usage?: TokenUsage;
  model?: string;
  /** The ledger row's estimate for this question (see docs/energy-method.md). */
  compute?: unknown;
  explain?: RouteExplanation & { routeReason?: string };
}

export type AskStreamEvent =
  | { event: 'route'; data: { route: Route; confidence: number | null } }
  | { event: 'token'; data: { text: string } }
  | { event: 'answer'; data: AskResponse }
  | { event: 'done'; data: AskResponse };

export interface AskDeps {
  config: Pick<SobreConfig, 'topK' | 'candidateK' | 'llmContextTokens' | 'llmMaxTokens'>;
  knowledge: Knowledge;
  embedder: Embedder;
  retriever: HybridRetriever;
  router: AnswerRouter;
  generator: Generator | null;
  ledger: ComputeLedger | null;
  /**
   * Told after each ledger write (null: written). When set, a row that cannot be written does
   * not fail the answer (the service counts and logs it); without it, the error is thrown.
   */
  onLedgerWrite?: (error: unknown) => void;
}

export interface AskOptions {
  explain?: boolean;
  signal?: AbortSignal;
}

const NO_GENERATOR = 'No generator is configured (SOBRE_GENERATOR=none): these are the most relevant passages, not an answer.';

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** How the router gets term statistics, and the dense similarity of a candidate sentence (one more embedding). */
export function routeContext(knowledge: Knowledge, embedder: Embedder, queryVector: Float32Array): RouteContext {
  return {
    stats: knowledge,
    sentenceCosine: async (c) => cosine(queryVector, (await embedder.embed([c.text], 'passage'))[0]),
  };
}

function toCitations(passages: readonly Passage[]): Citation[] {
  return passages.map((p, i) => ({
    n: i + 1, documentId: p.documentId, title: p.title, name: p.name, chunkId: p.chunkId,
    start: p.start, end: p.end, text: p.text, score: p.score,
  }));
}

function toGeneratorPassages(passages: readonly Passage[]): GeneratorPassage[] {
  return passages.map((p) => ({ id: p.chunkId, title: p.title, text: p.text }));
}

interface Prepared {
  startedAt: number;
  cpuStart: NodeJS.CpuUsage;
  passages: Passage[];
  decision: RouteDecision;
  timings: AskTimings;
}

export class AskService {
  constructor(private readonly deps: AskDeps) {}

  /** Retrieval and routing: the part every route pays for. */
  private async prepare(question: string): Promise<Prepared> {
    const startedAt = performance.now();
    const cpuStart = process.cpuUsage();
    const { knowledge, embedder, retriever, router, config } = this.deps;
    const retrieval = await retriever.retrieve(question, { topK: config.topK, candidateK: config.candidateK, weights: router.calibration.fusion });
    const t = performance.now();
    const decision = await router.route(question, retrieval.passages, routeContext(knowledge, embedder, retrieval.queryVector));
    const routeMs = performance.now() - t;
    return {
      startedAt, cpuStart, passages: retrieval.passages, decision,
      timings: { embedMs: retrieval.embedMs, searchMs: retrieval.searchMs, routeMs, generateMs: 0, totalMs: 0 },
    };
  }

  async ask(question: string, opts: AskOptions = {}): Promise<AskResponse> {
    let last: AskResponse | undefined;
    for await (const e of this.askStream(question, opts)) if (e.event === 'done') last = e.data;
    if (!last) throw new Error('ask produced no answer');
    return last;
  }

  /** The same as `ask`, as events: route first, tokens as a generator produces them, then done. */
  async *askStream(question: string, opts: AskOptions = {}): AsyncGenerator<AskStreamEvent> {
    const p = await this.prepare(question);
    const pathCpu = process.cpuUsage(p.cpuStart);
    const pathCpuMs = (pathCpu.user + pathCpu.system) / 1000;
    const { decision, passages } = p;
    const citations = toCitations(passages);
    const response: AskResponse = {
      answer: null, route: decision.route, confidence: decision.confidence, citations, timings: p.timings,
    };
    if (opts.explain) response.explain = { ...decision.explanation, routeReason: decision.route === 'direct' ? undefined : decision.reason };
    let generation: AskOutcome['generation'];
    let generatorError: string | undefined;

    if (decision.route === 'direct') {
      const cited = citations[decision.passageIndex];
      cited.sentence = { start: decision.sentenceStart, end: decision.sentenceEnd };
      if (decision.shortAnswer) cited.shortAnswer = decision.shortAnswer;
      response.answer = decision.answer;
      response.citations = [cited];
      yield { event: 'route', data: { route: 'direct', confidence: decision.confidence } };
    } else if (decision.route === 'abstain') {
      response.answer = 'The documents do not cover this question.';
      response.citations = [];
      response.notice = decision.reason;
      yield { event: 'route', data: { route: 'abstain', confidence: decision.confidence } };
    } else if (!this.deps.generator) {
      response.route = 'passages';
      response.notice = NO_GENERATOR;
      yield { event: 'route', data: { route: 'passages', confidence: decision.confidence } };
    } else {
      yield { event: 'route', data: { route: 'generate', confidence: decision.confidence } };
      const g0 = performance.now();
      try {
        let result: GenerateResult | undefined;
        const stream: AsyncIterable<GenerateEvent> = this.deps.generator.stream({ question, passages: toGeneratorPassages(passages), signal: opts.signal });
        for await (const ev of stream) {
          if (ev.type === 'token') yield { event: 'token', data: { text: ev.text } };
          else result = ev.result;
        }
        if (!result) throw new Error('the generator ended without a result');
        response.answer = result.text;
        response.usage = result.usage;
        response.model = result.model;
        const byId = new Map(citations.map((c) => [c.chunkId, c]));
        response.citations = result.citedPassageIds.map((id) => byId.get(id)).filter((c): c is Citation => c !== undefined);
        generation = {
          kind: result.kind, model: result.model, promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens,
          tokenSource: result.usage.source, latencyMs: result.latencyMs, cpuMs: result.cpuMs,
        };
      } catch (e) {
        generatorError = errorMessage(e);
        response.route = 'passages';
        response.answer = null;
        response.citations = citations;
        response.notice = `The generator failed (${generatorError}): these are the most relevant passages, not an answer.`;
      }
      p.timings.generateMs = performance.now() - g0;
    }
    p.timings.totalMs = performance.now() - p.startedAt;
    response.compute = await this.record(question, response, passages, pathCpuMs, generation, generatorError);
    yield { event: 'done', data: response };
  }

  private async record(question: string, r: AskResponse, passages: readonly Passage[], pathCpuMs: number, generation: AskOutcome['generation'], generatorError?: string): Promise<unknown> {
    const { ledger, config } = this.deps;
    if (!ledger) return undefined;
    const counterfactual = buildPrompt(question, toGeneratorPassages(passages), {
      contextTokens: config.llmContextTokens, maxTokens: config.llmMaxTokens, countTokens: countTokensApprox,
    });
    try {
      const row = await ledger.record({
        at: new Date(), question, route: r.route, confidence: r.confidence,
        stageMs: { embed: r.timings.embedMs, search: r.timings.searchMs, route: r.timings.routeMs, generate: r.timings.generateMs, total: r.timings.totalMs },
        pathCpuMs, citedChunkIds: r.citations.map((c) => c.chunkId),
        counterfactualPromptTokens: counterfactual.promptTokens, generation, generatorError,
      });
      this.deps.onLedgerWrite?.(null);
      return row;
    } catch (e) {
      if (!this.deps.onLedgerWrite) throw e;
      this.deps.onLedgerWrite(e);
      return undefined;
    }
  }
}
