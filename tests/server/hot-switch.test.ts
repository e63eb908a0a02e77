/**
 * Calibrations switched while questions are in flight: every answer is routed entirely by one
 * calibration (its confidence and threshold come from the same one), none fails, and both are
 * seen. Real service over HTTP, SQLite label store; HashEmbedder.
 */
import { testCalibration, postJson, startTestServer, type TestServer } from './helpers';

const QUESTION = 'What port does Sobre listen on?';

interface Explained { route: string; confidence: number; explain: { threshold: number } }

describe('hot switch of calibrations under concurrent asks', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.stop());

  it('answers every question with one whole calibration', async () => {
    const learner = s.service.deps.learner!;
    const a = testCalibration();
    a.curve[0].threshold = 0.9;
    const b = testCalibration();
    b.model.bias = -6;
    b.curve[0].threshold = 0.3;
    const record = { createdAt: new Date(), origin: 'file', labels: 0, baseSha256: learner.baseSha256, note: 'test' };
    const idA = await learner.store.addCalibration(record, JSON.stringify(a), false);
    const idB = await learner.store.addCalibration(record, JSON.stringify(b), false);

    let switching = true;
    const switches = (async () => {
      let n = 0;
      while (switching) {
        await learner.restore(n++ % 2 === 0 ? idA : idB);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      return n;
    })();
    const answers = await Promise.all(Array.from({ length: 80 }, async () => {
      const res = await postJson(`${s.url}/v1/ask`, { question: QUESTION, explain: true });
      expect(res.status).toBe(200);
      return (await res.json()) as Explained;
    }));
    switching = false;
    expect(await switches).toBeGreaterThan(2);

    const pairs = new Set(answers.map((x) => `${x.confidence.toFixed(6)}@${x.explain.threshold}`));
    const byThreshold = new Map<number, Set<string>>();
    for (const x of answers) {
      const set = byThreshold.get(x.explain.threshold) ?? new Set<string>();
      set.add(x.confidence.toFixed(6));
      byThreshold.set(x.explain.threshold, set);
      expect(x.route === 'direct').toBe(x.confidence >= x.explain.threshold);
    }
    // One confidence per threshold: never calibration A's model with B's threshold.
    expect([...byThreshold.keys()].sort()).toEqual([0.3, 0.9]);
    for (const set of byThreshold.values()) expect(set.size).toBe(1);
    expect(pairs.size).toBe(2);
  }, 60_000);
});
