/** /v1/report, /v1/report.csv and /report over real HTTP (express on port 0, in-memory SQLite). */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { reportRoutes } from '../../src/server/report-routes';
import type { Report } from '../../src/report/types';
import { generated, openLedger, outcome } from '../ledger/helpers';

let server: Server;
let base: string;
let appErrors: unknown[] = [];

beforeAll(async () => {
  const now = () => new Date('2024-05-08T00:00:00Z');
  const { ledger } = await openLedger({}, { now });
  await ledger.record(outcome({ at: new Date('2024-05-02T10:00:00Z') }));
  await ledger.record(outcome({ at: new Date('2024-05-03T10:00:00Z'), route: 'abstain', confidence: 0.1, question: 'Do you ship to <Mars>?' }));
  await ledger.record(generated(120, { at: new Date('2024-05-04T10:00:00Z') }));
  await ledger.record(outcome({ at: new Date('2024-04-01T10:00:00Z') })); // outside the default week
  const app = express();
  app.use(reportRoutes({ ledger, now, contentGapThreshold: 0.5 }));
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    appErrors.push(err);
    res.status(500).json({ error: { code: 'internal', message: 'app handler' } });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('GET /v1/report: JSON for the last 7 days by default', async () => {
  const res = await fetch(`${base}/v1/report`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const report = (await res.json()) as Report;
  expect(report.period).toMatchObject({ from: '2024-05-01T00:00:00.000Z', to: '2024-05-08T00:00:00.000Z', bucket: 'day' });
  expect(report.totals.questions).toBe(3);
  expect(report.totals.llmCallsAvoided).toBe(2);
  expect(report.totals.llmCallsMade).toBe(1);
  expect(report.contentGap.groups.map((g) => g.example)).toContain('Do you ship to <Mars>?');
});

test('GET /v1/report?from=&to= filters the period', async () => {
  const res = await fetch(`${base}/v1/report?from=2024-05-03&to=2024-05-04`);
  const report = (await res.json()) as Report;
  expect(report.totals.questions).toBe(1);
  expect(report.period.bucket).toBe('hour');
  expect(report.series).toHaveLength(24);
});

test.each([
  ['/v1/report?from=yesterday'],
  ['/v1/report?from=2024-05-05&to=2024-05-01'],
  ['/v1/report.csv?to=2024-02-31'],
  ['/report?from=1'],
])('%s -> 400 bad_request JSON', async (url) => {
  const res = await fetch(base + url);
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('bad_request');
  expect(body.error.message).toMatch(/Invalid/);
  expect(appErrors).toHaveLength(0);
});

test('GET /v1/report.csv agrees with the JSON', async () => {
  const [csvRes, jsonRes] = await Promise.all([fetch(`${base}/v1/report.csv`), fetch(`${base}/v1/report`)]);
  expect(csvRes.headers.get('content-type')).toMatch(/text\/csv/);
  const csv = await csvRes.text();
  const report = (await jsonRes.json()) as Report;
  const line = csv.split('\n').find((l) => l.startsWith('totals,,llm_calls_avoided,'));
  expect(line?.split(',')[3]).toBe(String(report.totals.llmCallsAvoided));
  const wh = csv.split('\n').find((l) => l.startsWith('totals,,wh_avoided,'))!.split(',');
  expect(Number(wh[3])).toBe(report.totals.avoided.impact.wh.mid);
});

test('GET /report: the HTML dashboard with a strict CSP and the same totals', async () => {
  const [htmlRes, jsonRes] = await Promise.all([fetch(`${base}/report`), fetch(`${base}/v1/report`)]);
  expect(htmlRes.status).toBe(200);
  expect(htmlRes.headers.get('content-type')).toMatch(/text\/html/);
  expect(htmlRes.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  const html = await htmlRes.text();
  const report = (await jsonRes.json()) as Report;
  const value = (id: string) => Number(new RegExp(`data-metric="${id}" data-value="([^"]+)"`).exec(html)?.[1]);
  expect(value('questions')).toBe(report.totals.questions);
  expect(value('llm_calls_avoided')).toBe(report.totals.llmCallsAvoided);
  expect(value('net_wh')).toBe(report.totals.net.wh.mid);
  expect(html).toContain('Do you ship to &lt;Mars&gt;?');
});
