/**
 * Shared by the renderers: the headline metrics (one list, so table, CSV and HTML show the same
 * numbers under the same ids) and number formatting with SI prefixes.
 */
import type { Report } from './report-types';

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
  return [
    { id: 'questions', label: 'Questions', value: t.questions, unit: 'count' },
    { id: 'llm_calls_avoided', label: 'LLM calls avoided', value: t.llmCallsAvoided, unit: 'count' },
    { id: 'llm_calls_avoided_share', label: 'Share of questions answered without the LLM', value: t.llmCallsAvoidedShare, unit: 'ratio' },
    { id: 'llm_calls_made', label: 'LLM calls made', value: t.llmCallsMade, unit: 'count' },
    { id: 'generator_failures', label: 'Generator failures (not counted as avoided)', value: t.byCallStatus.failed, unit: 'count' },
    { id: 'passages_without_generator', label: 'Passages with no generator configured (not counted)', value: t.byCallStatus.unavailable, unit: 'count' },
    { id: 'tokens_avoided', label: 'Tokens avoided', value: a.tokens, unit: 'tokens' },
    { id: 'flops_avoided', label: 'FLOPs avoided', value: a.flops, unit: 'FLOP' },
    { id: 'wh_avoided', label: 'Energy avoided', value: a.impact.wh.mid, low: a.impact.wh.low, high: a.impact.wh.high, unit: 'Wh' },
    { id: 'gco2e_avoided', label: 'Carbon avoided', value: a.impact.gco2e.mid, low: a.impact.gco2e.low, high: a.impact.gco2e.high, unit: 'gCO2e' },
    { id: 'water_l_avoided', label: 'Water avoided', value: a.impact.waterL.mid, low: a.impact.waterL.low, high: a.impact.waterL.high, unit: 'L' },
    { id: 'embodied_gco2e_avoided', label: 'Embodied carbon avoided (hardware manufacturing)', value: a.embodied.gco2e.mid, low: a.embodied.gco2e.low, high: a.embodied.gco2e.high, unit: 'gCO2e' },
    { id: 'embodied_adpe_avoided', label: 'Embodied abiotic depletion avoided', value: a.embodied.adpeKgSbEq.mid, low: a.embodied.adpeKgSbEq.low, high: a.embodied.adpeKgSbEq.high, unit: 'kgSbeq' },
    { id: 'embodied_pe_avoided', label: 'Embodied primary energy avoided', value: a.embodied.peMj.mid, low: a.embodied.peMj.low, high: a.embodied.peMj.high, unit: 'MJ' },
    { id: 'path_cpu_ms', label: 'Retrieval path CPU time', value: t.path.cpuMs, unit: 'ms' },
    { id: 'path_wh', label: 'Retrieval path energy', value: t.path.wh, unit: 'Wh' },
    { id: 'path_gco2e', label: 'Retrieval path carbon', value: t.path.gco2e, unit: 'gCO2e' },
    { id: 'path_water_l', label: 'Retrieval path water', value: t.path.waterL, unit: 'L' },
    { id: 'net_wh', label: 'Net energy saving', value: t.net.wh.mid, low: t.net.wh.low, high: t.net.wh.high, unit: 'Wh' },
    { id: 'net_gco2e', label: 'Net carbon saving', value: t.net.gco2e.mid, low: t.net.gco2e.low, high: t.net.gco2e.high, unit: 'gCO2e' },
    { id: 'net_water_l', label: 'Net water saving', value: t.net.waterL.mid, low: t.net.waterL.low, high: t.net.waterL.high, unit: 'L' },
    { id: 'tokens_generated', label: 'Tokens of real LLM calls', value: t.generated.tokens, unit: 'tokens' },
    { id: 'wh_generated', label: 'Energy of real LLM calls', value: t.generated.impact.wh.mid, low: t.generated.impact.wh.low, high: t.generated.impact.wh.high, unit: 'Wh' },
    { id: 'embodied_gco2e_generated', label: 'Embodied carbon of real LLM calls', value: t.generated.embodied.gco2e.mid, low: t.generated.embodied.gco2e.low, high: t.generated.embodied.gco2e.high, unit: 'gCO2e' },
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

/** A constant as written in the docs: scientific notation below 0.001, plain otherwise. */
export function formatConstant(v: number | string): string {
  if (typeof v === 'string') return v;
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v);
}

export function formatRange(m: Metric): string {
  const mid = formatValue(m.value, m.unit);
  if (m.low === undefined || m.high === undefined || m.low === m.high) return mid;
  return `${mid} (${formatValue(m.low, m.unit)} – ${formatValue(m.high, m.unit)})`;
}
