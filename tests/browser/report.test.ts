/**
 * The dashboard as a person uses it, in a real browser (Debian's Chromium, headless, driven by
 * playwright-core) against the real service (SQLite, hnswlib, Express): with keys, /report sends
 * the browser to the sign-in form; once signed in, the headline numbers match /v1/report, the
 * charts fill their cards, nothing loads from elsewhere; sign-out sends /report back to the form.
 * Without keys on loopback, the dashboard opens at once. Screenshots are kept in
 * <tmpdir>/sobre-dashboard-shots. Skips (with a message) only when /usr/bin/chromium is missing
 * outside CI; in CI (CI set) it runs and fails if it is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Report } from '../../src/report/types';
import { generated, outcome } from '../ledger/helpers';
import { auth, postJson, startTestServer, type TestServer } from '../server/helpers';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const runHere = haveChromium || Boolean(process.env.CI);
if (!runHere) {
  console.warn(`tests/browser/report.test.ts SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium); in CI this test runs and fails instead.`);
}
const describeBrowser = runHere ? describe : describe.skip;
const KEY = 'admin-key-0123456789abcdef';
export const SHOTS = path.join(os.tmpdir(), 'sobre-dashboard-shots');

async function fill(s: TestServer): Promise<void> {
  for (const question of ['What port does Sobre listen on?', 'What port does Sobre listen on?', 'Which files does Sobre ingest?', 'Who painted the Sistine Chapel?', 'Qui a peint la chapelle Sixtine ?']) {
    expect((await postJson(`${s.url}/v1/ask`, { question }, auth(KEY))).status).toBe(200);
  }
  // Earlier days of the week, recorded through the ledger as the ask path does.
  const ledger = s.service.deps.ledger!;
  const day = (daysAgo: number, hour: number) => new Date(Date.now() - daysAgo * 86_400_000 + hour * 60_000);
  for (let d = 1; d <= 6; d++) {
    for (let i = 0; i < d; i++) await ledger.record(outcome({ at: day(d, i), confidence: 0.9 + i / 100, question: `Question ${d}.${i}` }));
    await ledger.record(outcome({ at: day(d, 30), route: d % 2 ? 'faq' : 'cache', confidence: 0.97 }));
    await ledger.record(generated(120 + d, { at: day(d, 40), question: d % 2 ? 'How long is the battery warranty?' : 'What is the warranty on batteries?' }));
  }
  await ledger.record(outcome({ at: day(2, 50), route: 'abstain', confidence: 0.05, question: 'Can I pay with <b>crypto</b>?' }));
}

async function headline(page: Page): Promise<Map<string, number>> {
  const shown = await page.$$eval('[data-metric]', (els) => els.map((e) => [e.getAttribute('data-metric') ?? '', e.getAttribute('data-value') ?? '', (e as HTMLElement).innerText] as const));
  for (const [, , text] of shown) expect(text.length).toBeGreaterThan(0);
  return new Map(shown.map(([id, value]) => [id, Number(value)]));
}

describeBrowser('the dashboard in Chromium', () => {
  let browser: Browser;
  let s: TestServer;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    s = await startTestServer({ env: { SOBRE_API_KEYS: `admin:${KEY}` } });
    await fill(s);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('sign in, read the headline against /v1/report, charts fill their cards, sign out', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });

    await page.goto(`${s.url}/report`);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/signin?next=%2Freport');
    await page.fill('input[name=key]', 'wrong-key-0123456789');
    await page.click('button[type=submit]');
    await expect(page.locator('#error').innerText()).resolves.toMatch(/not valid/);
    consoleErrors.length = 0; // the wrong key's 401 page
    await page.fill('input[name=key]', KEY);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/report');
    await expect(page.title()).resolves.toMatch(/Sobre ledger/);

    const shown = await headline(page);
    const report = (await (await fetch(`${s.url}/v1/report`, { headers: auth(KEY) })).json()) as Report;
    const t = report.totals;
    const expected: Record<string, number> = {
      questions: t.questions, answered_without_llm: t.answeredWithoutLlm, answered_without_llm_share: t.answeredWithoutLlmShare,
      declined: t.declined, known_question_hits: t.knownQuestionHits, llm_calls_made: t.llmCallsMade, llm_calls_avoided: t.llmCallsAvoided,
      net_wh: t.net.wh.mid, net_gco2e: t.net.gco2e.mid, net_water_l: t.net.waterL.mid, wh_avoided: t.avoided.impact.wh.mid,
      embodied_gco2e_avoided: t.avoided.embodied.gco2e.mid, path_wh: t.path.wh,
    };
    for (const [id, value] of Object.entries(expected)) expect({ id, value: shown.get(id) }).toEqual({ id, value });
    // 5 asked over HTTP (direct ×2, passages, abstain ×2) + 34 recorded; abstentions are not answers.
    expect(t.questions).toBe(39);
    expect(t.declined).toBe(3);
    expect(t.answeredWithoutLlmShare).toBeCloseTo(t.answeredWithoutLlm / 39, 12);
    expect(t.answeredWithoutLlm).toBe(t.byRoute.direct + t.byRoute.faq + t.byRoute.cache);
    // The headline is first, readable: a percentage, and no ISO timestamps with milliseconds on the page.
    const first = await page.locator('main section').first().getAttribute('id');
    expect(first).toBe('headline');
    await expect(page.locator('#share .value').innerText()).resolves.toMatch(/^\d+(\.\d+)? %$/);
    expect(await page.locator('main').innerText()).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);

    const cardWidth = (await page.locator('#charts figure').first().boundingBox())!.width;
    for (const id of ['chart-questions', 'chart-energy', 'chart-confidence', 'chart-latency']) {
      const box = (await page.locator(`svg#${id}`).boundingBox())!;
      expect(box.width).toBeGreaterThan(cardWidth - 40); // fills its card, less the padding
      expect(box.height).toBeGreaterThan(120);
      expect(await page.locator(`svg#${id} rect.bar`).count()).toBeGreaterThan(0);
    }
    // The content gap: the two battery questions share one group, the markup is text.
    const gap = await page.locator('#content-gap').innerText();
    expect(gap).toContain('Can I pay with <b>crypto</b>?');
    expect(await page.locator('#content-gap b').count()).toBe(0);
    expect(report.contentGap.groups[0]).toMatchObject({ count: 6, variants: 2 });

    // The period picker works without a script.
    await page.click('nav.periods a[href="/report?days=1"]');
    const day = (await (await fetch(`${s.url}/v1/report?days=1`, { headers: auth(KEY) })).json()) as Report;
    expect((await headline(page)).get('questions')).toBe(day.totals.questions);
    await page.goto(`${s.url}/report`);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });
    await page.setViewportSize({ width: 420, height: 900 });
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-narrow.png') });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420); // no sideways scrolling
    expect(fs.statSync(path.join(SHOTS, 'dashboard.png')).size).toBeGreaterThan(20_000);

    expect(requested.every((u) => u.startsWith(s.url))).toBe(true);
    expect(consoleErrors).toEqual([]);

    await page.click('#signout');
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.goto(`${s.url}/report`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.close();
  });

  test('without keys on loopback the dashboard opens at once', async () => {
    const open = await startTestServer({ corpus: {}, env: { HOST: '127.0.0.1' } });
    try {
      const page = await browser.newPage();
      const res = await page.goto(`${open.url}/report`);
      expect(res?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/report');
      await expect(page.locator('#share .label').innerText()).resolves.toBe('Answered without an LLM');
      expect(await page.locator('#signout').count()).toBe(0);
      await page.close();
    } finally {
      await open.stop();
    }
  });
});
