/**
 * POST /v1/chat/completions and GET /v1/models, driven by the clients people use: the official
 * `openai` npm package and LangChain's `ChatOpenAI`, JSON and streaming, with API keys, against
 * the service over real HTTP (SQLite, hnswlib, Express). The generator behind Sobre is the local
 * fake OpenAI server (tests/helpers/fake-openai-server.ts), standing in for an LLM server that
 * cannot run on this machine; the clients talk to Sobre itself.
 */
import path from 'node:path';
import { AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { OpenAICompatibleGenerator } from '../../src/generate/openai';
import { questionOf } from '../../src/server/openai-shape';
import type { Report } from '../../src/report/types';
import { reply, startFakeOpenAIServer, type FakeOpenAIServer } from '../helpers/fake-openai-server';
import { auth, postJson, startTestServer, type TestServer } from './helpers';

const KEY = 'alice-key-0123456789abcdef';
const DIRECT = 'What port does Sobre listen on?';
const GENERATED = 'Which comes first in the list of formats Sobre ingests, Markdown or PDF?';
const OUT_OF_SCOPE = 'Who painted the ceiling of the Sistine Chapel?';

interface SobreField {
  route: string;
  confidence: number | null;
  notice: string | null;
  citations: { n: number; title: string; name: string }[];
}

let llm: FakeOpenAIServer;
let s: TestServer;
let client: OpenAI;

beforeAll(async () => {
  llm = await startFakeOpenAIServer();
  const generator = new OpenAICompatibleGenerator({ baseUrl: llm.baseUrl, model: 'qwen2.5:0.5b', timeoutMs: 10_000, retries: 0 });
  s = await startTestServer({ generator, env: { SOBRE_API_KEYS: `alice:${KEY},bob:bob-key-fedcba9876543210`, SOBRE_GENERATOR: 'openai', SOBRE_LLM_MODEL: 'qwen2.5:0.5b' } });
  client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await s?.stop();
  await llm?.close();
});

describe('the openai npm package as client', () => {
  it('lists sobre and the generator model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['sobre', 'qwen2.5:0.5b']);
  });

  it('JSON: a direct answer with its Sources footer, the sobre field and estimated usage', async () => {
    const res = await client.chat.completions.create({ model: 'sobre', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: DIRECT }] });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('sobre');
    const sobre = (res as unknown as { sobre: SobreField }).sobre;
    expect(sobre.route).toBe('direct');
    expect(sobre.citations).toHaveLength(1);
    const content = res.choices[0].message.content ?? '';
    expect(content).toMatch(/^Sobre listens on port 3000 by default\./);
    expect(content).toContain(`\n\nSources:\n[1] ${sobre.citations[0].title} (port.md)`); // relative to the corpus folder, no server path
    expect(JSON.stringify(res)).not.toContain(path.sep + 'corpus' + path.sep);
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage!.completion_tokens).toBeGreaterThan(5);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    expect(llm.requests).toHaveLength(0);
  });

  it('JSON: an abstention comes back as an assistant message, route abstain, no LLM call', async () => {
    const res = await client.chat.completions.create({ model: 'sobre', messages: [{ role: 'user', content: OUT_OF_SCOPE }] });
    expect((res as unknown as { sobre: SobreField }).sobre).toMatchObject({ route: 'abstain', citations: [] });
    expect(res.choices[0].message.content).toBe('The documents do not cover this question.');
    expect(llm.requests).toHaveLength(0);
  });

  it('streaming: a generated answer arrives token by token, then the sources, sobre and the real usage', async () => {
    llm.enqueue(reply.ok('Markdown comes first [1].', { chunks: ['Markdown ', 'comes ', 'first ', '[1].'], usage: { prompt_tokens: 300, completion_tokens: 9 } }));
    const stream = await client.chat.completions.create({ model: 'qwen2.5:0.5b', messages: [{ role: 'user', content: GENERATED }], stream: true, stream_options: { include_usage: true } });
    const pieces: string[] = [];
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      const piece = chunk.choices[0]?.delta.content;
      if (piece) pieces.push(piece);
    }
    expect(pieces.slice(0, 4)).toEqual(['Markdown ', 'comes ', 'first ', '[1].']);
    expect(pieces[4]).toMatch(/^\n\nSources:\n\[1\] .*formats\.txt\)$/);
    expect(chunks.every((c) => c.model === 'qwen2.5:0.5b' && c.object === 'chat.completion.chunk')).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 300, completion_tokens: 9, total_tokens: 309 });
    const stop = chunks.find((c) => c.choices[0]?.finish_reason === 'stop') as unknown as { sobre: SobreField };
    expect(stop.sobre.route).toBe('generate');
  });

  it('errors: a wrong key is AuthenticationError (401), an unknown model NotFoundError (404), in the OpenAI shape', async () => {
    const wrong = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'not-a-key-at-all-123456', maxRetries: 0 });
    const e401 = await wrong.chat.completions.create({ model: 'sobre', messages: [{ role: 'user', content: DIRECT }] }).catch((e: unknown) => e);
    expect(e401).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((e401 as InstanceType<typeof OpenAI.AuthenticationError>).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    const e404 = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: DIRECT }] }).catch((e: unknown) => e);
    expect(e404).toBeInstanceOf(OpenAI.NotFoundError);
    expect((e404 as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'model_not_found' });
  });
});

