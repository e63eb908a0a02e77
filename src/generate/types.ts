/**
 * The generator contract: what the answer pipeline needs from a small LLM that answers from passages.
 * Two implementations: `OpenAICompatibleGenerator` (any OpenAI-compatible HTTP server) and `LocalGenerator`
 * (transformers.js in process). `generator: 'none'` means no Generator object at all.
 */

export interface GeneratorPassage {
  /** Chunk id. */
  id: number;
  title: string;
  text: string;
}

export interface GenerateRequest {
  question: string;
  /** Best first: trimming to the token budget drops from the end. */
  passages: readonly GeneratorPassage[];
  /** Cancels the call (client went away); surfaces as `SobreError('generator_failed')` with `details.cancelled`. */
  signal?: AbortSignal;
  /** Overrides the configured max completion tokens for this call. */
  maxTokens?: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** `server`: reported by the LLM server; `tokenizer`: counted with the model's tokenizer; `estimate`: heuristic. */
  source: 'server' | 'tokenizer' | 'estimate';
}

export interface GenerateResult {
  /** The answer, citation markers kept as written, e.g. "... [2]". */
  text: string;
  /** Passage ids whose markers appear in the text, in order of first appearance, only valid markers. */
  citedPassageIds: number[];
  usage: TokenUsage;
  model: string;
  kind: 'openai' | 'local';
  /** Wall clock of the call (including retries). */
  latencyMs: number;
  /** Process CPU time (in-process generator only). */
  cpuMs?: number;
  /** After trimming to the token budget. */
  passagesSent: number;
}

export type GenerateEvent = { type: 'token'; text: string } | { type: 'done'; result: GenerateResult };

export interface Generator {
  readonly kind: 'openai' | 'local';
  readonly model: string;
  generate(req: GenerateRequest): Promise<GenerateResult>;
  stream(req: GenerateRequest): AsyncIterable<GenerateEvent>;
}

/** Counts the tokens of a text (a real tokenizer, or `countTokensApprox`). */
export type TokenCounter = (text: string) => number;
