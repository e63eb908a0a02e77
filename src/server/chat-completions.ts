/**
 * OpenAI-compatible endpoints, so the OpenAI SDKs, LangChain's ChatOpenAI and chat front-ends can
 * use Sobre as a model:
 * - POST /v1/chat/completions  the last user message is the question (openai-shape.ts `questionOf`),
 *   answered by `AskService` like POST /v1/ask (same key namespace, ledger and metrics); the
 *   assistant message is the answer with a "Sources:" footer, and `sobre` carries the route,
 *   confidence and citations. `stream: true` gives chat.completion.chunk events, a generator's
 *   tokens as they come, ending with `data: [DONE]`.
 * - GET /v1/models  `sobre` and, when one is configured, the generator's model id.
 * Errors are OpenAI's `{ error: { message, type, param, code } }` (openAiErrors in openai-shape.ts).
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { AskResponse, AskService } from '../answer/ask';
import { errorMessage } from '../errors';
import { contextOf } from './context';
import { requireContentType } from './limits';
import type { ServiceMetrics } from './metrics';
import { answerText, openAiError, questionOf, SOBRE_MODEL, sobreField, sourcesFooter, usageOf, type ChatMessage } from './openai-shape';
import { httpError } from './problem';
import { chatRequestSchema } from './schemas';
import type { TurnQueue } from './turns';

export interface ChatRouteDeps {
  ask: AskService;
  metrics: ServiceMetrics;
  turns: TurnQueue;
  maxQuestionChars: number;
  maxBodyBytes: number;
  /** The configured generator's model id (listed by /v1/models), or null without one. */
  generatorModel: string | null;
  /** Access check (as for asking), rate limit and deadline; /v1/models too. */
  before: RequestHandler[];
  onStreamError: (err: unknown, req: Request) => void;
}

function invalid(message: string, param: string | null, status = 400, code = 'invalid_value'): Error {
  return httpError(status, code, message, { extensions: { param } });
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p: { text: string }) => p.text).join('\n');
  return '';
}

interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  question: string;
  stream: boolean;
  includeUsage: boolean;
}

function parseRequest(body: unknown, models: readonly string[], maxQuestionChars: number): ChatRequest {
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue.path.length ? issue.path.map(String).join('.') : null;
    throw invalid(`Invalid request${param ? ` at ${param}` : ''}: ${issue.message}`, param);
  }
  const b = parsed.data;
  if (!models.includes(b.model)) throw invalid(`The model ${b.model.slice(0, 200)} does not exist: use one of ${models.join(', ')} (GET /v1/models)`, 'model', 404, 'model_not_found');
  const messages = b.messages.map((m) => ({ role: m.role, content: textOf(m.content) }));
  const last = messages[messages.length - 1];
  if (last.role !== 'user' || last.content.trim() === '') throw invalid('The last message must be a non-empty user message: it is the question', 'messages');
  const question = questionOf(messages);
  if (question.length > maxQuestionChars) throw invalid(`The question is longer than ${maxQuestionChars} characters`, 'messages', 400, 'context_length_exceeded');
  return { model: b.model, messages, question, stream: b.stream === true, includeUsage: b.stream_options?.include_usage === true };
}

export function chatRoutes(deps: ChatRouteDeps): express.Router {
  const router = express.Router();
  const json = express.json({ limit: deps.maxBodyBytes, strict: true, type: 'application/json' });
  const jsonOnly = requireContentType(['application/json'], 'send the chat completion request as application/json');
  const models = [SOBRE_MODEL, ...(deps.generatorModel && deps.generatorModel !== SOBRE_MODEL ? [deps.generatorModel] : [])];

  router.get('/v1/models', ...deps.before, (_req: Request, res: Response) => {
    res.json({ object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: id === SOBRE_MODEL ? 'sobre' : 'generator' })) });
  });

  router.post('/v1/chat/completions', ...deps.before, jsonOnly, json, async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    const chat = parseRequest(req.body, models, deps.maxQuestionChars);
    ctx.question = chat.question;
    try {
      const release = await deps.turns.turn(ctx.signal);
      res.once('finish', release);
      res.once('close', release);
    } catch (err) {
      if (ctx.signal.aborted) return;
      throw httpError(503, 'overloaded', errorMessage(err), { headers: { 'retry-after': '1' } });
    }
    const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
    const created = Math.floor(Date.now() / 1000);
    const opts = { signal: ctx.signal, namespace: ctx.keyName ?? '' };
    if (!chat.stream) {
      const answer = await deps.ask.ask(chat.question, opts);
      deps.metrics.observeAnswer(answer.route, answer.compute);
      const content = answerText(answer) + sourcesFooter(answer.citations);
      if (res.headersSent) return;
      res.json({
        id, object: 'chat.completion', created, model: chat.model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: usageOf(answer, chat.messages, content), sobre: sobreField(answer),
      });
      return;
    }
    await streamAnswer(deps, req, res, chat, { id, created, opts });
  });

  return router;
}

async function streamAnswer(deps: ChatRouteDeps, req: Request, res: Response, chat: ChatRequest, c: { id: string; created: number; opts: { signal: AbortSignal; namespace: string } }): Promise<void> {
  res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  const send = (data: unknown) => {
    if (!res.writableEnded && !c.opts.signal.aborted) res.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  const chunk = (delta: Record<string, unknown>, finish: 'stop' | null = null, extra: Record<string, unknown> = {}) => send({
    id: c.id, object: 'chat.completion.chunk', created: c.created, model: chat.model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...(chat.includeUsage ? { usage: null } : {}), ...extra,
  });
  chunk({ role: 'assistant', content: '' });
  let streamed = '';
  let final: AskResponse | undefined;
  try {
    for await (const e of deps.ask.askStream(chat.question, c.opts)) {
      if (e.event === 'token') {
        streamed += e.data.text;
        chunk({ content: e.data.text });
      } else if (e.event === 'done') final = e.data;
    }
  } catch (err) {
    deps.onStreamError(err, req);
    send(openAiError(500, 'internal', 'Internal error'));
    res.end();
    return;
  }
  if (!final) throw new Error('the answer stream ended without an answer');
  deps.metrics.observeAnswer(final.route, final.compute);
  // Tokens already sent stay; a generator failing mid-answer adds its notice and the passages after them.
  const text = answerText(final);
  const rest = streamed && text.startsWith(streamed) ? text.slice(streamed.length) : streamed ? `\n\n${text}` : text;
  const content = streamed + rest + sourcesFooter(final.citations);
  if (rest) chunk({ content: rest });
  if (final.citations.length > 0) chunk({ content: sourcesFooter(final.citations) });
  chunk({}, 'stop', { sobre: sobreField(final) });
  if (chat.includeUsage) send({ id: c.id, object: 'chat.completion.chunk', created: c.created, model: chat.model, choices: [], usage: usageOf(final, chat.messages, content) });
  if (!res.writableEnded) res.write('data: [DONE]\n\n');
  res.end();
}
