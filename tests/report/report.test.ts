/** The report: totals, series, histogram, latency, content gap, and the renderers agreeing. */
import { percentile } from '../../src/report/build';
import { groupContentGap } from '../../src/report/content-gap';
import { formatConstant, formatDate, headlineMetrics } from '../../src/report/format';
import { renderReport } from '../../src/report/render';
import { resolveReportRange } from '../../src/report/range';
import type { Report } from '../../src/report/types';
import type { LedgerRow } from '../../src/ledger/types';
import { generated, openLedger, outcome } from '../ledger/helpers';

const WEEK = { from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-08T00:00:00Z') };

function near(actual: number, expected: number, rel = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * rel + 1e-15);
}

async function sampleReport(opts: { storeQuestions?: 'text' | 'hash' } = {}): Promise<Report> {
  const { ledger, report } = await openLedger({ storeQuestions: opts.storeQuestions ?? 'text' });
  const at = (iso: string) => new Date(iso);
  await ledger.record(outcome({ at: at('2024-05-01T09:00:00Z'), confidence: 0.95, stageMs: { total: 10 } }));
  await ledger.record(outcome({ at: at('2024-05-01T10:00:00Z'), confidence: 0.91, stageMs: { total: 20 } }));
  await ledger.record(outcome({ at: at('2024-05-02T10:00:00Z'), route: 'cache', confidence: null, stageMs: { total: 2 } }));
  await ledger.record(generated(120, { at: at('2024-05-02T11:00:00Z'), question: 'Warranty for batteries?', stageMs: { embed: 5, generate: 900 } }));
  await ledger.record(generated(80, { at: at('2024-05-03T11:00:00Z'), question: 'warranty for batteries', stageMs: { total: 1100 } }));
  await ledger.record(outcome({ at: at('2024-05-03T12:00:00Z'), route: 'abstain', confidence: 0.05, question: 'Warranty length of chargers?' }));
  await ledger.record(outcome({ at: at('2024-05-04T12:00:00Z'), route: 'passages', generatorError: 'timeout', confidence: 0.3, question: 'Shipping to Norway?' }));
  await ledger.record(outcome({ at: at('2024-05-09T12:00:00Z'), question: 'outside the period' }));
  return report(WEEK);
}

describe('totals', () => {
  test('counts, avoided share, avoided and path sums, net = avoided - path', async () => {
    const r = await sampleReport();
    const t = r.totals;
    expect(t.questions).toBe(7);
    expect(t.byRoute).toEqual({ direct: 2, cache: 1, faq: 0, curated: 0, generate: 2, passages: 1, abstain: 1 });
    expect(t.byCallStatus).toEqual({ avoided: 4, made: 2, failed: 1, unavailable: 0 });
    // Answered without an LLM: 2 direct + 1 cache; the abstention is declined, not answered.
    expect(t.answeredWithoutLlm).toBe(3);
    expect(t.answeredWithoutLlmShare).toBeCloseTo(3 / 7, 12);
    expect(t.knownQuestionHits).toBe(1);
    expect(t.declined).toBe(1);
    expect(t.llmCallsAvoided).toBe(4);
    expect(t.llmCallsMade).toBe(2);
    // Avoided calls: 2 before any generation (150 tokens), 2 after (mean of 120 and 80 = 100; then 100).
    expect(t.avoided.calls).toBe(4);
    expect(t.avoided.completionTokens).toBe(150 * 3 + 100);
    expect(t.avoided.promptTokens).toBe(2000);
    expect(t.avoided.tokens).toBe(2550);
    expect(t.avoided.flops).toBeCloseTo(2 * 0.5e9 * 2550, -3);
    expect(t.generated.tokens).toBe(480 * 2 + 200);
    near(t.path.wh, 7 * (25 / 3.6e6) * 10);
    expect(t.path.sources).toEqual({ 'cpu-time': 7 });
    near(t.net.wh.mid, t.avoided.impact.wh.mid - t.path.wh);
    near(t.net.wh.low, t.avoided.impact.wh.low - t.path.wh);
    near(t.net.gco2e.high, t.avoided.impact.gco2e.high - t.path.gco2e);
    const phone = t.equivalents.find((e) => e.id === 'smartphone_charges')!;
    near(phone.value.mid, t.net.wh.mid / 15);
    const km = t.equivalents.find((e) => e.id === 'car_km')!;
    near(km.value.mid, t.net.gco2e.mid / 120);
    expect(r.methodVersions).toHaveLength(1);
    // Embodied carbon follows the latency, so the completion tokens: 8.637e-4 g per 150 (docs worked example).
    near(t.avoided.embodied.gco2e.mid, 8.637e-4 * (3 + 100 / 150), 1e-4);
    expect(t.generated.embodied.gco2e.mid).toBeGreaterThan(0);
    expect(r.assumptions.find((a) => a.name === 'grid carbon intensity')?.value).toBeCloseTo(473.01, 9);
    expect(r.assumptions.every((a) => a.source.length > 0)).toBe(true);
  });

  test('an empty period is all zeros, not NaN', async () => {
    const { report } = await openLedger();
    const r = await report(WEEK);
    expect(r.totals.questions).toBe(0);
    expect(r.totals.answeredWithoutLlmShare).toBe(0);
    expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/);
    expect(r.series).toHaveLength(7);
    expect(r.latencyByRoute.every((l) => l.p50Ms === null)).toBe(true);
  });
});

