/** Parts of the dashboard (render-html.ts): the period picker, the questions bar and the charts. */
import { formatDate } from './format';
import { PERIOD_CHOICES } from './range';
import { barChart, escapeHtml, shareBar } from './svg';
import type { Report } from './types';

export const COLORS = { answered: '#2e8b57', declined: '#8c6bb1', made: '#d9822b', other: '#9aa5b1', energy: '#3b6fb6', p50: '#6c8ebf', p95: '#1f3f73' };

/** Links for the usual periods and a GET form for any dates: no script needed. */
export function periodPicker(r: Report, days: number | undefined): string {
  const links = PERIOD_CHOICES.map((c) => `<a href="/report?days=${c.days}"${c.days === days ? ' class="on" aria-current="page"' : ''}>${escapeHtml(c.label)}</a>`).join('');
  const day = (iso: string) => iso.slice(0, 10);
  return `<nav class="periods" aria-label="Period">${links}<form method="get" action="/report"><label>from <input type="date" name="from" value="${escapeHtml(day(r.period.from))}"></label>
<label>to (not included) <input type="date" name="to" value="${escapeHtml(day(r.period.to))}"></label> <button type="submit">Show</button></form></nav>`;
}

/** One bar split by outcome, with its legend. */
export function questionBar(r: Report): string {
  const t = r.totals;
  const parts = [
    { name: 'answered without an LLM', value: t.answeredWithoutLlm, color: COLORS.answered },
    { name: 'answered by the LLM', value: t.llmCallsMade, color: COLORS.made },
    { name: 'passages only', value: t.byRoute.passages, color: COLORS.other },
    { name: 'declined, out of scope', value: t.declined, color: COLORS.declined },
  ];
  const legend = parts.map((p) => `<span><i style="background:${p.color}"></i>${escapeHtml(p.name)} ${p.value}</span>`).join('');
  return `${shareBar('bar-questions', 'Questions by outcome', parts)}<div class="legend">${legend}</div>`;
}

/** Per-bucket energy in Wh, mWh or µWh, whichever keeps the largest value readable. */
function whScale(values: number[]): { unit: string; values: number[] } {
  const max = Math.max(0, ...values);
  const [unit, k] = max >= 1 || max === 0 ? ['Wh', 1] : max >= 1e-3 ? ['mWh', 1e3] : ['µWh', 1e6];
  return { unit, values: values.map((v) => v * k) };
}

export function charts(r: Report): string {
  const hourly = r.period.bucket === 'hour';
  const labels = r.series.map((p) => (hourly ? p.start.slice(11, 16) : formatDate(p.start, false)));
  const energy = whScale(r.series.map((p) => p.whAvoided));
  const per = hourly ? 'hour' : 'day';
  const figures: [string, string][] = [
    [`Questions per ${per} (UTC)`, barChart({
      id: 'chart-questions', title: `Questions per ${per}`, labels, stacked: true, integer: true, unit: 'questions',
      series: [
        { name: 'without an LLM', values: r.series.map((p) => p.answered), color: COLORS.answered },
        { name: 'LLM', values: r.series.map((p) => p.made), color: COLORS.made },
        { name: 'declined', values: r.series.map((p) => p.declined), color: COLORS.declined },
        { name: 'passages', values: r.series.map((p) => p.questions - p.answered - p.made - p.declined), color: COLORS.other },
      ],
    })],
    [`Energy of the LLM calls avoided per ${per} (estimate, mid)`, barChart({
      id: 'chart-energy', title: `Energy avoided per ${per}`, labels, unit: energy.unit,
      series: [{ name: `${energy.unit} avoided`, values: energy.values, color: COLORS.energy }],
    })],
    ['Router confidence (questions per 0.1 bin)', barChart({
      id: 'chart-confidence', title: 'Router confidence', unit: 'questions', integer: true,
      labels: r.confidenceHistogram.bins.map((b) => b.from.toFixed(1)),
      series: [{ name: 'questions', values: r.confidenceHistogram.bins.map((b) => b.count), color: COLORS.answered }],
    })],
    ['Latency by route, p50 and p95', barChart({
      id: 'chart-latency', title: 'Latency by route', unit: 'ms', labels: r.latencyByRoute.map((l) => l.route),
      series: [
        { name: 'p50', values: r.latencyByRoute.map((l) => l.p50Ms ?? 0), color: COLORS.p50 },
        { name: 'p95', values: r.latencyByRoute.map((l) => l.p95Ms ?? 0), color: COLORS.p95 },
      ],
    })],
  ];
  return figures.map(([caption, svg]) => `<figure><figcaption>${escapeHtml(caption)}</figcaption>${svg}</figure>`).join('');
}
