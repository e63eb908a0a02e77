/**
 * The energy method's constants, in one place: those that come from settings (config.ts) and
 * those fixed by the method (EcoLogits' reference server). A snapshot of all of them is stored
 * as JSON on every ledger row, so rows written under older constants stay interpretable.
 * Sources: docs/energy-method.md.
 */
import type { SobreConfig } from '../config';

/** Bump when the formulas (not just a setting) change. */
export const METHOD_VERSION = 'sobre-ledger/1; EcoLogits LLM inference (ML.ENERGY H100 fit, batch size term), Li et al. 2023 water';

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
} as const;

/** FLOPs per parameter per token of a forward pass (Kaplan et al. 2020: ≈ 2·N per token). */
export const FLOPS_PER_PARAM_TOKEN = 2;

export interface MethodSnapshot {
  version: string;
  /** Active = total parameters (dense model assumed), billions. */
  llmParamsB: number;
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
  pue: number;
  gridGco2PerKwh: number;
  wueOnSiteLPerKwh: number;
  wueOffSiteLPerKwh: number;
  cpuWattsPerCore: number;
  energySpread: number;
  defaultCompletionTokens: number;
  flopsPerParamToken: number;
}

export function methodFromConfig(config: SobreConfig): MethodSnapshot {
  return {
    version: METHOD_VERSION,
    llmParamsB: config.llmParamsB,
    llmModel: config.llmModel,
    generator: config.generator,
    gpuWhPerToken: { alpha: config.gpuWhPerTokenAlpha, beta: config.gpuWhPerTokenBeta, gamma: config.gpuWhPerTokenGamma },
    latencySPerToken: { alpha: ECOLOGITS_FIXED.latencyAlpha, beta: ECOLOGITS_FIXED.latencyBeta, gamma: ECOLOGITS_FIXED.latencyGamma },
    batchSize: config.servingBatchSize,
    serverWatts: ECOLOGITS_FIXED.serverWatts,
    serverGpus: ECOLOGITS_FIXED.serverGpus,
    gpuMemoryGb: ECOLOGITS_FIXED.gpuMemoryGb,
    quantizationBits: ECOLOGITS_FIXED.quantizationBits,
    memoryOverhead: ECOLOGITS_FIXED.memoryOverhead,
    pue: config.pue,
    gridGco2PerKwh: config.gridIntensity,
    wueOnSiteLPerKwh: config.wueOnSite,
    wueOffSiteLPerKwh: config.wueOffSite,
    cpuWattsPerCore: config.cpuWattsPerCore,
    energySpread: config.energySpread,
    defaultCompletionTokens: config.defaultCompletionTokens,
    flopsPerParamToken: FLOPS_PER_PARAM_TOKEN,
  };
}

/** Approximate annual-average grid intensities, gCO2e/kWh, for choosing SOBRE_GRID_GCO2_PER_KWH. */
export const GRID_ZONES: readonly { zone: string; gco2PerKwh: number }[] = [
  { zone: 'World (CodeCarbon default)', gco2PerKwh: 475 },
  { zone: 'France', gco2PerKwh: 56 },
  { zone: 'Germany', gco2PerKwh: 380 },
  { zone: 'United States', gco2PerKwh: 390 },
  { zone: 'China', gco2PerKwh: 560 },
];
export const GRID_ZONES_SOURCE = 'Ember / Electricity Maps annual averages, approximate';

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