describe('series, histogram, latency', () => {
  test('daily buckets (UTC) over a week', async () => {
    const r = await sampleReport();
    expect(r.period.bucket).toBe('day');
    expect(r.series.map((p) => p.start.slice(0, 10))).toEqual(['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05', '2024-05-06', '2024-05-07']);
    expect(r.series.map((p) => p.questions)).toEqual([2, 2, 2, 1, 0, 0, 0]);
    expect(r.series.map((p) => p.avoided)).toEqual([2, 1, 1, 0, 0, 0, 0]);
    expect(r.series.map((p) => p.answered)).toEqual([2, 1, 0, 0, 0, 0, 0]);
    expect(r.series.map((p) => p.declined)).toEqual([0, 0, 1, 0, 0, 0, 0]);
    expect(r.series.map((p) => p.made)).toEqual([0, 1, 1, 0, 0, 0, 0]);
    near(r.series.reduce((s, p) => s + p.whAvoided, 0), r.totals.avoided.impact.wh.mid);
  });

  test('hourly buckets when the period is at most 48 h', async () => {
    const { ledger, report } = await openLedger();
    await ledger.record(outcome({ at: new Date('2024-05-01T09:15:00Z') }));
    await ledger.record(outcome({ at: new Date('2024-05-01T09:45:00Z') }));
    const r = await report({ from: new Date('2024-05-01T08:30:00Z'), to: new Date('2024-05-01T12:00:00Z') });
    expect(r.period.bucket).toBe('hour');
    expect(r.series.map((p) => [p.start.slice(11, 16), p.questions])).toEqual([['08:00', 0], ['09:00', 2], ['10:00', 0], ['11:00', 0]]);
  });

  test('confidence histogram has 10 bins plus unknown; 1.0 falls in the last bin', async () => {
    const { ledger, report } = await openLedger();
    for (const c of [0, 0.05, 0.1, 0.55, 0.99, 1, null]) await ledger.record(outcome({ confidence: c }));
    const r = await report(WEEK);
    expect(r.confidenceHistogram.bins.map((b) => b.count)).toEqual([2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(r.confidenceHistogram.unknown).toBe(1);
  });

  test('latency p50/p95 by route (nearest rank; total or the sum of stages)', async () => {
    const r = await sampleReport();
    const by = Object.fromEntries(r.latencyByRoute.map((l) => [l.route, l]));
    expect(by.direct).toMatchObject({ count: 2, p50Ms: 10, p95Ms: 20 });
    expect(by.generate).toMatchObject({ count: 2, p50Ms: 905, p95Ms: 1100 });
    expect(by.cache.p50Ms).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
  });
});

describe('content gap', () => {
  test('grouped by content words, most asked first, with the routes and the distinct questions', async () => {
    const r = await sampleReport();
    const g = r.contentGap;
    expect(g.method).toBe('words');
    expect(g.threshold).toBe(0.5);
    expect(g.questions).toBe(4);
    // "Warranty for batteries?" twice (the same normalised text), then "Warranty length of chargers?"
    // shares 1 of 4 stems with it: its own group.
    expect(g.groups.map((x) => [x.count, x.variants, x.example])).toEqual([
      [2, 1, 'warranty for batteries'],
      [1, 1, 'Shipping to Norway?'],
      [1, 1, 'Warranty length of chargers?'],
    ]);
    expect(g.groups[0].routes).toEqual({ generate: 2 });
  });

  const row = (question: string | null, sha: string, route: LedgerRow['route'] = 'abstain', minute = 0) =>
    ({ question, questionSha256: sha, route, at: new Date(Date.UTC(2024, 4, 2, 10, minute)) }) as LedgerRow;

  test('questions sharing most of their content words merge; plurals and case do not split them', () => {
    const gap = groupContentGap([
      row('How long is the warranty on batteries?', 'a', 'generate', 1),
      row('What is the battery warranty?', 'b', 'abstain', 2),
      row('How long is the battery warranty period?', 'c', 'generate', 3),
      row('Do you ship to Norway?', 'd'),
      row('Do you ship to Sweden?', 'e'),
    ], { threshold: 0.5 });
    expect(gap.groups.map((x) => [x.count, x.variants])).toEqual([[3, 3], [1, 1], [1, 1]]);
    expect(gap.groups[0].routes).toEqual({ generate: 2, abstain: 1 });
    expect(gap.groups[0].lastAt).toBe('2024-05-02T10:03:00.000Z');
  });

  test('a French question asked twice counts 2, not the other French questions with it', () => {
    // USE-lite (an English encoder) puts these at cosine 0.73-0.90 from one another, so grouping
    // by embedding at 0.8 merged them into one group of 8; by words they stay apart.
    const french = ['Quel est le port par défaut de Sobre ?', 'Comment supprimer un document ?', "Combien d'eau consomme un centre de données ?",
      'Qui a écrit le guide ?', 'Où sont stockés les index ?', 'Pourquoi la réponse est-elle refusée ?', "Quelle est la consommation électrique d'un GPU ?"];
    const rows = [row(french[0], 'fr0', 'abstain', 1), row(french[0], 'fr0', 'abstain', 9), ...french.slice(1).map((q, i) => row(q, `fr${i + 1}`, 'abstain', i + 2))];
    const gap = groupContentGap(rows, { threshold: 0.5 });
    expect(gap.questions).toBe(8);
    expect(gap.groupCount).toBe(7);
    expect(gap.groups[0]).toMatchObject({ example: french[0], count: 2, variants: 1 });
    expect(gap.groups.slice(1).every((x) => x.count === 1)).toBe(true);
  });

  test('hashed questions appear as (hidden) and group by hash alone', async () => {
    const hidden = await sampleReport({ storeQuestions: 'hash' });
    expect(hidden.contentGap.groups.map((x) => [x.count, x.example, x.hidden])).toEqual([
      [2, '(hidden)', true],
      [1, '(hidden)', true],
      [1, '(hidden)', true],
    ]);
  });
});

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; }
    else cell += c;
  }
  return rows;
}

