/** Every constant the report's numbers rest on, with its value and source (docs/energy-method.md). */
import type { Interval } from '../config';
import { ECOLOGITS_SOURCE, ELECTRICITY_MIXES_SOURCE, EQUIVALENT_FACTORS, electricityMix, type MethodSnapshot } from '../ledger/method';
import type { Assumption } from './types';

const ECOLOGITS = `${ECOLOGITS_SOURCE} (fit on the ML.ENERGY leaderboard, H100, vLLM)`;
const PROVIDERS = 'EcoLogits 0.9 provider datacentres (ecologits/tracers/utils.py) span';

/** A point value as a number, a range as "low–high" (low/high ends feed the estimate's low/high). */
function interval(i: Interval): number | string {
  return i.min === i.max ? i.min : `${i.min}–${i.max}`;
}

export function assumptionsOf(m: MethodSnapshot): Assumption[] {
  const mix = electricityMix(m.electricityMix);
  const e = m.embodied;
  return [
    { name: 'method version', value: m.version, unit: '', source: 'docs/energy-method.md' },
    { name: 'generator', value: m.generator, unit: '', source: 'setting SOBRE_GENERATOR' },
    { name: 'model', value: m.llmModel, unit: '', source: 'setting SOBRE_LLM_MODEL' },
    { name: 'active parameters', value: interval(m.llmParamsB), unit: 'billion', source: 'setting SOBRE_LLM_PARAMS_B; dense model assumed (total = active)' },
    { name: 'FLOPs per parameter per token', value: m.flopsPerParamToken, unit: 'FLOP', source: 'forward pass ≈ 2·N FLOPs per token (Kaplan et al. 2020)' },
    { name: 'GPU energy fit α', value: m.gpuWhPerToken.alpha, unit: 'Wh/token/B params', source: `${ECOLOGITS}; setting SOBRE_GPU_WH_PER_TOKEN_ALPHA` },
    { name: 'GPU energy fit β (batch exponent)', value: m.gpuWhPerToken.beta, unit: '1/request', source: `${ECOLOGITS}; setting SOBRE_GPU_WH_PER_TOKEN_BETA` },
    { name: 'GPU energy fit γ', value: m.gpuWhPerToken.gamma, unit: 'Wh/token', source: `${ECOLOGITS}; setting SOBRE_GPU_WH_PER_TOKEN_GAMMA` },
    { name: 'serving batch size', value: m.batchSize, unit: 'requests', source: 'EcoLogits assumes 64; setting SOBRE_SERVING_BATCH_SIZE' },
    { name: 'latency fit αL', value: m.latencySPerToken.alpha, unit: 's/token/B params', source: ECOLOGITS },
    { name: 'latency fit βL', value: m.latencySPerToken.beta, unit: 's/token/request', source: ECOLOGITS },
    { name: 'latency fit γL', value: m.latencySPerToken.gamma, unit: 's/token', source: ECOLOGITS },
    { name: 'server power without GPUs', value: m.serverWatts, unit: 'W', source: `${ECOLOGITS_SOURCE} (8-GPU H100 server)` },
    { name: 'GPUs per server', value: m.serverGpus, unit: 'GPUs', source: ECOLOGITS_SOURCE },
    { name: 'GPU memory', value: m.gpuMemoryGb, unit: 'GB', source: `${ECOLOGITS_SOURCE} (H100 80 GB)` },
    { name: 'weight precision', value: m.quantizationBits, unit: 'bits', source: ECOLOGITS_SOURCE },
    { name: 'memory overhead', value: m.memoryOverhead, unit: '×', source: `${ECOLOGITS_SOURCE}, after EleutherAI "Transformer Math 101"` },
    { name: 'PUE', value: interval(m.pue), unit: '×', source: `setting SOBRE_PUE; default: ${PROVIDERS} 1.09–1.2` },
    { name: 'WUE on-site', value: interval(m.wueOnSiteLPerKwh), unit: 'L/kWh', source: `setting SOBRE_WUE_ONSITE_L_PER_KWH; default: ${PROVIDERS} 0.09–0.999` },
    { name: 'electricity mix', value: m.electricityMix, unit: '', source: `setting SOBRE_ELECTRICITY_MIX; ${ELECTRICITY_MIXES_SOURCE}` },
    {
      name: 'grid carbon intensity', value: m.gridGco2PerKwh, unit: 'gCO2e/kWh',
      source: m.gridGco2PerKwh === mix.gwp * 1000 ? `electricity mix ${m.electricityMix}` : 'setting SOBRE_GRID_GCO2_PER_KWH',
    },
    {
      name: 'WUE off-site (electricity generation)', value: m.wueOffSiteLPerKwh, unit: 'L/kWh',
      source: m.wueOffSiteLPerKwh === mix.wue ? `electricity mix ${m.electricityMix}` : 'setting SOBRE_WUE_OFFSITE_L_PER_KWH',
    },
    ...(e
      ? [
          { name: 'GPU embodied GWP / ADPe / PE', value: `${e.gpu.kgCo2e} / ${e.gpu.kgSbEq} / ${e.gpu.mj}`, unit: 'kgCO2e / kgSbeq / MJ', source: `${ECOLOGITS_SOURCE} (GWP of an H100; ADPe and PE still A100 values there)` },
          { name: 'server embodied GWP / ADPe / PE (without GPUs)', value: `${e.server.kgCo2e} / ${e.server.kgSbEq} / ${e.server.mj}`, unit: 'kgCO2e / kgSbeq / MJ', source: ECOLOGITS_SOURCE },
          { name: 'hardware lifetime', value: e.lifetimeS / (365 * 24 * 3600), unit: 'years', source: `${ECOLOGITS_SOURCE}; embodied share = latency / (lifetime × batch size)` },
        ]
      : [{ name: 'embodied impacts', value: 'off', unit: '', source: 'setting SOBRE_EMBODIED' }]),
    { name: 'CPU watts per busy core', value: m.cpuWattsPerCore, unit: 'W', source: 'setting SOBRE_CPU_WATTS_PER_CORE; rough server-CPU TDP per core' },
    { name: 'default completion tokens', value: m.defaultCompletionTokens, unit: 'tokens', source: 'setting SOBRE_LEDGER_DEFAULT_COMPLETION_TOKENS; used until the ledger has real completions' },
    ...EQUIVALENT_FACTORS.map((f) => ({ name: `equivalent: ${f.label}`, value: f.perUnit, unit: f.unit, source: f.source })),
  ];
}
