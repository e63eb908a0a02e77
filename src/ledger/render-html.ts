/**
 * The dashboard: one self-contained HTML page (inline CSS, inline SVG charts, no script, no
 * external resource), so it works offline and under a `default-src 'none'` CSP. Every headline
 * number sits in an element with `data-metric` (the CSV metric id) and `data-value` (the exact
 * JSON number), plus `data-low`/`data-high` when it has a range.
 */
import { formatConstant, formatRange, formatValue, headlineMetrics, sig } from './format';
import type { Report } from './report-types';
import { barChart, escapeHtml } from './svg';

const COLORS = { avoided: '#2e8b57', made: '#d9822b', other: '#9aa5b1', energy: '#3b6fb6', p50: '#6c8ebf', p95: '#1f3f73' };

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d232a}
header{background:#1d3b2a;color:#fff;padding:16px 24px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.85}
main{padding:16px 24px;max-width:1400px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:10px}
.card{background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card .label{font-size:12px;color:#555}.card .value{font-size:20px;font-weight:600;margin-top:2px}.card .range{font-size:11px;color:#666}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(660px,1fr));gap:12px;margin-top:16px}
figure{background:#fff;margin:0;padding:10px;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
figcaption{font-weight:600;margin-bottom:6px}svg.chart{max-width:100%;height:auto}
section{margin-top:20px}h2{font-size:17px;margin:0 0 8px}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e6e8eb;vertical-align:top}
th{background:#eef1f4}#assumptions td:first-child{width:22%}#assumptions td:nth-child(2){width:12%}td.num{text-align:right;white-space:nowrap}.muted{color:#666;font-size:12px}
`;

function card(id: string, label: string, text: string, value: number, low?: number, high?: number, extra = ''): string {
  const range = low !== undefined && high !== undefined ? ` data-low="${low}" data-high="${high}"` : '';
  return `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value" data-metric="${id}" data-value="${value}"${range}>${escapeHtml(text)}</div>${extra}</div>`;
}

function cards(r: Report): string {
  return headlineMetrics(r)
    .map((m) => {
      const rangeText = m.low !== undefined && m.high !== undefined ? `<div class="range">range ${escapeHtml(formatValue(m.low, m.unit))} – ${escapeHtml(formatValue(m.high, m.unit))}</div>` : '';
      return card(m.id, m.label, formatValue(m.value, m.unit), m.value, m.low, m.high, rangeText);
    })
    .join('');
}

/** Per-bucket energy in Wh, mWh or µWh, whichever keeps the largest value readable. */
function whScale(values: number[]): { unit: string; values: number[] } {
  const max = Math.max(0, ...values);
  const [unit, k] = max >= 1 || max === 0 ? ['Wh', 1] : max >= 1e-3 ? ['mWh', 1e3] : ['µWh', 1e6];
  return { unit, values: values.map((v) => v * k) };
}

function charts(r: Report): string {
  const hourly = r.period.bucket === 'hour';
  const labels = r.series.map((p) => (hourly ? p.start.slice(11, 16) : p.start.slice(5, 10)));
  const other = r.series.map((p) => p.questions - p.avoided - p.made);
  const energy = whScale(r.series.map((p) => p.whAvoided));
  const figures = [
    barChart({
      id: 'chart-questions', title: `Questions per ${r.period.bucket}`, labels, stacked: true, integer: true, unit: 'questions',
      series: [
        { name: 'LLM avoided', values: r.series.map((p) => p.avoided), color: COLORS.avoided },
        { name: 'LLM called', values: r.series.map((p) => p.made), color: COLORS.made },
        { name: 'other', values: other, color: COLORS.other },
      ],
    }),
    barChart({ id: 'chart-energy', title: `Energy avoided per ${r.period.bucket} (mid)`, labels, unit: energy.unit, series: [{ name: `${energy.unit} avoided`, values: energy.values, color: COLORS.energy }] }),
    barChart({
      id: 'chart-confidence', title: 'Router confidence', unit: 'questions', integer: true,
      labels: r.confidenceHistogram.bins.map((b) => b.from.toFixed(1)),
      series: [{ name: 'questions', values: r.confidenceHistogram.bins.map((b) => b.count), color: COLORS.avoided }],
    }),
    barChart({
      id: 'chart-routes', title: 'Questions by route', unit: 'questions', integer: true, labels: Object.keys(r.totals.byRoute),
      series: [{ name: 'questions', values: Object.values(r.totals.byRoute), color: COLORS.energy }],
    }),
    barChart({
      id: 'chart-latency', title: 'Latency by route', unit: 'ms', labels: r.latencyByRoute.map((l) => l.route),
      series: [
        { name: 'p50', values: r.latencyByRoute.map((l) => l.p50Ms ?? 0), color: COLORS.p50 },
        { name: 'p95', values: r.latencyByRoute.map((l) => l.p95Ms ?? 0), color: COLORS.p95 },
      ],
    }),
  ];
  const captions = [`Questions per ${r.period.bucket} (UTC)`, `Energy avoided per ${r.period.bucket}, mid estimate`, 'Router confidence (10 bins)', 'Questions by route', 'Latency by route, p50 and p95'];
  return figures.map((svg, i) => `<figure><figcaption>${escapeHtml(captions[i])}</figcaption>${svg}</figure>`).join('');
}

function rowsHtml(cells: string[][]): string {
  return cells.map((c) => `<tr>${c.join('')}</tr>`).join('');
}

function contentGap(r: Report): string {
  const g = r.contentGap;
  const how = g.method === 'embedding' ? `grouped by embedding similarity (${escapeHtml(g.embedderId ?? '')}, cosine ≥ ${g.threshold})` : 'grouped by normalised text';
  const body = rowsHtml(g.groups.map((x) => [
    `<td class="num" data-gap-count="${x.count}">${x.count}</td>`,
    `<td>${x.hidden ? '<span class="muted">(hidden)</span>' : escapeHtml(x.example)}</td>`,
    `<td>${escapeHtml(Object.entries(x.routes).map(([k, v]) => `${k} ${v}`).join(', '))}</td>`,
    `<td>${escapeHtml(x.lastAt)}</td>`,
  ]));
  return `<section id="content-gap"><h2>Content gap</h2><p class="muted">${g.questions} questions were not answered from the passages (generate, passages, abstain), ${g.groupCount} groups, ${how}${g.note ? '; ' + escapeHtml(g.note) : ''}.</p>
<table><thead><tr><th>count</th><th>example question</th><th>routes</th><th>last asked</th></tr></thead><tbody>${body || '<tr><td colspan="4" class="muted">none</td></tr>'}</tbody></table></section>`;
}

function equivalents(r: Report): string {
  const items = r.totals.equivalents.map((e) => `<li data-equivalent="${escapeHtml(e.id)}" data-value="${e.value.mid}">≈ <strong>${escapeHtml(sig(e.value.mid))}</strong> ${escapeHtml(e.label)} <span class="muted">(${escapeHtml(sig(e.value.low))} – ${escapeHtml(sig(e.value.high))}; ${e.perUnit} ${escapeHtml(e.unit)}: ${escapeHtml(e.source)})</span></li>`);
  return `<section id="equivalents"><h2>The net saving equals about</h2><ul>${items.join('')}</ul></section>`;
}

function assumptions(r: Report): string {
  const body = rowsHtml(r.assumptions.filter((a) => a.name !== 'method version').map((a) => [`<td>${escapeHtml(a.name)}</td>`, `<td class="num">${escapeHtml(formatConstant(a.value))}</td>`, `<td>${escapeHtml(a.unit)}</td>`, `<td>${escapeHtml(a.source)}</td>`]));
  const versions = r.methodVersions.length > 1 ? `<p class="muted">Rows in this period were estimated under ${r.methodVersions.length} method versions; each row keeps its own constants.</p>` : '';
  return `<section id="assumptions"><h2>Assumptions</h2><p class="muted">Estimates, not measurements: see docs/energy-method.md. Method: <span data-method-version>${escapeHtml(r.assumptions.find((a) => a.name === 'method version')?.value.toString() ?? '')}</span>.</p>${versions}<table><thead><tr><th>constant</th><th>value</th><th>unit</th><th>source</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

export function renderHtml(r: Report): string {
  const net = headlineMetrics(r).find((m) => m.id === 'net_wh');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sobre ledger ${escapeHtml(r.period.from.slice(0, 10))} – ${escapeHtml(r.period.to.slice(0, 10))}</title><style>${CSS}</style></head>
<body><header><h1>Sobre: compute ledger</h1><p data-period-from="${escapeHtml(r.period.from)}" data-period-to="${escapeHtml(r.period.to)}">${escapeHtml(r.period.from)} to ${escapeHtml(r.period.to)} (UTC, from inclusive, to exclusive) · net energy saving ${escapeHtml(net ? formatRange(net) : '')}</p></header>
<main><div class="cards">${cards(r)}</div>
<div class="charts">${charts(r)}</div>
${equivalents(r)}
${contentGap(r)}
${assumptions(r)}
<p class="muted">Generated ${escapeHtml(r.generatedAt)}. JSON: /v1/report · CSV: /v1/report.csv</p></main></body></html>
`;
}
