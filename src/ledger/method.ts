/**
 * The energy method's constants, in one place: those that come from settings (config.ts) and
 * those fixed by the method (EcoLogits' reference server). A snapshot of all of them is stored
 * as JSON on every ledger row, so rows written under older constants stay interpretable (a row
 * keeps the snapshot shape of its own method version). Sources: docs/energy-method.md.
 */
import type { Interval, SobreConfig } from '../config';
import { SobreError } from '../errors';
import MIXES from './electricity-mixes.json';

/** Bump when the formulas (not just a setting) change. */
export const METHOD_VERSION = 'sobre-ledger/2; EcoLogits 0.9 LLM inference (usage and embodied, water as its code computes it), EcoLogits electricity mixes';

/** Where the fixed constants below were read (docs/energy-method.md cites the lines). */
export const ECOLOGITS_SOURCE = 'EcoLogits 0.9, ecologits/impacts/llm.py (github.com/genai-impact/ecologits)';

/** Embodied impacts of one piece of hardware (EcoLogits' units). */
export interface HardwareFootprint {
  kgCo2e: number;
  kgSbEq: number;
  mj: number;
}

/** Constants of EcoLogits' reference deployment that Sobre does not expose as settings. */
export const ECOLOGITS_FIXED = {
  /** Seconds per output token: αL·P_active + βL·batch + γL (EcoLogits ML.ENERGY latency fit). */
  latencyAlpha: 6.785088094353663e-4,
  latencyBeta: 3.119310311688259e-4,
  latencyGamma: 1.9473717579473387e-2,
  /** Power of the server without its GPUs, W (EcoLogits: 1.2 kW). */
  serverWatts: 1200,
  /** GPUs installed in the reference server. */
  serverGpus: 8,
  /** Memory of one GPU, GB (H100 80 GB). */
  gpuMemoryGb: 80,
  /** Bits per weight when loaded (EcoLogits assumes 16). */
  quantizationBits: 16,
  /** Memory overhead factor over the raw weights (EcoLogits, after EleutherAI's Transformer Math). */
  memoryOverhead: 1.2,
  /** Manufacturing footprint of one GPU (EcoLogits: GWP of an H100; ADPe and PE still its A100 values). */
  gpuEmbodied: { kgCo2e: 164, kgSbEq: 5.1e-3, mj: 1828 } satisfies HardwareFootprint,
  /** Manufacturing footprint of the server without its GPUs. */
  serverEmbodied: { kgCo2e: 5700, kgSbEq: 0.37, mj: 70000 } satisfies HardwareFootprint,
  /** Hardware lifetime over which the embodied footprint is spread, s (EcoLogits: 3 years). */
  hardwareLifetimeS: 3 * 365 * 24 * 60 * 60,
} as const;

/** FLOPs per parameter per token of a forward pass (Kaplan et al. 2020: ≈ 2·N per token). */
export const FLOPS_PER_PARAM_TOKEN = 2;

export interface ElectricityMix {
  /** kgCO2eq/kWh */
  gwp: number;
  /** L/kWh, off-site (electricity generation) */
  wue: number;
  /** kgSbeq/kWh */
  adpe: number;
  /** MJ/kWh */
  pe: number;
}

export const ELECTRICITY_MIXES: Readonly<Record<string, ElectricityMix>> = MIXES.zones;
export const ELECTRICITY_MIXES_SOURCE: string = MIXES.source;

/** The mix of a zone code (`WOR`, `FRA`...), or a bad_config error listing the codes. */
export function electricityMix(zone: string): ElectricityMix {
  const mix = Object.hasOwn(ELECTRICITY_MIXES, zone) ? ELECTRICITY_MIXES[zone] : undefined;
  if (!mix) {
    const zones = Object.keys(ELECTRICITY_MIXES).join(', ');
    throw new SobreError('bad_config', `Invalid SOBRE_ELECTRICITY_MIX=${JSON.stringify(zone)}: expected one of ${zones}`, { setting: 'electricityMix', value: zone });
  }
  return mix;
}

