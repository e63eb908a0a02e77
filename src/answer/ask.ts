/**
 * One question, end to end: hybrid retrieval → router → (generator) → ledger row.
 * `POST /v1/ask`, `npm run eval` and the tests all go through `AskService.ask`, so what the
 * evaluation measures is what the service does.
 */
import { randomUUID } from 'node:crypto';
import type { SobreConfig } from '../config';
import { errorMessage } from '../errors';
import { buildPrompt, countTokensApprox, PROMPT_VERSION } from '../generate/prompt';
import type { GenerateEvent, GenerateResult, Generator, GeneratorPassage, TokenUsage } from '../generate/types';
import type { Embedder } from '../embed/types';
import type { Knowledge } from '../knowledge/types';
import { callStatusOf } from '../ledger/estimate';
import type { ComputeLedger } from '../ledger/ledger';
import type { AskOutcome } from '../ledger/types';
import type { HybridRetriever } from '../retrieve/hybrid-retriever';
import type { Passage } from '../retrieve/types';
import { questionLanguage } from '../text/language';
import type { StemLanguage } from '../text/tokens';
import type { KnownHit, KnownQuestions } from './known-questions';
import type { Learner } from './learner';
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

/** `?explain=1`: the router's features and decision, or the known question a hit matched. */
export type AskExplanation = Partial<RouteExplanation> & {
  routeReason?: string;
  matched?: { question: string; kind: KnownHit['entry']['kind']; probability: number };
};

export interface AskResponse {
  /** Names this answer for POST /v1/feedback. */
  answerId: string;
  /** Null when no answer text is given (passages only): nothing pretends to be an LLM answer. */
  answer: string | null;
  route: Route;
  /**
   * Calibrated probability that a direct answer is correct (see docs/architecture.md); for a known
   * question, the matcher's probability that it is the same question (docs/matching.md).
   */
  confidence: number | null;
  citations: Citation[];
  notice?: string;
  timings: AskTimings;
  usage?: TokenUsage;
  model?: string;
  /** The ledger row's estimate for this question (see docs/energy-method.md). */
  compute?: unknown;
  explain?: AskExplanation;
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
  /** Known questions (FAQ, curated, cache); null when off. */
  known: KnownQuestions | null;
  /** Records each answer's observation and swaps the router when the calibration changes. */
  learner?: Learner | null;
  /**
   * Told after each ledger write (null: written). When set, a row that cannot be written does
   * not fail the answer (the service counts and logs it); without it, the error is thrown.
   */
  onLedgerWrite?: (error: unknown) => void;
  /**
   * Told when the known-questions store cannot be read or written (a shared database that went
   * away). When set, the question goes on as a miss and a generated answer is returned uncached;
   * without it, the error is thrown.
   */
  onKnownFailure?: (what: 'lookup' | 'remember', error: unknown) => void;
}

export interface AskOptions {
  explain?: boolean;
  signal?: AbortSignal;
  /** Whose cached answers apply: the API key's name, '' without keys. */
  namespace?: string;
}

const NO_GENERATOR = 'No generator is configured (SOBRE_GENERATOR=none): these are the most relevant passages, not an answer.';

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** How the router gets term statistics, and the dense similarity of a candidate sentence (one more embedding). */
export function routeContext(knowledge: Knowledge, embedder: Embedder, queryVector: Float32Array, language: StemLanguage = 'en'): RouteContext {
  return {
    stats: knowledge,
    sentenceCosine: async (c) => cosine(queryVector, (await embedder.embed([c.text], 'passage'))[0]),
    language,
  };
}

/** What a client sees of a passage: never its server path (`source`). */
function citation(n: number, p: Omit<Passage, 'score' | 'bm25' | 'cosine' | 'lexicalRank' | 'denseRank'>, score: number): Citation {
  return { n, documentId: p.documentId, title: p.title, name: p.name, chunkId: p.chunkId, start: p.start, end: p.end, text: p.text, score };
}

function toCitations(passages: readonly Passage[]): Citation[] {
  return passages.map((p, i) => citation(i + 1, p, p.score));
}

function toGeneratorPassages(passages: readonly Passage[]): GeneratorPassage[] {
  return passages.map((p) => ({ id: p.chunkId, title: p.title, text: p.text }));
}

interface Prepared {
  router: AnswerRouter;
  startedAt: number;
  cpuStart: NodeJS.CpuUsage;
  vector: Float32Array;
  passages: Passage[];
  decision: RouteDecision | null;
  known: KnownHit | null;
  timings: AskTimings;
}

/** A known answer's citations: its passages, numbered as its text cites them; a FAQ's with the answer's span. */
function knownCitations(hit: KnownHit): Citation[] {
  return hit.entry.citations.map((c, i) => {
    const span = hit.entry.span;
    const cited = citation(i + 1, c, hit.probability);
    if (span && span.documentId === c.documentId) cited.sentence = { start: span.start, end: span.end };
    return cited;
  });
}

function knownPassages(hit: KnownHit): Passage[] {
  return hit.entry.citations.map((c) => ({ ...c, score: hit.probability, bm25: null, cosine: null, lexicalRank: null, denseRank: null }));
}

export class AskService {
  private current: AnswerRouter;

  constructor(private readonly deps: AskDeps) {
    this.current = deps.router;
  }

  /** The router in force: swapped whole (a new calibration), read once per question. */
  get router(): AnswerRouter {
    return this.current;
  }

  useRouter(router: AnswerRouter): void {
    this.current = router;
  }

