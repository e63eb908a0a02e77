/**
 * The fake OpenAI-compatible server (fake-openai-server.ts) in a process of its own, answering
 * like an extractive model: the first sentence of passage [1], cited. A benchmark measures its own
 * process's CPU time, so the stand-in LLM must not run inside it. Counts calls and the tokens its
 * usage reported (prompt = characters / 4, completion = words: the fake's own rules).
 *
 * No real LLM server can run here (no model weights offline); this one speaks the protocol, so
 * the clients (LangChain's ChatOpenAI) do exactly the work they would against Ollama or a hosted API.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { reply, startFakeOpenAIServer, type ChatCompletionRequestBody } from './fake-openai-server';

export interface FakeLlmStats {
  calls: number;
  promptTokens: number;
  completionTokens: number;
}

export interface FakeLlm {
  readonly baseUrl: string;
  stats(): Promise<FakeLlmStats>;
  close(): Promise<void>;
}

/** What an extractive model would say: passage [1]'s first sentence, with its citation. */
export function extractiveAnswer(body: ChatCompletionRequestBody): string {
  const user = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  const text = typeof user?.content === 'string' ? user.content : '';
  const first = /\[1\][^\n]*\n([^\n]+)/.exec(text)?.[1] ?? '';
  const sentence = /^.*?[.!?](?=\s|$)/.exec(first.trim())?.[0] ?? first.trim().slice(0, 300);
  return sentence ? `${sentence} [1]` : 'The documents do not say.';
}

type Message = { type: 'stats'; id: number } | { type: 'close' };

/** In the child: serve, count, answer the parent's questions. */
async function child(): Promise<void> {
  const server = await startFakeOpenAIServer();
  const stats: FakeLlmStats = { calls: 0, promptTokens: 0, completionTokens: 0 };
  server.setResponder((body) => {
    const text = extractiveAnswer(body);
    const chars = (body.messages ?? []).reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0);
    const usage = { prompt_tokens: Math.ceil(chars / 4), completion_tokens: text.split(/\s+/).filter(Boolean).length };
    stats.calls++;
    stats.promptTokens += usage.prompt_tokens;
    stats.completionTokens += usage.completion_tokens;
    return reply.ok(text, { usage });
  });
  process.on('message', (m: Message) => {
    if (m.type === 'stats') process.send?.({ type: 'stats', id: m.id, stats });
    else void server.close().then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', baseUrl: server.baseUrl });
}

export async function startFakeLlm(): Promise<FakeLlm> {
  const proc: ChildProcess = fork(__filename, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`the fake LLM exited with ${code}`)));
    proc.on('message', (m: { type: string; baseUrl?: string }) => {
      if (m.type === 'ready' && m.baseUrl) resolve(m.baseUrl);
    });
  });
  proc.removeAllListeners('exit');
  let next = 0;
  return {
    baseUrl,
    stats: () =>
      new Promise((resolve) => {
        const id = ++next;
        const onMessage = (m: { type: string; id?: number; stats?: FakeLlmStats }) => {
          if (m.type !== 'stats' || m.id !== id || !m.stats) return;
          proc.off('message', onMessage);
          resolve(m.stats);
        };
        proc.on('message', onMessage);
        proc.send({ type: 'stats', id } satisfies Message);
      }),
    close: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.send({ type: 'close' } satisfies Message);
      }),
  };
}

if (require.main === module && process.argv.includes('--child')) void child();
