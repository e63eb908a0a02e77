/**
 * Weak labels from the generator: a question sent to the generator labels the router's candidate
 * by whether the generated answer agrees with it. The generator is the local fake that speaks
 * the OpenAI chat-completions protocol (tests/helpers/fake-openai-server.ts), standing in for a
 * real LLM server that cannot run here; the rest is real (LangChain.js client, HTTP, SQLite).
 */
import { agreement } from '../../src/answer/agreement';
import { OpenAICompatibleGenerator } from '../../src/generate/openai';
import { reply, startFakeOpenAIServer, type FakeOpenAIServer } from '../helpers/fake-openai-server';
import { postJson, startTestServer, type TestServer } from '../server/helpers';

const CANDIDATE = { answer: 'Sobre listens on port 3000 by default.', title: 'Network settings', shortAnswer: '3000' };

describe('agreement between a generated answer and the candidate', () => {
  const q = 'What port does Sobre listen on?';
  it.each([
    ['the same fact, reworded and cited', 'By default it listens on port 3000 [1].', true],
    ['another fact', 'It uses 8080 over HTTPS [2].', false],
    ['the no-answer reply', 'The documents do not say.', false],
    ['nothing new to compare', 'Sobre listens on a port.', null],
  ])('%s', (_what, generated, expected) => {
    expect(agreement(q, generated, CANDIDATE).correct).toBe(expected);
  });
});

describe('weak labels through the service', () => {
  let llm: FakeOpenAIServer;
  let s: TestServer;
  beforeAll(async () => {
    llm = await startFakeOpenAIServer();
    const generator = new OpenAICompatibleGenerator({ baseUrl: llm.baseUrl, model: 'qwen2.5:0.5b', timeoutMs: 10_000, retries: 0 });
    // A target the test calibration cannot promise: every question goes to the generator.
    s = await startTestServer({ generator, env: { SOBRE_TARGET_PRECISION: '0.95' } });
  });
  afterAll(async () => {
    await s?.stop();
    await llm?.close();
  });

  async function labelFor(text: string): Promise<{ correct: boolean; weight: number; by: string | null } | undefined> {
    llm.enqueue(reply.ok(text));
    const a = (await (await postJson(`${s.url}/v1/ask`, { question: 'What port does Sobre listen on?' })).json()) as { answerId: string; route: string };
    expect(a.route).toBe('generate');
    const learner = s.service.deps.learner!;
    await learner.flush();
    const row = (await learner.store.labelled()).find((r) => r.observation.answerId === a.answerId);
    return row?.labels.map((l) => ({ correct: l.correct, weight: l.weight, by: l.by }))[0];
  }

  it('labels the candidate right when the generator agrees, wrong when it does not or finds nothing, and not at all when unsure', async () => {
    expect(await labelFor('Sobre listens on port 3000 by default [1].')).toEqual({ correct: true, weight: 0.25, by: null });
    expect(await labelFor('The documents do not say.')).toEqual({ correct: false, weight: 0.25, by: null });
    expect(await labelFor('It answers on 8080 through HTTPS [2].')).toEqual({ correct: false, weight: 0.25, by: null });
    expect(await labelFor('Sobre listens on a port [1].')).toBeUndefined();
  });
});
