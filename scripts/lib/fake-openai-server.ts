/**
 * A fake OpenAI-compatible chat-completions server for tests and benchmarks.
 *
 * This server stands in for a real LLM server (Ollama, llama.cpp, vLLM, a hosted API) because none can run
 * on this machine: there is no internet access for model weights and no LLM server installed. It speaks the
 * wire protocol faithfully enough for the official `openai` SDK (used by LangChain's `ChatOpenAI`):
 * `POST /v1/chat/completions` returns a `chat.completion` JSON object, or with `stream: true` a
 * `text/event-stream` of `chat.completion.chunk` objects, a final usage chunk when
 * `stream_options.include_usage` is set, then `data: [DONE]`.
 *
 * Each request takes the next scripted behaviour from a queue (or the default one): a normal answer, an HTTP
 * error status (429 with `Retry-After`, 500...), a slow answer (delay before headers or between chunks), a
 * dropped connection, an answer without usage. Every request is recorded (body and headers) so tests can
 * assert the request shape.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OkReply {
  kind: 'ok';
  text: string;
  /** Streamed pieces; default: the text split after each run of whitespace. */
  chunks?: string[];
  /** `false`: send no usage at all. Default: prompt = ceil(prompt chars / 4), completion = number of pieces. */
  usage?: false | { prompt_tokens: number; completion_tokens: number };
  headersDelayMs?: number;
  chunkDelayMs?: number;
  finishReason?: string;
}
export interface StatusReply {
  kind: 'status';
  status: number;
  retryAfter?: string;
  message?: string;
}
export interface DropReply {
  kind: 'drop';
  /** Streaming: content pieces sent before the socket is destroyed (0: destroy before any byte). */
  afterChunks: number;
  text?: string;
}
export type FakeReply = OkReply | StatusReply | DropReply;

export const reply = {
  ok: (text: string, opts: Omit<OkReply, 'kind' | 'text'> = {}): OkReply => ({ kind: 'ok', text, ...opts }),
  status: (status: number, opts: Omit<StatusReply, 'kind' | 'status'> = {}): StatusReply => ({ kind: 'status', status, ...opts }),
  rateLimited: (retryAfter?: string): StatusReply => ({ kind: 'status', status: 429, retryAfter, message: 'Rate limit reached' }),
  serverError: (status = 500): StatusReply => ({ kind: 'status', status, message: 'The server had an error' }),
  slow: (text: string, headersDelayMs: number, chunkDelayMs = 0): OkReply => ({ kind: 'ok', text, headersDelayMs, chunkDelayMs }),
  drop: (afterChunks = 0, text = 'This answer will be cut off in the middle'): DropReply => ({ kind: 'drop', afterChunks, text }),
};

export interface ChatCompletionRequestBody {
  model?: string;
  messages?: { role: string; content: unknown }[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: ChatCompletionRequestBody;
  at: number;
}

export interface FakeOpenAIServer {
  /** e.g. `http://127.0.0.1:54321/v1`, what a client takes as `baseURL`. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Replies for the next requests, in order. */
  enqueue(...replies: FakeReply[]): void;
  /** Reply used when the queue is empty (default: `ok('Default answer.')`). */
  setDefault(r: FakeReply): void;
  /** Reply computed from each request when the queue is empty (replaces the default). */
  setResponder(f: (body: ChatCompletionRequestBody) => FakeReply): void;
  close(): Promise<void>;
}

function splitPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function promptChars(body: ChatCompletionRequestBody): number {
  return (body.messages ?? []).reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0);
}

export async function startFakeOpenAIServer(): Promise<FakeOpenAIServer> {
  const queue: FakeReply[] = [];
  let fallback: (body: ChatCompletionRequestBody) => FakeReply = () => reply.ok('Default answer.');
  const requests: RecordedRequest[] = [];
  let counter = 0;

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      let body: ChatCompletionRequestBody = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as ChatCompletionRequestBody;
      } catch {
        body = {};
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() });
      if (req.method !== 'POST' || !(req.url ?? '').endsWith('/chat/completions')) {
        sendJson(res, 404, { error: { message: `Unknown route ${req.method} ${req.url}`, type: 'invalid_request_error', code: null } });
        return;
      }
      void respond(res, queue.shift() ?? fallback(body), body, `chatcmpl-fake-${++counter}`);
    });
  });

  let closed = false;
  // A client that gave up (timeout, abort) closes the socket: stop writing to it.
  const wait = (ms: number, res: http.ServerResponse) =>
    new Promise<boolean>((resolve) => {
      if (ms <= 0) return resolve(!res.destroyed && !closed);
      const onClose = () => {
        clearTimeout(t);
        resolve(false);
      };
      const t = setTimeout(() => {
        res.off('close', onClose);
        resolve(!res.destroyed && !closed);
      }, ms);
      res.once('close', onClose);
    });

  async function respond(res: http.ServerResponse, r: FakeReply, body: ChatCompletionRequestBody, id: string): Promise<void> {
    const model = body.model ?? 'fake-model';
    const created = Math.floor(Date.now() / 1000);
    if (r.kind === 'status') {
      const headers: Record<string, string> = {};
      if (r.retryAfter !== undefined) headers['retry-after'] = r.retryAfter;
      const type = r.status === 429 ? 'rate_limit_error' : r.status >= 500 ? 'server_error' : 'invalid_request_error';
      sendJson(res, r.status, { error: { message: r.message ?? `HTTP ${r.status}`, type, code: null } }, headers);
      return;
    }
    if (r.kind === 'drop' && (r.afterChunks <= 0 || !body.stream)) {
      res.socket?.destroy();
      return;
    }
    const text = r.text ?? '';
    const pieces = r.kind === 'ok' && r.chunks ? r.chunks : splitPieces(text);
    const usageSpec = r.kind === 'ok' ? r.usage : undefined;
    const usage =
      usageSpec === false
        ? undefined
        : (() => {
            const u = usageSpec ?? { prompt_tokens: Math.ceil(promptChars(body) / 4), completion_tokens: pieces.length };
            return { ...u, total_tokens: u.prompt_tokens + u.completion_tokens };
          })();
    const finishReason = (r.kind === 'ok' && r.finishReason) || 'stop';
    if (r.kind === 'ok' && !(await wait(r.headersDelayMs ?? 0, res))) return;

    if (!body.stream) {
      sendJson(res, 200, {
        id, object: 'chat.completion', created, model, system_fingerprint: 'fp_fake',
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finishReason }],
        ...(usage ? { usage } : {}),
      });
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true && usage !== undefined;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({
        id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(includeUsage ? { usage: null } : {}),
      })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    const chunkDelay = r.kind === 'ok' ? (r.chunkDelayMs ?? 0) : 0;
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0 && !(await wait(chunkDelay, res))) return;
      if (r.kind === 'drop' && i === r.afterChunks) {
        res.socket?.destroy();
        return;
      }
      // Let the piece reach the socket before the next step (so a drop right after it is deterministic).
      await new Promise<void>((resolve) => {
        res.once('close', resolve);
        res.write(chunk({ content: pieces[i] }, null), () => {
          res.off('close', resolve);
          resolve();
        });
      });
      if (res.destroyed || closed) return;
    }
    res.write(chunk({}, finishReason));
    if (includeUsage) {
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake', choices: [], usage })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...rs) => void queue.push(...rs),
    setDefault: (r) => void (fallback = () => r),
    setResponder: (f) => void (fallback = f),
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}
