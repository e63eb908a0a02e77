/**
 * The OpenAI chat-completions protocol around an `AskResponse` (chat-completions.ts serves it):
 * the question from the messages, the assistant text with its sources, usage, and errors in
 * OpenAI's shape `{ error: { message, type, param, code } }`.
 */
import type { ErrorRequestHandler, Request } from 'express';
import type { AskResponse, Citation } from '../answer/ask';
import { countTokensApprox } from '../generate/prompt';
import { contentWords } from '../text/tokens';
import { errorOutcome } from './problem';

/** The model id Sobre answers as (GET /v1/models). */
export const SOBRE_MODEL = 'sobre';
export const OPENAI_PATHS = ['/v1/chat/completions', '/v1/models'];

export interface ChatMessage {
  role: string;
  content: string;
}

/** A last user message with fewer content words than this borrows the previous user message. */
export const SHORT_FOLLOW_UP_WORDS = 3;

/**
 * The question Sobre answers: the last message, which must be the user's. When it has fewer than
 * SHORT_FOLLOW_UP_WORDS content words ("And in 2020?", "why?"), the previous user message is put
 * before it, so retrieval sees what it refers to. System and assistant messages are not used.
 */
export function questionOf(messages: readonly ChatMessage[]): string {
  const users = messages.filter((m) => m.role === 'user');
  const last = users[users.length - 1];
  const prev = users[users.length - 2];
  if (prev && contentWords(last.content).length < SHORT_FOLLOW_UP_WORDS) return `${prev.content.trim()} ${last.content.trim()}`;
  return last.content.trim();
}

/** The citations as people read them: `[1] Title (name)`, the name relative to its folder, never a server path. */
export function sourcesFooter(citations: readonly Citation[]): string {
  if (citations.length === 0) return '';
  return `\n\nSources:\n${citations.map((c) => `[${c.n}] ${c.title} (${c.name})`).join('\n')}`;
}

const EXCERPT_CHARS = 300;

/** The assistant text before the sources: the answer, or (passages only) the notice and the passages. */
export function answerText(r: AskResponse): string {
  if (r.answer !== null) return r.answer;
  const excerpts = r.citations.map((c) => `[${c.n}] ${c.text.length > EXCERPT_CHARS ? `${c.text.slice(0, EXCERPT_CHARS).trimEnd()}…` : c.text}`);
  return [r.notice ?? '', ...excerpts].filter(Boolean).join('\n\n');
}

/** The extra field on a response and on the final chunk. */
export function sobreField(r: AskResponse) {
  return {
    route: r.route,
    confidence: r.confidence,
    notice: r.notice ?? null,
    citations: r.citations.map((c) => ({ n: c.n, title: c.title, name: c.name, documentId: c.documentId, chunkId: c.chunkId, start: c.start, end: c.end })),
  };
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/**
 * Real tokens when the generator answered; otherwise estimates (the ledger's approximate counter):
 * the messages as prompt, the assistant text as completion.
 */
export function usageOf(r: AskResponse, messages: readonly ChatMessage[], content: string): ChatUsage {
  const prompt = r.route === 'generate' && r.usage ? r.usage.promptTokens : messages.reduce((n, m) => n + countTokensApprox(m.content), 0);
  const completion = r.route === 'generate' && r.usage ? r.usage.completionTokens : countTokensApprox(content);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

export function openAiError(status: number, code: string | null, message: string, param: string | null = null): OpenAiError {
  return { error: { message, type: errorType(status), param, code: status === 401 ? 'invalid_api_key' : code } };
}

/**
 * The app's error renderer: OpenAI's error shape on the OpenAI-compatible routes, the problem
 * documents (`fallback`) everywhere else.
 */
export function openAiErrors(fallback: ErrorRequestHandler, onInternal: (err: unknown, req: Request) => void): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (!OPENAI_PATHS.includes(req.path.replace(/\/+$/, ''))) return fallback(err, req, res, next);
    if (res.headersSent) {
      if (!res.writableEnded) res.end();
      return;
    }
    const o = errorOutcome(err, req, onInternal);
    for (const [name, value] of Object.entries(o.opts.headers ?? {})) res.setHeader(name, value);
    const param = typeof o.opts.extensions?.param === 'string' ? o.opts.extensions.param : null;
    res.status(o.status).json(openAiError(o.status, o.code, o.detail, param));
  };
}
