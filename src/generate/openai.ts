/**
 * Generator backed by any OpenAI-compatible chat-completions server (Ollama, llama.cpp, vLLM, LM Studio, a
 * hosted API), through LangChain's `ChatOpenAI`.
 *
 * Failure policy (ours, testable; LangChain's and the SDK's own retries are off with `maxRetries: 0`):
 * - each attempt has its own timeout (an AbortController; for streams it is an idle timeout, re-armed after
 *   each token); a timed-out call is not retried and surfaces as `generator_timeout`;
 * - 429, 5xx and connection errors are retried `retries` times with exponential backoff and jitter, or after
 *   the server's Retry-After (capped); a stream is retried only before its first token;
 * - a circuit breaker fails fast with `circuit_open` after repeated failed calls;
 * - everything else surfaces as `generator_failed`, with the HTTP status in `details.status` when known.
 */
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, SystemMessage, type AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { SobreError } from '../errors';
import { CircuitBreaker, type CircuitOptions } from './circuit';
import { AttemptGuard, cancelledError, timeoutError } from './guard';
import { buildPrompt, countTokensApprox, mapCitations, type BuiltPrompt } from './prompt';
import { backoffDelayMs, classifyFailure, sleep, type AttemptFailure, type BackoffOptions } from './retry';
import type { GenerateEvent, GenerateRequest, GenerateResult, Generator, TokenCounter, TokenUsage } from './types';

/** Sent when no API key is configured: local servers (Ollama, llama.cpp) ignore it, the SDK requires one. */
export const PLACEHOLDER_API_KEY = 'sk-no-key';

export interface OpenAIGeneratorOptions {
  /** e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  temperature?: number;
  /** Default completion budget (a request may lower or raise it). Default 256. */
  maxTokens?: number;
  /** The model's context window, bounds the passages sent. Default 4096. */
  contextTokens?: number;
  /** Per attempt; for streams, the longest wait for the next token. Default 30 s. */
  timeoutMs?: number;
  /** Retries on 429/5xx/connection errors. Default 2. */
  retries?: number;
  backoff?: BackoffOptions;
  /** A shared breaker, or options for this generator's own. */
  circuit?: CircuitBreaker | CircuitOptions;
  /** Prompt token counter used for trimming and as the usage estimate. Default `countTokensApprox`. */
  countTokens?: TokenCounter;
}

interface Failure {
  error: SobreError;
  /** Counts against the circuit breaker (the server is unwell), as opposed to a cancelled or malformed call. */
  countsAsFailure: boolean;
  retryable: boolean;
  retryAfterMs?: number;
}

export class OpenAICompatibleGenerator implements Generator {
  readonly kind = 'openai' as const;
  readonly model: string;
  readonly circuit: CircuitBreaker;
  private readonly opts: Required<Omit<OpenAIGeneratorOptions, 'apiKey' | 'circuit' | 'backoff'>> & { backoff: BackoffOptions };
  private readonly apiKey: string;
  private readonly clients = new Map<number, ChatOpenAI>();

  constructor(options: OpenAIGeneratorOptions) {
    this.model = options.model;
    this.apiKey = options.apiKey || PLACEHOLDER_API_KEY;
    this.opts = {
      baseUrl: options.baseUrl,
      model: options.model,
      temperature: options.temperature ?? 0,
      maxTokens: options.maxTokens ?? 256,
      contextTokens: options.contextTokens ?? 4096,
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 2,
      backoff: options.backoff ?? {},
      countTokens: options.countTokens ?? countTokensApprox,
    };
    this.circuit = options.circuit instanceof CircuitBreaker ? options.circuit : new CircuitBreaker({ name: `generator ${options.model}`, ...options.circuit });
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const started = performance.now();
    const { prompt, maxTokens, messages } = this.prepare(req);
    this.circuit.acquire();
    for (let attempt = 1; ; attempt++) {
      const guard = new AttemptGuard(req.signal, this.opts.timeoutMs);
      try {
        guard.arm();
        const message = await this.client(maxTokens).invoke(messages, { signal: guard.signal });
        this.circuit.onSuccess();
        return this.result(prompt, message.text, message.usage_metadata, started);
      } catch (e) {
        const failure = this.failure(e, guard, attempt, false);
        guard.dispose(); // before the backoff wait
        const error = await this.retryOrSettle(failure, attempt, req.signal);
        if (error) throw error;
      } finally {
        guard.dispose();
      }
    }
  }

