/**
 * The dashboard: one self-contained HTML page (inline CSS, inline SVG charts, no script, no
 * external resource), so it works offline and under a `default-src 'none'` CSP. The headline
 * first (share of questions answered without an LLM, net energy, carbon and water saved), then
 * where the questions went, the charts and the detail. Every metric of `headlineMetrics` sits
 * once in an element with `data-metric` (the CSV metric id) and `data-value` (the exact JSON
 * number), plus `data-low`/`data-high` when it has a range.
 */
import { formatConstant, formatDate, formatPeriod, formatValue, headlineMetrics, sig, type Metric } from './format';
import { charts, periodPicker, questionBar } from './html-parts';
import { escapeHtml } from './svg';
import type { Report } from './types';

/** What the server adds around the report (nothing for a file written by the CLI). */
export interface PageContext {
  /** The CSRF token of a signed-in browser session: shows the sign-out button. */
  signOutCsrf?: string;
  /** The `days` of the period asked for, to mark it in the picker. */
  days?: number;
}

const CSS = `
*{box-sizing:border-box}body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1d232a}
header{background:#1d3b2a;color:#fff;padding:12px 24px;display:flex;flex-wrap:wrap;gap:8px 24px;align-items:center}
header h1{margin:0;font-size:20px;flex:1 1 auto}header a{color:#fff}header form{margin:0}
nav.periods{display:flex;flex-wrap:wrap;gap:6px;align-items:center;font-size:14px}
nav.periods a{padding:3px 9px;border-radius:12px;background:rgba(255,255,255,.12);text-decoration:none}nav.periods a.on{background:#fff;color:#1d3b2a;font-weight:600}
nav.periods input{font-size:13px;padding:2px 4px}button{font-size:14px;padding:4px 12px;cursor:pointer}
main{padding:16px 24px 32px;max-width:1240px;margin:0 auto}.period{margin:0 0 12px;color:#444}
.headline{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(240px,100%),1fr));gap:12px}
.card{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.headline .label{font-size:14px;color:#444}.headline .value{font-size:34px;font-weight:700;margin:4px 0 2px;color:#1d3b2a}
.sub{font-size:13px;color:#555}.estimate{font-size:12px;color:#666;margin-top:6px}
section{margin-top:22px}h2{font-size:17px;margin:0 0 10px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(440px,100%),1fr));gap:12px}
figure{background:#fff;margin:0;padding:12px;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
figcaption{font-weight:600;margin-bottom:6px}svg.chart{display:block;width:100%;height:auto}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px;border-radius:10px;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.08)}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e6e8eb;vertical-align:top;overflow-wrap:anywhere}#assumptions td:first-child{width:24%}th{background:#eef1f4}
td.num{text-align:right;white-space:nowrap}.muted{color:#666;font-size:12px}ul.plain{margin:0;padding-left:18px}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin-top:8px;font-size:14px}.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px}
`;

function value(m: Metric, text = formatValue(m.value, m.unit)): string {
  const range = m.low !== undefined && m.high !== undefined ? ` data-low="${m.low}" data-high="${m.high}"` : '';
  return `<span data-metric="${m.id}" data-value="${m.value}"${range}>${escapeHtml(text)}</span>`;
}

function rangeLine(m: Metric): string {
  return m.low !== undefined && m.high !== undefined && m.low !== m.high
    ? `<div class="sub">estimate, range ${escapeHtml(formatValue(m.low, m.unit))} to ${escapeHtml(formatValue(m.high, m.unit))}</div>`
    : '';
}

function headline(r: Report, m: Map<string, Metric>): string {
  const t = r.totals;
  const get = (id: string) => m.get(id) as Metric;
  const share = `<div class="card" id="share"><div class="label">Answered without an LLM</div><div class="value">${value(get('answered_without_llm_share'))}</div>
<div class="sub">${value(get('answered_without_llm'))} of ${value(get('questions'))} questions (${t.byRoute.direct} direct, ${t.knownQuestionHits} known questions); ${t.declined} declined as out of scope</div></div>`;
  const embodied = get('embodied_gco2e_avoided');
  const saved = (id: string, label: string, extra = '') => `<div class="card" id="${id}"><div class="label">${label}</div><div class="value">${value(get(id))}</div>${rangeLine(get(id))}${extra}</div>`;
  return `<section class="headline" id="headline">${share}
${saved('net_wh', 'Net energy saved')}
${saved('net_gco2e', 'Net CO₂ saved', embodied.value > 0 ? `<div class="sub">and ${escapeHtml(formatValue(embodied.value, embodied.unit))} embodied (hardware manufacturing), apart</div>` : '')}
${saved('net_water_l', 'Net water saved')}</section>
<p class="estimate">Saved = the LLM calls a conventional RAG would have made (answers without an LLM and abstentions) minus the measured cost of Sobre's own retrieval. Estimates from docs/energy-method.md, not measurements.</p>`;
}

function questions(r: Report, m: Map<string, Metric>): string {
  const rows = ['direct_answers', 'known_question_hits', 'declined', 'llm_calls_made', 'generator_failures', 'passages_without_generator', 'llm_calls_avoided']
    .map((id) => m.get(id) as Metric)
    .map((x) => `<tr><td>${escapeHtml(x.label)}</td><td class="num">${value(x)}</td><td class="num">${r.totals.questions ? sig((100 * x.value) / r.totals.questions) : 0} %</td></tr>`);
  const byRoute = Object.entries(r.totals.byRoute).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(' · ');
  return `<section id="questions"><h2>Where the questions went</h2><div class="card">${questionBar(r)}
<table><thead><tr><th>outcome</th><th class="num">questions</th><th class="num">share</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="muted">By route: ${escapeHtml(byRoute || 'none')}.</p></div></section>`;
}

