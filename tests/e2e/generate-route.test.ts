/**
 * A question the router sends to `generate` reaches the generator with the router's passages
 * and comes back with citations, through POST /v1/ask, JSON and streaming. Real parts: USE-lite,
 * SQLite, hnswlib, Express, LangChain.js's OpenAI client. The generator server is the local fake
 * that speaks the OpenAI chat-completions protocol (tests/helpers/fake-openai-server.ts): it
 * stands in for a real LLM server (Ollama, llama.cpp, vLLM), which cannot run on this machine.
 */
import { UseLiteEmbedder } from '../../src/embed/use-lite';
import { OpenAICompatibleGenerator } from '../../src/generate/openai';
import { reply, startFakeOpenAIServer, type FakeOpenAIServer } from '../helpers/fake-openai-server';
import { postJson, startTestServer, type TestServer } from '../server/helpers';

const QUESTION = 'Which comes first in the list of formats Sobre ingests, Markdown or PDF?';

describe('the generate route over HTTP', () => {
  let llm: FakeOpenAIServer;
  let server: TestServer;

  beforeAll(async () => {
    llm = await startFakeOpenAIServer();
    const generator = new OpenAICompatibleGenerator({ baseUrl: llm.baseUrl, model: 'qwen2.5:0.5b', timeoutMs: 10_000, retries: 0 });
    // The same question is asked in every test: the answer cache (tests/e2e/known-questions.test.ts) is off here.
    server = await startTestServer({ embedder: await UseLiteEmbedder.create(), generator, env: { SOBRE_KNOWN_QUESTIONS: 'false' } });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await llm?.close();
  });

  it('answers with the generator, citing the passage it was given', async () => {
    llm.enqueue(reply.ok('Markdown comes before PDF in that list [1].', { usage: { prompt_tokens: 321, completion_tokens: 11 } }));
    const res = await postJson(`${server.url}/v1/ask`, { question: QUESTION });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { route: string; answer: string; citations: { name: string; text: string }[]; usage: { promptTokens: number; completionTokens: number } };
    expect(body.route).toBe('generate');
    expect(body.answer).toBe('Markdown comes before PDF in that list [1].');
    expect(body.usage).toMatchObject({ promptTokens: 321, completionTokens: 11 });
    expect(body.citations).toHaveLength(1);
    expect(body.citations[0].name).toBe('formats.txt');
    const sent = llm.requests.at(-1)?.body.messages?.map((m) => String(m.content)).join('\n') ?? '';
    expect(sent).toContain(QUESTION);
    expect(sent).toContain('[1]');
    expect(sent).toContain(body.citations[0].text.slice(0, 40));
  });

  it('streams the route first, then the tokens, then the final event with citations', async () => {
    llm.enqueue(reply.ok('Markdown is listed first [1].'));
    const res = await fetch(`${server.url}/v1/ask`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ question: QUESTION, stream: true }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = (await res.text()).split('\n\n').filter((b) => b.trim() !== '').map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Record<string, unknown>;
      return { event, data };
    });
    expect(events[0]).toMatchObject({ event: 'route', data: { route: 'generate' } });
    const tokens = events.filter((e) => e.event === 'token').map((e) => e.data.text).join('');
    expect(tokens).toBe('Markdown is listed first [1].');
    const done = events.at(-1);
    expect(done?.event).toBe('done');
    expect(done?.data.route).toBe('generate');
    expect((done?.data.citations as { name: string }[])[0].name).toBe('formats.txt');
  });

  it('still answers 200 with passages and a notice when the generator fails', async () => {
    llm.enqueue(reply.serverError(500));
    const res = await postJson(`${server.url}/v1/ask`, { question: QUESTION });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { route: string; answer: unknown; notice: string; citations: unknown[] };
    expect(body.route).toBe('passages');
    expect(body.answer).toBeNull();
    expect(body.notice).toMatch(/generator failed/i);
    expect(body.citations.length).toBeGreaterThan(0);
  });
});