describe("LangChain's ChatOpenAI as client", () => {
  const chat = () => new ChatOpenAI({ model: 'sobre', apiKey: KEY, maxRetries: 0, configuration: { baseURL: `${s.url}/v1` } });

  it('invoke: the answer, the sources and the token usage', async () => {
    const msg = await chat().invoke([new SystemMessage('You answer from the documents.'), new HumanMessage(DIRECT)]);
    expect(String(msg.content)).toMatch(/^Sobre listens on port 3000 by default\.[\s\S]*Sources:\n\[1\] /);
    expect(msg.usage_metadata?.output_tokens).toBeGreaterThan(0);
  });

  it('stream: the generated tokens come through as chunks', async () => {
    llm.enqueue(reply.ok('Markdown is listed before PDF [1].', { chunks: ['Markdown ', 'is listed ', 'before PDF [1].'] }));
    const pieces: string[] = [];
    for await (const chunk of await chat().stream([new HumanMessage(GENERATED)])) if (chunk.content) pieces.push(String(chunk.content));
    expect(pieces.slice(0, 3)).toEqual(['Markdown ', 'is listed ', 'before PDF [1].']);
    expect(pieces.join('')).toMatch(/^Markdown is listed before PDF \[1\]\.\n\nSources:\n\[1\] /);
  });

  it('a short follow-up borrows the previous user question', async () => {
    const msg = await chat().invoke([new HumanMessage('Which address does the service bind to?'), new AIMessage('127.0.0.1 [1]'), new HumanMessage('unless?')]);
    expect(String(msg.content)).toContain('HOST');
  });
});

describe('the protocol over plain HTTP', () => {
  it('stream: true without include_usage: chunks without usage, ending in data: [DONE]', async () => {
    const res = await postJson(`${s.url}/v1/chat/completions`, { model: 'sobre', messages: [{ role: 'user', content: DIRECT }], stream: true }, auth(KEY));
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')) as Record<string, unknown>);
    expect(chunks[0]).toMatchObject({ choices: [{ delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }], sobre: { route: 'direct' } });
  });

  it.each([
    ['no key', {}, { model: 'sobre', messages: [{ role: 'user', content: DIRECT }] }, 401, 'authentication_error', null],
    ['no messages', auth(KEY), { model: 'sobre' }, 400, 'invalid_request_error', 'messages'],
    ['last message not the user\'s', auth(KEY), { model: 'sobre', messages: [{ role: 'user', content: DIRECT }, { role: 'assistant', content: 'x' }] }, 400, 'invalid_request_error', 'messages'],
    ['an image part', auth(KEY), { model: 'sobre', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 400, 'invalid_request_error', 'messages.0.content'],
    ['n = 2', auth(KEY), { model: 'sobre', n: 2, messages: [{ role: 'user', content: DIRECT }] }, 400, 'invalid_request_error', 'n'],
  ])('%s: the OpenAI error shape', async (_what, headers, body, status, type, param) => {
    const res = await postJson(`${s.url}/v1/chat/completions`, body, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const json = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(json.error).toMatchObject({ type, param });
  });

  it('bad JSON, a wrong method and a wrong content type answer in the OpenAI shape too', async () => {
    const bad = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(KEY) }, body: '{' });
    expect([bad.status, ((await bad.json()) as { error: { type: string } }).error.type]).toEqual([400, 'invalid_request_error']);
    const get = await fetch(`${s.url}/v1/chat/completions`, { headers: auth(KEY) });
    expect(get.status).toBe(405);
    expect(((await get.json()) as { error: { message: string } }).error.message).toMatch(/POST/);
    const form = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth(KEY) }, body: 'hi' });
    expect([form.status, ((await form.json()) as { error: { type: string } }).error.type]).toEqual([415, 'invalid_request_error']);
  });

  it('the questions reach the ledger under the asking key, like POST /v1/ask', async () => {
    const report = (await (await fetch(`${s.url}/v1/report`, { headers: auth(KEY) })).json()) as Report;
    expect(report.totals.byRoute.generate).toBeGreaterThanOrEqual(2);
    expect(report.totals.declined).toBeGreaterThanOrEqual(1);
    expect(report.contentGap.groups.map((g) => g.example)).toContain(OUT_OF_SCOPE);
  });
});

describe('questionOf', () => {
  it('takes the last user message; a short follow-up gets the previous user message before it', () => {
    expect(questionOf([{ role: 'system', content: 'x' }, { role: 'user', content: ' What port does Sobre use? ' }])).toBe('What port does Sobre use?');
    expect(questionOf([{ role: 'user', content: 'What port does Sobre use?' }, { role: 'assistant', content: '3000' }, { role: 'user', content: 'And why?' }]))
      .toBe('What port does Sobre use? And why?');
    expect(questionOf([{ role: 'user', content: 'What port does Sobre use?' }, { role: 'user', content: 'Which formats does ingest read?' }])).toBe('Which formats does ingest read?');
  });
});
