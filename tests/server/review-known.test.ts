/**
 * The /review page for an audit-flagged known-question hit: it names the known question matched
 * and shows the answer given, and a verdict counts in that source's wrong-hit rate. Real SQLite
 * label store and HTTP server; the observation is stored as the ask path stores a hit's (the
 * hit itself needs USE-lite and the shipped matcher: tests/e2e/known-questions.test.ts).
 */
import { auth, startTestServer, type TestServer } from './helpers';

const KEY = 'key-alice-123-9f8e7d6c';

describe('reviewing a known-question hit', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: `alice:${KEY}` }, corpus: {} });
  });
  afterAll(() => s.stop());

  it('shows the matched question and the answer given, and the verdict makes the wrong-hit rate', async () => {
    const store = s.service.deps.learner!.store;
    const answerId = '00000000-0000-4000-8000-000000000042';
    await store.addObservation({
      answerId, at: new Date(), question: 'How can I reset <my> key?', questionSha256: 'sha', route: 'faq', ruledOut: null, probability: 0.93,
      threshold: 0.87, calibrationId: 0, audit: true, features: null, language: 'en',
      candidate: {
        chunkId: 1, documentId: 1, title: 'FAQ', source: 'faq.html', passage: 'How do I reset my key? Ask an administrator.', passageStart: 0,
        sentenceStart: 23, sentenceEnd: 44, answer: 'Ask an administrator.', shortAnswer: null,
        matched: { question: 'How do I reset my key?', kind: 'faq', probability: 0.93 },
      },
    });
    const page = await (await fetch(`${s.url}/review`, { headers: auth(KEY) })).text();
    expect(page).toContain('a known-question hit (faq)');
    expect(page).toContain('<q id="matched">How do I reset my key?</q>');
    expect(page).toContain('<div class="question" id="question">How can I reset &lt;my&gt; key?</div>');
    expect(page).toContain('<div class="question" id="answer">Ask an administrator.</div>');
    expect(page).toContain('<mark id="candidate">Ask an administrator.</mark>');
    expect(page).toContain(`value="${answerId}"`);

    const form = new URLSearchParams({ answerId, verdict: 'wrong' });
    const posted = await fetch(`${s.url}/review`, { method: 'POST', headers: { ...auth(KEY), 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' });
    expect(posted.status).toBe(303);
    const status = await s.service.deps.learner!.status();
    expect(status.knownHits).toEqual([{ route: 'faq', reviewed: 1, wrong: 1, pending: 0, skipped: 0, wrongHitRate: 1, interval95: [expect.any(Number), 1] }]);
    expect(status.audit.reviewed).toBe(0); // the router's live precision is not touched by a hit's label
  });
});