export interface MethodSnapshot {
  version: string;
  /** Active = total parameters (dense model assumed), billions; min = max unless a range is set. */
  llmParamsB: Interval;
  llmModel: string;
  generator: 'none' | 'openai' | 'local';
  gpuWhPerToken: { alpha: number; beta: number; gamma: number };
  latencySPerToken: { alpha: number; beta: number; gamma: number };
  batchSize: number;
  serverWatts: number;
  serverGpus: number;
  gpuMemoryGb: number;
  quantizationBits: number;
  memoryOverhead: number;
  pue: Interval;
  wueOnSiteLPerKwh: Interval;
  /** Zone of the electricity mix the two factors below come from (unless overridden). */
  electricityMix: string;
  gridGco2PerKwh: number;
  wueOffSiteLPerKwh: number;
  /** Null when embodied impacts are switched off (SOBRE_EMBODIED=false). */
  embodied: { gpu: HardwareFootprint; server: HardwareFootprint; lifetimeS: number } | null;
  cpuWattsPerCore: number;
  defaultCompletionTokens: number;
  flopsPerParamToken: number;
}

export function methodFromConfig(config: SobreConfig): MethodSnapshot {
  const mix = electricityMix(config.electricityMix);
  const F = ECOLOGITS_FIXED;
  return {
    version: METHOD_VERSION,
    llmParamsB: { ...config.llmParamsB },
    llmModel: config.llmModel,
    generator: config.generator,
    gpuWhPerToken: { alpha: config.gpuWhPerTokenAlpha, beta: config.gpuWhPerTokenBeta, gamma: config.gpuWhPerTokenGamma },
    latencySPerToken: { alpha: F.latencyAlpha, beta: F.latencyBeta, gamma: F.latencyGamma },
    batchSize: config.servingBatchSize,
    serverWatts: F.serverWatts,
    serverGpus: F.serverGpus,
    gpuMemoryGb: F.gpuMemoryGb,
    quantizationBits: F.quantizationBits,
    memoryOverhead: F.memoryOverhead,
    pue: { ...config.pue },
    wueOnSiteLPerKwh: { ...config.wueOnSite },
    electricityMix: config.electricityMix,
    gridGco2PerKwh: config.gridIntensity ?? mix.gwp * 1000,
    wueOffSiteLPerKwh: config.wueOffSite ?? mix.wue,
    embodied: config.embodied ? { gpu: { ...F.gpuEmbodied }, server: { ...F.serverEmbodied }, lifetimeS: F.hardwareLifetimeS } : null,
    cpuWattsPerCore: config.cpuWattsPerCore,
    defaultCompletionTokens: config.defaultCompletionTokens,
    flopsPerParamToken: FLOPS_PER_PARAM_TOKEN,
  };
}

/** Everyday equivalents shown in the report; factor is "units of the quantity per 1 equivalent". */
export interface EquivalentFactor {
  id: string;
  label: string;
  quantity: 'wh' | 'gco2e' | 'waterL';
  perUnit: number;
  unit: string;
  source: string;
}

export const EQUIVALENT_FACTORS: readonly EquivalentFactor[] = [
  {
    id: 'smartphone_charges',
    label: 'smartphone full charges',
    quantity: 'wh',
    perUnit: 15,
    unit: 'Wh per charge',
    source: 'battery ≈ 12 Wh (e.g. 3,100 mAh × 3.85 V) plus ≈ 20 % charger loss; 12–15 Wh is the usual range',
  },
  {
    id: 'car_km',
    label: 'km driven by an average new car',
    quantity: 'gco2e',
    perUnit: 120,
    unit: 'gCO2/km',
    source: 'EEA monitoring of new passenger cars in the EU, ≈ 108–122 gCO2/km (2019–2022 type-approval, tailpipe only); real-world is higher',
  },
  {
    id: 'led_bulb_hours',
    label: 'hours of a 10 W LED bulb',
    quantity: 'wh',
    perUnit: 10,
    unit: 'Wh per hour',
    source: 'definition: a 10 W LED (≈ 60 W incandescent equivalent) for one hour',
  },
  {
    id: 'water_bottles',
    label: '0.5 L bottles of water',
    quantity: 'waterL',
    perUnit: 0.5,
    unit: 'L per bottle',
    source: 'definition',
  },
];
