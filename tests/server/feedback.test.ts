/**
 * answerId on every answer (JSON and SSE), the observation stored with it (privacy settings
 * respected), and POST /v1/feedback: a label for direct answers, idempotent per key, 404 for
 * unknown ids. Real SQLite store, real HTTP server; HashEmbedder.
 */
import { auth, expectProblem, postJson, startTestServer, type TestServer } from './helpers';

const DIRECT = 'What port does Sobre listen on?';
const KEYS = 'alice:key-alice-123-9f8e7d6c,bob:key-bob-456-a1b2c3d4e5';

interface Answer { answerId: string; route: string }

describe('answerId and feedback', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: KEYS, SOBRE_AUDIT_RATE: '1' } });
  });
  afterAll(() => s.stop());

  const ask = async (question: string, key = 'key-alice-123-9f8e7d6c'): Promise<Answer> => (await (await postJson(`${s.url}/v1/ask`, { question }, auth(key))).json()) as Answer;
  const feedback = (body: unknown, key = 'key-alice-123-9f8e7d6c') => postJson(`${s.url}/v1/feedback`, body, auth(key));

  it('names each answer and stores what the router saw', async () => {
    const a = await ask(DIRECT);
    expect(a.route).toBe('direct');
    expect(a.answerId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await ask(DIRECT)).answerId).not.toBe(a.answerId);
    const learner = s.service.deps.learner!;
    await learner.flush();
    const o = await learner.store.observation(a.answerId);
    expect(o).toMatchObject({ question: DIRECT, route: 'direct', audit: true, ruledOut: null, calibrationId: 0, language: 'en' });
    expect(o?.candidate?.answer).toMatch(/port 3000/);
    expect(o?.candidate?.passage).toContain(o?.candidate?.answer);
    expect(o?.features?.sentence_plain_coverage).toBeGreaterThan(0);
  });

  it('carries the answerId in the SSE answer and done events', async () => {
    const res = await fetch(`${s.url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...auth('key-alice-123-9f8e7d6c') }, body: JSON.stringify({ question: DIRECT }) });
    const events = (await res.text()).split('\n\n').filter(Boolean).map((block) => ({ event: /event: (\w+)/.exec(block)?.[1], data: JSON.parse(/data: (.*)/.exec(block)?.[1] ?? 'null') as Answer }));
    const ids = events.filter((e) => e.event === 'answer' || e.event === 'done').map((e) => e.data.answerId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    await s.service.deps.learner!.flush();
    expect(await s.service.deps.learner!.store.observation(ids[0])).not.toBeNull();
  });

  it('turns feedback on a direct answer into one label per key, replaced on a second post', async () => {
    const { answerId } = await ask(DIRECT);
    const first = await feedback({ answerId, correct: true });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ answerId, used: true });
    expect((await feedback({ answerId, correct: false })).status).toBe(200);
    expect((await feedback({ answerId, correct: false }, 'key-bob-456-a1b2c3d4e5')).status).toBe(200);
    const row = (await s.service.deps.learner!.store.labelled()).find((r) => r.observation.answerId === answerId);
    expect(row?.labels.map((l) => [l.by, l.source, l.correct, l.weight]).sort()).toEqual([['alice', 'feedback', false, 0.5], ['bob', 'feedback', false, 0.5]]);
  });

  it('keeps feedback on a non-direct answer out of learning, and refuses unknown or malformed ids', async () => {
    const other = await ask('Tell me about the moon landing and the astronauts');
    expect(other.route).not.toBe('direct');
    expect(await (await feedback({ answerId: other.answerId, correct: true })).json()).toMatchObject({ used: false, notice: expect.stringMatching(/not the passage sentence/) });
    await expectProblem(await feedback({ answerId: '00000000-0000-4000-8000-000000000000', correct: true }), 404, 'not_found');
    await expectProblem(await feedback({ answerId: 'nope', correct: true }), 400, 'bad_request');
    await expectProblem(await feedback({ answerId: other.answerId }), 400, 'bad_request');
    await expectProblem(await postJson(`${s.url}/v1/feedback`, { answerId: other.answerId, correct: true }), 401, 'unauthorized');
  });
});

describe('when the observation cannot be stored', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.stop());

  it('answers all the same and counts the failure', async () => {
    const learner = s.service.deps.learner!;
    await learner.store.close(); // every write now fails
    const res = await postJson(`${s.url}/v1/ask`, { question: DIRECT });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Answer).route).toBe('direct');
    await learner.flush();
    expect(learner.observationFailures).toBe(1);
  });
});

describe('with SOBRE_LEDGER_STORE_QUESTIONS=hash', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_LEDGER_STORE_QUESTIONS: 'hash' } });
  });
  afterAll(() => s.stop());

  it('stores the observation without the question text', async () => {
    const a = (await (await postJson(`${s.url}/v1/ask`, { question: DIRECT })).json()) as Answer;
    await s.service.deps.learner!.flush();
    const o = await s.service.deps.learner!.store.observation(a.answerId);
    expect(o?.question).toBeNull();
    expect(o?.questionSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