  /** Known questions first, else retrieval and routing: the part every route pays for. */
  private async prepare(question: string, namespace: string): Promise<Prepared> {
    const startedAt = performance.now();
    const cpuStart = process.cpuUsage();
    const { knowledge, embedder, retriever, config, known } = this.deps;
    const router = this.current;
    const [vector] = await embedder.embed([question], 'query');
    const t0 = performance.now();
    const timings: AskTimings = { embedMs: t0 - startedAt, searchMs: 0, routeMs: 0, generateMs: 0, totalMs: 0 };
    const hit = known ? await this.withKnownStore('lookup', () => known.lookup(question, vector, namespace), null) : null;
    if (hit) {
      timings.searchMs = performance.now() - t0;
      return { router, startedAt, cpuStart, vector, passages: knownPassages(hit), decision: null, known: hit, timings };
    }
    const language = questionLanguage(question, await knowledge.languages());
    const retrieval = await retriever.retrieve(question, { topK: config.topK, candidateK: config.candidateK, weights: router.fusion(language), language }, vector);
    const t = performance.now();
    timings.searchMs = t - t0;
    const decision = await router.route(question, retrieval.passages, routeContext(knowledge, embedder, vector, language));
    timings.routeMs = performance.now() - t;
    return { router, startedAt, cpuStart, vector, passages: retrieval.passages, decision, known: null, timings };
  }

  async ask(question: string, opts: AskOptions = {}): Promise<AskResponse> {
    let last: AskResponse | undefined;
    for await (const e of this.askStream(question, opts)) if (e.event === 'done') last = e.data;
    if (!last) throw new Error('ask produced no answer');
    return last;
  }

  /** The same as `ask`, as events: route first, tokens as a generator produces them, then done. */
  async *askStream(question: string, opts: AskOptions = {}): AsyncGenerator<AskStreamEvent> {
    const namespace = opts.namespace ?? '';
    const p = await this.prepare(question, namespace);
    const pathCpu = process.cpuUsage(p.cpuStart);
    const pathCpuMs = (pathCpu.user + pathCpu.system) / 1000;
    const { decision, passages } = p;
    if (p.known) {
      const { entry, probability } = p.known;
      const response: AskResponse = {
        answerId: randomUUID(), answer: entry.answer, route: entry.kind, confidence: probability, citations: knownCitations(p.known), timings: p.timings,
      };
      if (opts.explain) response.explain = { matched: { question: entry.question, kind: entry.kind, probability } };
      yield { event: 'route', data: { route: entry.kind, confidence: probability } };
      p.timings.totalMs = performance.now() - p.startedAt;
      response.compute = await this.record(question, response, passages, pathCpuMs, undefined, undefined, entry.generation ?? undefined);
      this.deps.learner?.observe({ answerId: response.answerId, question, router: p.router, decision: null, confidence: probability, passages, route: response.route, known: p.known });
      yield { event: 'done', data: response };
      return;
    }
    if (!decision) throw new Error('no route decision for a question that is not known');
    const citations = toCitations(passages);
    const response: AskResponse = {
      answerId: randomUUID(), answer: null, route: decision.route, confidence: decision.confidence, citations, timings: p.timings,
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
      let generated: GenerateResult | undefined;
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
        generated = result;
      } catch (e) {
        generatorError = errorMessage(e);
        response.route = 'passages';
        response.answer = null;
        response.citations = citations;
        response.notice = `The generator failed (${generatorError}): these are the most relevant passages, not an answer.`;
      }
      p.timings.generateMs = performance.now() - g0;
      const known = this.deps.known;
      const kept = generated;
      if (known && kept) await this.withKnownStore('remember', () => known.remember(question, p.vector, namespace, kept, toGeneratorPassages(passages), PROMPT_VERSION), null);
    }
    p.timings.totalMs = performance.now() - p.startedAt;
    response.compute = await this.record(question, response, passages, pathCpuMs, generation, generatorError);
    this.deps.learner?.observe({
      answerId: response.answerId, question, router: p.router, decision, confidence: decision.confidence, passages, route: response.route,
      generated: generation ? response.answer : null,
    });
    yield { event: 'done', data: response };
  }

  private async withKnownStore<T>(what: 'lookup' | 'remember', run: () => Promise<T>, fallback: T): Promise<T> {
    const report = this.deps.onKnownFailure;
    if (!report) return run();
    try {
      return await run();
    } catch (e) {
      report(what, e);
      return fallback;
    }
  }

  /** `original`: for a cached answer, what its generation spent, which is what this hit avoided. */
  private async record(question: string, r: AskResponse, passages: readonly Passage[], pathCpuMs: number, generation: AskOutcome['generation'], generatorError?: string, original?: { promptTokens: number; completionTokens: number }): Promise<unknown> {
    const { ledger, config } = this.deps;
    if (!ledger) return undefined;
    // Only an avoided call is estimated from the prompt it would have had: build it only then.
    const avoided = callStatusOf({ route: r.route, generatorError }) === 'avoided';
    const counterfactualPromptTokens = original?.promptTokens ?? (avoided ? buildPrompt(question, toGeneratorPassages(passages), {
      contextTokens: config.llmContextTokens, maxTokens: config.llmMaxTokens, countTokens: countTokensApprox,
    }).promptTokens : 0);
    try {
      const row = await ledger.record({
        at: new Date(), question, route: r.route, confidence: r.confidence,
        stageMs: { embed: r.timings.embedMs, search: r.timings.searchMs, route: r.timings.routeMs, generate: r.timings.generateMs, total: r.timings.totalMs },
        pathCpuMs, citedChunkIds: r.citations.map((c) => c.chunkId),
        counterfactualPromptTokens, counterfactualCompletionTokens: original?.completionTokens, generation, generatorError,
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
