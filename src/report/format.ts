/**
 * Shared by the renderers: the headline metrics (one list, so table, CSV and HTML show the same
 * numbers under the same ids) and number formatting with SI prefixes.
 */
import type { Range3 } from '../ledger/types';
import type { Report } from './types';

export interface Metric {
  /** Stable id: CSV `metric` column and HTML `data-metric` attribute. */
  id: string;
  label: string;
  value: number;
  low?: number;
  high?: number;
  unit: string;
}

export function headlineMetrics(r: Report): Metric[] {
  const t = r.totals;
  const a = t.avoided;
  const range = (id: string, label: string, x: Range3, unit: string): Metric => ({ id, label, value: x.mid, low: x.low, high: x.high, unit });
  return [
    { id: 'questions', label: 'Questions', value: t.questions, unit: 'count' },
    { id: 'answered_without_llm', label: 'Answered without an LLM (direct answers and known questions)', value: t.answeredWithoutLlm, unit: 'count' },
    { id: 'answered_without_llm_share', label: 'Share of questions answered without an LLM', value: t.answeredWithoutLlmShare, unit: 'ratio' },
    { id: 'direct_answers', label: 'Direct answers from a passage', value: t.byRoute.direct, unit: 'count' },
    { id: 'known_question_hits', label: 'Known-question hits (FAQ, pinned, cache)', value: t.knownQuestionHits, unit: 'count' },
    { id: 'declined', label: 'Declined, out of scope (abstentions)', value: t.declined, unit: 'count' },
    { id: 'llm_calls_made', label: 'Answered by the LLM', value: t.llmCallsMade, unit: 'count' },
    { id: 'generator_failures', label: 'Passages only: the generator failed', value: t.byCallStatus.failed, unit: 'count' },
    { id: 'passages_without_generator', label: 'Passages only: no generator configured', value: t.byCallStatus.unavailable, unit: 'count' },
    { id: 'llm_calls_avoided', label: 'LLM calls avoided (answers without an LLM and abstentions)', value: t.llmCallsAvoided, unit: 'count' },
    { id: 'tokens_avoided', label: 'Tokens avoided', value: a.tokens, unit: 'tokens' },
    { id: 'flops_avoided', label: 'FLOPs avoided', value: a.flops, unit: 'FLOP' },
    range('wh_avoided', 'Energy avoided', a.impact.wh, 'Wh'),
    range('gco2e_avoided', 'Carbon avoided', a.impact.gco2e, 'gCO2e'),
    range('water_l_avoided', 'Water avoided', a.impact.waterL, 'L'),
    range('embodied_gco2e_avoided', 'Embodied carbon avoided (hardware manufacturing)', a.embodied.gco2e, 'gCO2e'),
    range('embodied_adpe_avoided', 'Embodied abiotic depletion avoided', a.embodied.adpeKgSbEq, 'kgSbeq'),
    range('embodied_pe_avoided', 'Embodied primary energy avoided', a.embodied.peMj, 'MJ'),
    { id: 'path_cpu_ms', label: 'Retrieval path CPU time', value: t.path.cpuMs, unit: 'ms' },
    { id: 'path_wh', label: 'Retrieval path energy', value: t.path.wh, unit: 'Wh' },
    { id: 'path_gco2e', label: 'Retrieval path carbon', value: t.path.gco2e, unit: 'gCO2e' },
    { id: 'path_water_l', label: 'Retrieval path water', value: t.path.waterL, unit: 'L' },
    range('net_wh', 'Net energy saved', t.net.wh, 'Wh'),
    range('net_gco2e', 'Net carbon saved', t.net.gco2e, 'gCO2e'),
    range('net_water_l', 'Net water saved', t.net.waterL, 'L'),
    { id: 'tokens_generated', label: 'Tokens of real LLM calls', value: t.generated.tokens, unit: 'tokens' },
    range('wh_generated', 'Energy of real LLM calls', t.generated.impact.wh, 'Wh'),
    range('embodied_gco2e_generated', 'Embodied carbon of real LLM calls', t.generated.embodied.gco2e, 'gCO2e'),
  ];
}

const PREFIXES: readonly [number, string][] = [
  [1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'µ'], [1e-9, 'n'],
];

/** Three significant digits, trailing zeros dropped. */
export function sig(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return String(n);
  return String(Number(n.toPrecision(3)));
}

/** Human-readable value with unit: SI prefixes for Wh, g, L and FLOP; plain otherwise. */
export function formatValue(value: number, unit: string): string {
  if (unit === 'ratio') return `${sig(value * 100)} %`;
  if (unit === 'count' || unit === 'tokens') return `${Math.round(value).toLocaleString('en-US')}${unit === 'tokens' ? ' tokens' : ''}`;
  if (unit === 'ms') return `${sig(value)} ms`;
  if (!['Wh', 'gCO2e', 'L', 'FLOP'].includes(unit)) return `${sig(value)} ${unit}`.trim();
  const abs = Math.abs(value);
  if (abs === 0) return `0 ${unit}`;
  const allowed = unit === 'FLOP' || unit === 'Wh' ? PREFIXES : PREFIXES.filter(([f]) => f <= 1e3);
  const [factor, prefix] = allowed.find(([f]) => abs >= f) ?? allowed[allowed.length - 1];
  return `${sig(value / factor)} ${prefix}${unit}`;
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/** A constant for people: three significant digits, × 10ⁿ outside 0.001–1,000,000. */
export function formatConstant(v: number | string): string {
  if (typeof v === 'string') return v;
  const abs = Math.abs(v);
  if (abs === 0 || (abs >= 1e-3 && abs < 1e6)) return sig(v);
  const [mantissa, exponent] = v.toExponential(2).split('e');
  return `${Number(mantissa)} × 10${exponent.replace('+', '').replace(/./g, (c) => SUPERSCRIPT[c] ?? c)}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `3 May 2024, 14:05 UTC` (no time at midnight; `withYear` false drops the year). */
export function formatDate(iso: string, withYear = true): string {
  const d = new Date(iso);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${withYear ? ` ${d.getUTCFullYear()}` : ''}`;
  const hm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return hm === '00:00' ? day : `${day}, ${hm} UTC`;
}

/** A report period for people: `1 May 2024 – 8 May 2024 (UTC)`. */
export function formatPeriod(from: string, to: string): string {
  const [a, b] = [formatDate(from), formatDate(to)];
  return `${a} – ${b}${a.endsWith('UTC') || b.endsWith('UTC') ? '' : ' (UTC)'}`;
}

export function formatRange(m: Metric): string {
  const mid = formatValue(m.value, m.unit);
  if (m.low === undefined || m.high === undefined || m.low === m.high) return mid;
  return `${mid} (${formatValue(m.low, m.unit)} – ${formatValue(m.high, m.unit)})`;
}
