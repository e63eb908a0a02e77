/**
 * Renderers of a Report: `table` (terminal text), `json`, `csv` and `html` (render-html.ts).
 *
 * CSV layout: one table with the header `section,key,metric,value,low,high,unit,note`, where
 * section is one of totals, route, series, confidence, latency, content_gap, equivalent,
 * assumption. totals rows carry the headline metrics (same ids as the HTML `data-metric`);
 * series rows have the bucket start in `key`; low/high are empty when a value has no range.
 */
import { formatConstant, formatDate, formatPeriod, formatRange, formatValue, headlineMetrics, sig } from './format';
import { renderHtml } from './render-html';
import type { Report } from './types';

export type ReportFormat = 'table' | 'json' | 'csv' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'csv', 'html'];

export function renderReport(report: Report, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'csv':
      return renderCsv(report);
    case 'html':
      return renderHtml(report);
    case 'table':
      return renderTable(report);
  }
}

function csvCell(v: string | number | undefined | null): string {
  if (v === undefined || v === null) return '';
  // Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection).
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

type CsvRow = [string, string, string, string | number, number | '', number | '', string, string];

export function renderCsv(r: Report): string {
  const rows: CsvRow[] = [];
  for (const m of headlineMetrics(r)) rows.push(['totals', '', m.id, m.value, m.low ?? '', m.high ?? '', m.unit, m.label]);
  for (const [route, n] of Object.entries(r.totals.byRoute)) rows.push(['route', route, 'questions', n, '', '', 'count', '']);
  for (const p of r.series) {
    rows.push(['series', p.start, 'questions', p.questions, '', '', 'count', r.period.bucket]);
    rows.push(['series', p.start, 'answered_without_llm', p.answered, '', '', 'count', r.period.bucket]);
    rows.push(['series', p.start, 'declined', p.declined, '', '', 'count', r.period.bucket]);
    rows.push(['series', p.start, 'llm_calls_avoided', p.avoided, '', '', 'count', r.period.bucket]);
    rows.push(['series', p.start, 'llm_calls_made', p.made, '', '', 'count', r.period.bucket]);
    rows.push(['series', p.start, 'wh_avoided', p.whAvoided, '', '', 'Wh', 'mid']);
    rows.push(['series', p.start, 'gco2e_avoided', p.gco2eAvoided, '', '', 'gCO2e', 'mid']);
    rows.push(['series', p.start, 'path_wh', p.pathWh, '', '', 'Wh', '']);
  }
  for (const b of r.confidenceHistogram.bins) rows.push(['confidence', `${b.from.toFixed(1)}-${b.to.toFixed(1)}`, 'questions', b.count, '', '', 'count', '']);
  rows.push(['confidence', 'unknown', 'questions', r.confidenceHistogram.unknown, '', '', 'count', 'no confidence']);
  for (const l of r.latencyByRoute) {
    rows.push(['latency', l.route, 'count', l.count, '', '', 'count', '']);
    rows.push(['latency', l.route, 'p50_ms', l.p50Ms ?? '', '', '', 'ms', '']);
    rows.push(['latency', l.route, 'p95_ms', l.p95Ms ?? '', '', '', 'ms', '']);
  }
  r.contentGap.groups.forEach((g, i) => rows.push(['content_gap', String(i + 1), 'questions', g.count, '', '', 'count', g.example]));
  for (const e of r.totals.equivalents) rows.push(['equivalent', e.id, 'net_saving', e.value.mid, e.value.low, e.value.high, e.label, `${e.perUnit} ${e.unit}; ${e.source}`]);
  for (const a of r.assumptions) rows.push(['assumption', a.name, 'value', a.value, '', '', a.unit, a.source]);
  const header = 'section,key,metric,value,low,high,unit,note';
  return [header, ...rows.map((row) => row.map(csvCell).join(','))].join('\n') + '\n';
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function bar(n: number, max: number, width = 30): string {
  return max <= 0 ? '' : '█'.repeat(Math.round((n / max) * width));
}

export function renderTable(r: Report): string {
  const out: string[] = [];
  const t = r.totals;
  out.push(`Sobre ledger report: ${formatPeriod(r.period.from, r.period.to)} (${r.period.from} to ${r.period.to}, ${r.period.bounds})`, '');
  for (const m of headlineMetrics(r)) out.push(`  ${pad(m.label, 52)} ${formatRange(m)}`);
  out.push('', '  Routes: ' + Object.entries(t.byRoute).map(([k, v]) => `${k} ${v}`).join(' · '));
  out.push('', `Net saving equals about (mid, low – high):`);
  for (const e of t.equivalents) out.push(`  ${pad(sig(e.value.mid), 10)} ${e.label} (${sig(e.value.low)} – ${sig(e.value.high)}; ${e.perUnit} ${e.unit})`);
  out.push('', `Per ${r.period.bucket} (UTC):`, `  ${pad('start', 22)}${pad('questions', 11)}${pad('no LLM', 8)}${pad('declined', 10)}${pad('LLM', 5)}energy avoided (mid)`);
  for (const p of r.series.filter((s) => s.questions > 0)) {
    out.push(`  ${pad(formatDate(p.start), 22)}${pad(String(p.questions), 11)}${pad(String(p.answered), 8)}${pad(String(p.declined), 10)}${pad(String(p.made), 5)}${formatValue(p.whAvoided, 'Wh')}`);
  }
  if (t.questions === 0) out.push('  (no questions in this period)');
  const maxBin = Math.max(...r.confidenceHistogram.bins.map((b) => b.count));
  out.push('', 'Confidence:');
  for (const b of r.confidenceHistogram.bins) out.push(`  ${b.from.toFixed(1)}–${b.to.toFixed(1)} ${pad(String(b.count), 6)}${bar(b.count, maxBin)}`);
  out.push(`  unknown ${r.confidenceHistogram.unknown}`);
  out.push('', `Latency by route:  ${pad('count', 8)}${pad('p50', 12)}p95`);
  for (const l of r.latencyByRoute) {
    out.push(`  ${pad(l.route, 17)}${pad(String(l.count), 8)}${pad(l.p50Ms === null ? '-' : formatValue(l.p50Ms, 'ms'), 12)}${l.p95Ms === null ? '-' : formatValue(l.p95Ms, 'ms')}`);
  }
  const gap = r.contentGap;
  out.push('', `Content gap: ${gap.questions} questions not answered from the documents, ${gap.groupCount} groups (sharing >= ${sig(gap.threshold * 100)} % of content words)`);
  for (const g of gap.groups) out.push(`  ${pad(`${g.count}×`, 6)}${g.example.replace(/\s+/g, ' ').slice(0, 100)}${g.variants > 1 ? ` (and ${g.variants - 1} similar)` : ''}`);
  const version = r.assumptions.find((a) => a.name === 'method version');
  out.push('', `Assumptions (method: ${version?.value ?? '?'}; estimates, not measurements, see docs/energy-method.md):`);
  for (const a of r.assumptions.filter((x) => x !== version)) {
    out.push(`  ${pad(a.name, 45)} ${pad(`${formatConstant(a.value)} ${a.unit}`.trim(), 40)} ${a.source}`);
  }
  if (r.methodVersions.length > 1) out.push('', `Rows in this period use ${r.methodVersions.length} method versions: ${r.methodVersions.join(' | ')}`);
  return out.join('\n') + '\n';
}