  async *stream(req: GenerateRequest): AsyncGenerator<GenerateEvent> {
    const started = performance.now();
    const { prompt, maxTokens, messages } = this.prepare(req);
    this.circuit.acquire();
    let settled = false;
    try {
      let text = '';
      let usage: AIMessageChunk['usage_metadata'];
      for (let attempt = 1; ; attempt++) {
        const guard = new AttemptGuard(req.signal, this.opts.timeoutMs);
        let emitted = false;
        try {
          guard.arm();
          const chunks = await this.client(maxTokens).stream(messages, { signal: guard.signal });
          for await (const chunk of chunks) {
            guard.disarm();
            if (chunk.usage_metadata) usage = chunk.usage_metadata;
            const piece = chunk.text;
            if (piece) {
              emitted = true;
              text += piece;
              yield { type: 'token', text: piece };
            }
            guard.arm();
          }
          if (guard.signal.aborted) throw guard.signal.reason;
          break;
        } catch (e) {
          const failure = this.failure(e, guard, attempt, emitted);
          guard.dispose(); // before the backoff wait
          const error = await this.retryOrSettle(failure, attempt, req.signal);
          if (error) {
            settled = true;
            throw error;
          }
        } finally {
          guard.dispose();
        }
      }
      this.circuit.onSuccess();
      settled = true;
      yield { type: 'done', result: this.result(prompt, text, usage, started) };
    } finally {
      // The consumer stopped early (break/return): no verdict on the server's health.
      if (!settled) this.circuit.release();
    }
  }

  private prepare(req: GenerateRequest): { prompt: BuiltPrompt; maxTokens: number; messages: BaseMessage[] } {
    if (req.signal?.aborted) throw cancelledError(this.model, req.signal.reason);
    const maxTokens = req.maxTokens ?? this.opts.maxTokens;
    const prompt = buildPrompt(req.question, req.passages, { contextTokens: this.opts.contextTokens, maxTokens, countTokens: this.opts.countTokens });
    return { prompt, maxTokens, messages: [new SystemMessage(prompt.system), new HumanMessage(prompt.user)] };
  }

  /** One ChatOpenAI per completion budget (max_tokens is a constructor field in LangChain). */
  private client(maxTokens: number): ChatOpenAI {
    let client = this.clients.get(maxTokens);
    if (!client) {
      client = new ChatOpenAI({
        model: this.opts.model,
        apiKey: this.apiKey,
        configuration: { baseURL: this.opts.baseUrl },
        temperature: this.opts.temperature,
        maxTokens,
        streamUsage: true, // stream_options.include_usage: the last streamed chunk carries usage
        maxRetries: 0, // the retry policy is ours
      });
      this.clients.set(maxTokens, client);
    }
    return client;
  }

  private failure(e: unknown, guard: AttemptGuard, attempts: number, midStream: boolean): Failure {
    if (guard.cancelled) return { error: cancelledError(this.model, e), countsAsFailure: false, retryable: false };
    const f: AttemptFailure = classifyFailure(e);
    const details: Record<string, unknown> = { model: this.model, attempts, ...(midStream ? { midStream } : {}) };
    if (guard.timedOut || f.kind === 'timeout') {
      return { error: timeoutError(this.model, this.opts.timeoutMs, details), countsAsFailure: true, retryable: false };
    }
    if (f.status !== undefined) details.status = f.status;
    const what = f.kind === 'http' ? `HTTP ${f.status}` : f.kind === 'connection' ? 'connection error' : 'error';
    const error = new SobreError('generator_failed', `The generator (${this.model}) failed: ${what}: ${f.message}`, details, { cause: e });
    // A 4xx other than auth/not-found/timeout/rate-limit is about this request, not about the server's health.
    const requestSpecific = f.status !== undefined && f.status >= 400 && f.status < 500 && ![401, 403, 404, 408, 429].includes(f.status);
    // Tokens already reached the consumer: a retry would repeat them.
    return { error, countsAsFailure: !requestSpecific, retryable: f.retryable && !midStream, retryAfterMs: f.retryAfterMs };
  }

  /**
   * After failed attempt number `attempt`: when retryable and retries remain, wait the backoff and return null
   * (try again); otherwise settle the circuit and return the error to throw.
   */
  private async retryOrSettle(f: Failure, attempt: number, signal: AbortSignal | undefined): Promise<SobreError | null> {
    if (f.retryable && attempt <= this.opts.retries) {
      try {
        await sleep(backoffDelayMs(attempt - 1, this.opts.backoff, f.retryAfterMs), signal);
        return null;
      } catch (e) {
        f = { error: cancelledError(this.model, e), countsAsFailure: false, retryable: false };
      }
    }
    if (f.countsAsFailure) this.circuit.onFailure();
    else this.circuit.release();
    return f.error;
  }

  private result(prompt: BuiltPrompt, raw: string, usage: AIMessageChunk['usage_metadata'], started: number): GenerateResult {
    const text = raw.trim();
    const fromServer = usage !== undefined && typeof usage.input_tokens === 'number' && typeof usage.output_tokens === 'number';
    const tokens: TokenUsage = fromServer
      ? { promptTokens: usage.input_tokens, completionTokens: usage.output_tokens, source: 'server' }
      : { promptTokens: prompt.promptTokens, completionTokens: countTokensApprox(text), source: 'estimate' };
    return {
      text,
      citedPassageIds: mapCitations(text, prompt.passagesUsed),
      usage: tokens,
      model: this.model,
      kind: 'openai',
      latencyMs: performance.now() - started,
      passagesSent: prompt.passagesUsed.length,
    };
  }
}