function detail(m: Map<string, Metric>, shown: Set<string>): string {
  const rows = [...m.values()].filter((x) => !shown.has(x.id))
    .map((x) => `<tr><td>${escapeHtml(x.label)}</td><td class="num">${value(x)}</td><td class="num muted">${x.low !== undefined && x.high !== undefined && x.low !== x.high ? `${escapeHtml(formatValue(x.low, x.unit))} – ${escapeHtml(formatValue(x.high, x.unit))}` : ''}</td></tr>`);
  return `<section id="detail"><h2>Detail</h2><table><thead><tr><th>quantity</th><th class="num">value (mid)</th><th class="num">range</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="muted">Embodied impacts (the share of the GPUs' and servers' manufacturing) are kept apart from the usage figures above them and are not in the net saving.</p></section>`;
}

function equivalents(r: Report): string {
  const items = r.totals.equivalents.map((e) => `<li data-equivalent="${escapeHtml(e.id)}" data-value="${e.value.mid}">≈ <strong>${escapeHtml(sig(e.value.mid))}</strong> ${escapeHtml(e.label)} <span class="muted">(${escapeHtml(sig(e.value.low))} – ${escapeHtml(sig(e.value.high))}; ${e.perUnit} ${escapeHtml(e.unit)}: ${escapeHtml(e.source)})</span></li>`);
  return `<section id="equivalents"><h2>The net saving equals about</h2><div class="card"><ul class="plain">${items.join('')}</ul></div></section>`;
}

function contentGap(r: Report): string {
  const g = r.contentGap;
  const body = g.groups.map((x) => `<tr><td class="num" data-gap-count="${x.count}">${x.count}</td><td>${x.hidden ? '<span class="muted">(hidden)</span>' : escapeHtml(x.example)}${x.variants > 1 ? ` <span class="muted">and ${x.variants - 1} similar</span>` : ''}</td>`
    + `<td>${escapeHtml(Object.entries(x.routes).map(([k, v]) => `${k} ${v}`).join(', '))}</td><td>${escapeHtml(formatDate(x.lastAt))}</td></tr>`).join('');
  return `<section id="content-gap"><h2>Content gap: what to add to the documents</h2><p class="muted">${g.questions} questions were not answered from the documents (generated, passages only or declined), in ${g.groupCount} groups of questions sharing at least ${sig(g.threshold * 100)} % of their content words.</p>
<table><thead><tr><th class="num">asked</th><th>question</th><th>routes</th><th>last asked</th></tr></thead><tbody>${body || '<tr><td colspan="4" class="muted">none</td></tr>'}</tbody></table></section>`;
}

function assumptions(r: Report): string {
  const body = r.assumptions.filter((a) => a.name !== 'method version')
    .map((a) => `<tr><td>${escapeHtml(a.name)}</td><td class="num" data-value="${escapeHtml(String(a.value))}">${escapeHtml(formatConstant(a.value))}</td><td>${escapeHtml(a.unit)}</td><td class="muted">${escapeHtml(a.source)}</td></tr>`).join('');
  const versions = r.methodVersions.length > 1 ? `<p class="muted">Rows in this period were estimated under ${r.methodVersions.length} method versions; each row keeps its own constants.</p>` : '';
  return `<section id="assumptions"><h2>Assumptions</h2><p class="muted">Estimates, not measurements: see docs/energy-method.md. Method: <span data-method-version>${escapeHtml(r.assumptions.find((a) => a.name === 'method version')?.value.toString() ?? '')}</span>. Values rounded to three digits; /v1/report has them in full.</p>${versions}
<table><thead><tr><th>constant</th><th class="num">value</th><th>unit</th><th>source</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

export function renderHtml(r: Report, page: PageContext = {}): string {
  const metrics = new Map(headlineMetrics(r).map((m) => [m.id, m]));
  const shown = new Set(['questions', 'answered_without_llm', 'answered_without_llm_share', 'net_wh', 'net_gco2e', 'net_water_l',
    'direct_answers', 'known_question_hits', 'declined', 'llm_calls_made', 'generator_failures', 'passages_without_generator', 'llm_calls_avoided']);
  const signOut = page.signOutCsrf
    ? `<form method="post" action="/signout"><input type="hidden" name="_csrf" value="${escapeHtml(page.signOutCsrf)}"><button type="submit" id="signout">Sign out</button></form>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sobre ledger · ${escapeHtml(formatPeriod(r.period.from, r.period.to))}</title><style>${CSS}</style></head>
<body><header><h1>Sobre · what the documents answered</h1>${periodPicker(r, page.days)}${signOut}</header>
<main><p class="period" data-period-from="${escapeHtml(r.period.from)}" data-period-to="${escapeHtml(r.period.to)}">${escapeHtml(formatPeriod(r.period.from, r.period.to))}, from inclusive, to exclusive</p>
${headline(r, metrics)}
${questions(r, metrics)}
<section id="charts"><div class="charts">${charts(r)}</div></section>
${detail(metrics, shown)}
${equivalents(r)}
${contentGap(r)}
${assumptions(r)}
<p class="muted">Generated ${escapeHtml(formatDate(r.generatedAt))}. The same as JSON: /v1/report · CSV: /v1/report.csv</p></main></body></html>
`;
}
