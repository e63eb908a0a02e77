/**
 * The promise measured live over HTTP: reviewer labels on audit-sampled direct answers show in
 * GET /v1/report (`promise`), the /report dashboard and /metrics; the calibration routes refit
 * (too few labels: kept, with what is missing) and restore. Real service, SQLite; HashEmbedder.
 */
import { auth, expectProblem, postJson, startTestServer, type TestServer } from './helpers';

const KEY = auth('key-admin-1-0a9b8c7d6e');

describe('live precision in the report, the dashboard and /metrics', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: 'admin:key-admin-1-0a9b8c7d6e', SOBRE_AUDIT_RATE: '1' } });
  });
  afterAll(() => s.stop());

  it('shows the audit estimate next to the target and the calibration in force', async () => {
    const ids: string[] = [];
    for (const question of ['What port does Sobre listen on?', 'Which address does the service bind to?', 'What does the ledger record for each question?']) {
      const a = (await (await postJson(`${s.url}/v1/ask`, { question }, KEY)).json()) as { answerId: string; route: string };
      expect(a.route).toBe('direct');
      ids.push(a.answerId);
    }
    await s.service.deps.learner!.flush();
    for (const [i, answerId] of ids.entries()) {
      const res = await fetch(`${s.url}/review`, {
        method: 'POST', redirect: 'manual', headers: { ...KEY, 'content-type': 'application/x-www-form-urlencoded' }, body: `answerId=${answerId}&verdict=${i < 2 ? 'right' : 'wrong'}`,
      });
      expect(res.status).toBe(303);
    }
    const report = (await (await fetch(`${s.url}/v1/report`, { headers: KEY })).json()) as { promise: { targetPrecision: number; audit: { reviewed: number; correct: number; interval95: number[] }; calibration: { id: number } } };
    expect(report.promise).toMatchObject({ targetPrecision: 0.9, audit: { reviewed: 3, correct: 2 }, calibration: { id: 0 } });
    expect(report.promise.audit.interval95[0]).toBeLessThan(2 / 3);
    const html = await (await fetch(`${s.url}/report`, { headers: KEY })).text();
    expect(html).toMatch(/<section id="promise">[\s\S]*data-metric="live_precision" data-value="0\.6666/);
    const metrics = await (await fetch(`${s.url}/metrics`, { headers: KEY })).text();
    expect(metrics).toMatch(/^sobre_live_precision 0\.6666/m);
    expect(metrics).toMatch(/^sobre_live_precision_reviewed 3$/m);
    expect(metrics).toMatch(/^sobre_target_precision 0\.9$/m);
    expect(metrics).toMatch(/^sobre_calibration_id 0$/m);
    await expectProblem(await fetch(`${s.url}/review`, { method: 'POST', headers: { ...KEY, 'content-type': 'application/x-www-form-urlencoded' }, body: 'answerId=00000000-0000-4000-8000-000000000000&verdict=right' }), 404, 'not_found');
  });

  it('refits on demand (too few labels: keeps the calibration in force) and restores', async () => {
    const refit = (await (await fetch(`${s.url}/v1/calibrations/refit`, { method: 'POST', headers: KEY })).json()) as { status: string; note: string };
    expect(refit).toMatchObject({ status: 'insufficient', note: expect.stringMatching(/at least 30/) });
    const list = (await (await fetch(`${s.url}/v1/calibrations`, { headers: KEY })).json()) as { calibrations: unknown[]; status: { lastRefit: { status: string } } };
    expect(list).toMatchObject({ calibrations: [], status: { lastRefit: { status: 'insufficient' } } });
    expect((await fetch(`${s.url}/v1/calibrations/0/activate`, { method: 'POST', headers: KEY })).status).toBe(200);
    await expectProblem(await fetch(`${s.url}/v1/calibrations/7/activate`, { method: 'POST', headers: KEY }), 404, 'not_found');
    await expectProblem(await fetch(`${s.url}/v1/calibrations/refit`, { method: 'POST' }), 401, 'unauthorized');
  });
});
