/**
 * Sign-in and the /review page in a real browser (Debian's Chromium, headless, playwright-core)
 * against the real service (SQLite, HTTP; HashEmbedder): a browser without a session is sent to
 * the form, signs in with a key, sees a question with the candidate sentence highlighted, labels
 * with the keyboard (1 right, n wrong, space skip), and the labels land in the store under the
 * key's name. The page loads nothing from elsewhere and its inline script runs under the CSP.
 * Skips only when /usr/bin/chromium is missing outside CI (like report.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { SESSION_COOKIE } from '../../src/server/session';
import { auth, postJson, startTestServer, type TestServer } from '../server/helpers';

const CHROMIUM = '/usr/bin/chromium';
const runHere = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!runHere) console.warn(`tests/browser/review.test.ts SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium); in CI this test runs and fails instead.`);
const describeBrowser = runHere ? describe : describe.skip;

const QUESTIONS = [
  'What port does Sobre listen on?',
  'Which address does the service bind to?',
  'What does the ledger record for each question?',
  'Which files does Sobre ingest?',
];

describeBrowser('sign-in and the review page in Chromium', () => {
  let s: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    s = await startTestServer({ env: { SOBRE_API_KEYS: 'alice:key-alice-123-9f8e7d6c', SOBRE_AUDIT_RATE: '1' } });
    for (const question of QUESTIONS) expect((await postJson(`${s.url}/v1/ask`, { question }, auth('key-alice-123-9f8e7d6c'))).status).toBe(200);
    await s.service.deps.learner!.flush();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('signs in, labels with the keyboard, refuses a post without the CSRF token', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    const requested: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });

    await page.goto(`${s.url}/review`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.fill('input[name="key"]', 'wrong-key');
    await page.click('button[type="submit"]');
    await expect(page.locator('#error').innerText()).resolves.toMatch(/not valid/);
    await page.fill('input[name="key"]', 'key-alice-123-9f8e7d6c');
    await page.click('button[type="submit"]');
    expect(new URL(page.url()).pathname).toBe('/review');

    const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });

    const store = s.service.deps.learner!.store;
    const seen: string[] = [];
    for (const key of ['1', 'n', ' ']) {
      const question = await page.locator('#question').innerText();
      expect(QUESTIONS).toContain(question);
      const mark = page.locator('mark#candidate');
      expect((await mark.innerText()).length).toBeGreaterThan(10);
      expect(await page.locator('#passage').innerText()).toContain(await mark.innerText());
      const box = await mark.boundingBox();
      expect(box!.width).toBeGreaterThan(0);
      const answerId = await page.locator('input[name="answerId"]').inputValue();
      seen.push(answerId);
      await Promise.all([page.waitForURL(`${s.url}/review`, { waitUntil: 'load' }), page.waitForEvent('framenavigated'), page.keyboard.press(key === ' ' ? 'Space' : key)]);
    }
    expect(new Set(seen).size).toBe(3);
    const labels = (await store.labelled()).flatMap((r) => r.labels).filter((l) => l.source === 'reviewer');
    expect(labels.map((l) => [l.answerId, l.correct, l.by]).sort()).toEqual([[seen[0], true, 'alice'], [seen[1], false, 'alice']].sort());
    expect((await store.unreviewed('alice', 10)).map((o) => o.answerId)).not.toContain(seen[2]); // skipped: not shown again

    const shot = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-review-shot-')), 'review.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(fs.statSync(shot).size).toBeGreaterThan(5_000);
    console.log(`review screenshot: ${shot}`);

    // The session cookie alone cannot label: a cross-site form would have no CSRF token.
    const answerId = await page.locator('input[name="answerId"]').inputValue();
    const forged = await fetch(`${s.url}/review`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie: `${SESSION_COOKIE}=${cookie!.value}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `answerId=${answerId}&verdict=wrong&_csrf=forged`,
    });
    expect(forged.status).toBe(403);
    expect((await store.labelled()).some((r) => r.observation.answerId === answerId)).toBe(false);

    expect(requested.every((u) => u.startsWith(s.url))).toBe(true);
    // Only the wrong key's 401: no CSP violation (the inline script ran), nothing else failed.
    expect(consoleErrors).toEqual([expect.stringMatching(/status of 401/)]);
    await context.close();
  }, 60_000);
});
