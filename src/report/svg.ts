/**
 * A small bar-chart renderer to inline SVG (no script, no external resource), for the dashboard.
 * Grouped or stacked bars, a y axis with four ticks, thinned x labels, a legend and a <title>
 * tooltip on every bar. Charts scale to their container: a viewBox and width 100%.
 */
import { sig } from './format';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export interface BarSeries {
  name: string;
  values: readonly number[];
  color: string;
}

export interface BarChartSpec {
  id: string;
  title: string;
  labels: readonly string[];
  series: readonly BarSeries[];
  stacked?: boolean;
  /** Counts: integer ticks. */
  integer?: boolean;
  unit?: string;
  width?: number;
  height?: number;
}

const M = { left: 64, right: 12, top: 26, bottom: 34 };

/** A "nice" axis maximum: 1, 2, 2.5 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const k of [1, 2, 2.5, 5, 10]) if (k * p >= max) return k * p;
  return 10 * p;
}

export function barChart(spec: BarChartSpec): string {
  const W = spec.width ?? 640;
  const H = spec.height ?? 240;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const n = spec.labels.length;
  const totals = spec.labels.map((_, i) => spec.series.reduce((s, se) => s + (se.values[i] ?? 0), 0));
  const rawMax = spec.stacked ? Math.max(0, ...totals) : Math.max(0, ...spec.series.flatMap((s) => s.values));
  const yMax = spec.integer ? Math.max(4, Math.ceil(rawMax / 4) * 4) : niceMax(rawMax);
  const y = (v: number): number => M.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  parts.push(`<svg id="${escapeHtml(spec.id)}" class="chart" role="img" aria-label="${escapeHtml(spec.title)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" preserveAspectRatio="xMidYMid meet">`);
  parts.push(`<title>${escapeHtml(spec.title)}</title>`);
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e6ea"/>`);
    parts.push(`<text class="tick" x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11" fill="#555">${escapeHtml(sig(v))}</text>`);
  }
  if (spec.unit) parts.push(`<text x="4" y="14" font-size="11" fill="#555">${escapeHtml(spec.unit)}</text>`);
  const groupW = n > 0 ? plotW / n : plotW;
  const every = Math.max(1, Math.ceil(n / 12));
  spec.labels.forEach((label, i) => {
    const gx = M.left + i * groupW;
    let stack = 0;
    spec.series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const barW = spec.stacked ? groupW * 0.7 : (groupW * 0.8) / spec.series.length;
      const x = spec.stacked ? gx + groupW * 0.15 : gx + groupW * 0.1 + j * barW;
      const top = spec.stacked ? y(stack + v) : y(v);
      const h = spec.stacked ? y(stack) - y(stack + v) : y(0) - y(v);
      stack += v;
      if (v <= 0) return;
      parts.push(`<rect class="bar" x="${x.toFixed(2)}" y="${top.toFixed(2)}" width="${Math.max(1, barW).toFixed(2)}" height="${Math.max(0.5, h).toFixed(2)}" fill="${s.color}"><title>${escapeHtml(`${label} · ${s.name}: ${sig(v)}${spec.unit ? ' ' + spec.unit : ''}`)}</title></rect>`);
    });
    if (i % every === 0) {
      parts.push(`<text class="label" x="${(gx + groupW / 2).toFixed(2)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11" fill="#333">${escapeHtml(label)}</text>`);
    }
  });
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}" stroke="#888"/>`);
  if (rawMax <= 0) parts.push(`<text x="${M.left + plotW / 2}" y="${M.top + plotH / 2}" text-anchor="middle" font-size="13" fill="#888">no data in this period</text>`);
  let lx = W - M.right;
  for (const s of [...spec.series].reverse()) {
    const w = 18 + s.name.length * 6.5;
    lx -= w;
    parts.push(`<rect class="legend" x="${lx.toFixed(1)}" y="6" width="10" height="10" fill="${s.color}"/><text x="${(lx + 14).toFixed(1)}" y="15" font-size="11" fill="#333">${escapeHtml(s.name)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface SharePart {
  name: string;
  value: number;
  color: string;
}

/** One horizontal bar split into the parts' shares (empty parts are left out). */
export function shareBar(id: string, title: string, parts: readonly SharePart[]): string {
  const W = 1000;
  const H = 36;
  const total = parts.reduce((s, p) => s + p.value, 0);
  const out = [`<svg id="${escapeHtml(id)}" class="chart" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" preserveAspectRatio="none"><title>${escapeHtml(title)}</title>`];
  if (total === 0) out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#e3e6ea"/>`);
  let x = 0;
  for (const p of parts) {
    if (p.value <= 0) continue;
    const w = (p.value / total) * W;
    out.push(`<rect class="bar" x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="${H}" fill="${p.color}"><title>${escapeHtml(`${p.name}: ${p.value} (${sig((100 * p.value) / total)} %)`)}</title></rect>`);
    x += w;
  }
  out.push('</svg>');
  return out.join('');
}