describe('renderers agree on the same numbers', () => {
  test('JSON, CSV and HTML carry identical headline values', async () => {
    const r = await sampleReport();
    const json = JSON.parse(renderReport(r, 'json')) as Report;
    expect(json).toEqual(r);
    const csv = parseCsv(renderReport(r, 'csv'));
    expect(csv[0]).toEqual(['section', 'key', 'metric', 'value', 'low', 'high', 'unit', 'note']);
    const html = renderReport(r, 'html');
    const metrics = headlineMetrics(json);
    expect(metrics.length).toBeGreaterThan(10);
    for (const m of metrics) {
      const row = csv.find((x) => x[0] === 'totals' && x[2] === m.id);
      expect(row).toBeDefined();
      expect(Number(row![3])).toBe(m.value);
      if (m.low !== undefined) expect(Number(row![4])).toBe(m.low);
      const found = new RegExp(`data-metric="${m.id}" data-value="([^"]+)"`).exec(html);
      expect(found).not.toBeNull();
      expect(Number(found![1])).toBe(m.value);
    }
    expect(Number(csv.find((x) => x[2] === 'llm_calls_avoided')![3])).toBe(json.totals.llmCallsAvoided);
    const wh = csv.find((x) => x[0] === 'totals' && x[2] === 'wh_avoided')!;
    expect([Number(wh[4]), Number(wh[3]), Number(wh[5])]).toEqual([json.totals.avoided.impact.wh.low, json.totals.avoided.impact.wh.mid, json.totals.avoided.impact.wh.high]);
    const daily = csv.filter((x) => x[0] === 'series' && x[2] === 'questions').map((x) => Number(x[3]));
    expect(daily).toEqual(json.series.map((p) => p.questions));
    expect(csv.filter((x) => x[0] === 'assumption')).toHaveLength(json.assumptions.length);
    const table = renderReport(r, 'table');
    expect(table).toContain('Share of questions answered without an LLM');
    expect(table).toContain('1 May 2024 – 8 May 2024 (UTC)');
    expect(table).toContain('warranty for batteries');
  });

  test('the HTML is self-contained and escapes questions; CSV neutralises formulas', async () => {
    const { ledger, report } = await openLedger();
    await ledger.record(outcome({ route: 'abstain', question: '<script>alert(1)</script> =HYPERLINK("x")' }));
    await ledger.record(outcome({ route: 'abstain', question: '=cmd|calc' }));
    const r = await report(WEEK);
    const html = renderReport(r, 'html');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect((html.match(/<svg /g) ?? []).length).toBe(5);
    // Charts fill their card: a viewBox and width 100%, no fixed pixel size.
    expect(html.match(/<svg [^>]*>/g)!.every((tag) => /viewBox="/.test(tag) && /width="100%"/.test(tag) && !/height="\d/.test(tag))).toBe(true);
    const csv = renderReport(r, 'csv');
    expect(csv).toContain(`'=cmd|calc`);
    expect(csv).not.toMatch(/,=cmd/);
  });
});

describe('report periods', () => {
  const now = new Date('2024-05-08T12:00:00Z');
  test('defaults to the last 7 days; date-only is UTC midnight; no zone means UTC', async () => {
    expect(resolveReportRange({}, now)).toEqual({ from: new Date('2024-05-01T12:00:00Z'), to: now });
    expect(resolveReportRange({ from: '2024-05-01', to: '2024-05-02' }, now)).toEqual({ from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-02T00:00:00Z') });
    expect(resolveReportRange({ from: '2024-05-01T10:00' }, now).from.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    expect(resolveReportRange({ from: '2024-05-01T10:00:00+02:00' }, now).from.toISOString()).toBe('2024-05-01T08:00:00.000Z');
    expect(resolveReportRange({ to: '2024-05-03' }, now).from.toISOString()).toBe('2024-04-26T00:00:00.000Z');
  });

  test.each([['yesterday'], ['5'], ['2024-02-30'], ['2024-13-01'], ['2024-05-01T25:00']])('rejects %s', async (bad) => {
    expect(() => resolveReportRange({ from: bad }, now)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  test('rejects from >= to and periods over the limit', async () => {
    expect(() => resolveReportRange({ from: '2024-05-02', to: '2024-05-01' }, now)).toThrow(/before/);
    expect(() => resolveReportRange({ from: '1990-01-01', to: '2024-05-01' }, now)).toThrow(/longer/);
  });

  test('days=N is the N days before to; not with from', () => {
    expect(resolveReportRange({ days: '30' }, now)).toEqual({ from: new Date('2024-04-08T12:00:00Z'), to: now });
    expect(resolveReportRange({ days: '1', to: '2024-05-02' }, now).from.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    for (const bad of ['0', '-1', '2.5', 'week', '99999']) expect(() => resolveReportRange({ days: bad }, now)).toThrow(/days/);
    expect(() => resolveReportRange({ days: '7', from: '2024-05-01' }, now)).toThrow(/not both/);
  });
});

describe('formatting for people', () => {
  test('dates without milliseconds, constants to three digits', () => {
    expect(formatDate('2024-05-03T14:05:09.123Z')).toBe('3 May 2024, 14:05 UTC');
    expect(formatDate('2024-05-03T00:00:00.000Z')).toBe('3 May 2024');
    expect(formatConstant(1.1665273170451914e-6)).toBe('1.17 × 10⁻⁶');
    expect(formatConstant(-0.011205921025579175)).toBe('-0.0112');
    expect(formatConstant(473.0123)).toBe('473');
    expect(formatConstant('1.09–1.2')).toBe('1.09–1.2');
  });
});
