/** Every constant the report's numbers rest on, with its value and source (docs/energy-method.md). */
import { EQUIVALENT_FACTORS, GRID_ZONES, GRID_ZONES_SOURCE, type MethodSnapshot } from './method';
import type { Assumption } from './report-types';

const ECOLOGITS = 'EcoLogits LLM-inference methodology, ecologits/impacts/llm.py (fit on the ML.ENERGY leaderboard, H100, vLLM)';

export function assumptionsOf(m: MethodSnapshot): Assumption[] {
  const zones = GRID_ZONES.map((z) => `${z.zone} ~${z.gco2PerKwh}`).join(', ');
  return [
    { name: 'method version', value: m.version, unit: '', source: 'docs/energy-method.md' },
    { name: 'generator', value: m.generator, unit: '', source: 'setting SOBRE_GENERATOR' },
    { name: 'model', value: m.llmModel, unit: '', source: 'setting SOBRE_LLM_MODEL' },
    { name: 'active parameters', value: m.llmParamsB, unit: 'billion', source: 'setting SOBRE_LLM_PARAMS_B; dense model assumed (total = active)' },
    { name: 'FLOPs per parameter per token', value: m.flopsPerParamToken, unit: 'FLOP', source: 'forward pass ≈ 2·N FLOPs per token (Kaplan et al. 2020)' },
    { name: 'GPU energy fit α', value: m.gpuWhPerToken.alpha, unit: 'Wh/token/B params', source: `${ECOLOGITS}; setting SOBRE_GPU_WH_PER_TOKEN_ALPHA` },
    { name: 'GPU energy fit β (batch exponent)', value: m.gpuWhPerToken.beta, unit: '1/request', source: `${ECOLOGITS}; setting SOBRE_GPU_WH_PER_TOKEN_BETA` },
    { name: 'GPU energy fit γ', value: m.gpuWhPerToken.gamma, unit: 'Wh/token', source: `${ECOLOGITS}; setting SOBRE_GPU_WH_PER_TOKEN_GAMMA` },
    { name: 'serving batch size', value: m.batchSize, unit: 'requests', source: 'EcoLogits assumes 64; setting SOBRE_SERVING_BATCH_SIZE' },
    { name: 'latency fit αL', value: m.latencySPerToken.alpha, unit: 's/token/B params', source: ECOLOGITS },
    { name: 'latency fit βL', value: m.latencySPerToken.beta, unit: 's/token/request', source: ECOLOGITS },
    { name: 'latency fit γL', value: m.latencySPerToken.gamma, unit: 's/token', source: ECOLOGITS },
    { name: 'server power without GPUs', value: m.serverWatts, unit: 'W', source: 'EcoLogits (8-GPU H100 server)' },
    { name: 'GPUs per server', value: m.serverGpus, unit: 'GPUs', source: 'EcoLogits' },
    { name: 'GPU memory', value: m.gpuMemoryGb, unit: 'GB', source: 'EcoLogits (H100 80 GB)' },
    { name: 'weight precision', value: m.quantizationBits, unit: 'bits', source: 'EcoLogits' },
    { name: 'memory overhead', value: m.memoryOverhead, unit: '×', source: 'EcoLogits, after EleutherAI "Transformer Math 101"' },
    { name: 'PUE', value: m.pue, unit: '×', source: 'setting SOBRE_PUE; EcoLogits uses 1.2 for hyperscale datacentres' },
    { name: 'grid carbon intensity', value: m.gridGco2PerKwh, unit: 'gCO2e/kWh', source: `setting SOBRE_GRID_GCO2_PER_KWH; default 475 = CodeCarbon world average; zones (${GRID_ZONES_SOURCE}): ${zones}` },
    { name: 'WUE on-site', value: m.wueOnSiteLPerKwh, unit: 'L/kWh', source: 'setting SOBRE_WUE_ONSITE_L_PER_KWH; U.S. average in Li et al. 2023, "Making AI Less Thirsty"' },
    { name: 'WUE off-site (electricity generation)', value: m.wueOffSiteLPerKwh, unit: 'L/kWh', source: 'setting SOBRE_WUE_OFFSITE_L_PER_KWH; U.S. average in Li et al. 2023' },
    { name: 'CPU watts per busy core', value: m.cpuWattsPerCore, unit: 'W', source: 'setting SOBRE_CPU_WATTS_PER_CORE; rough server-CPU TDP per core' },
    { name: 'estimate spread', value: m.energySpread, unit: '×', source: 'setting SOBRE_ENERGY_SPREAD; low = mid / spread, high = mid × spread (see docs)' },
    { name: 'default completion tokens', value: m.defaultCompletionTokens, unit: 'tokens', source: 'setting SOBRE_LEDGER_DEFAULT_COMPLETION_TOKENS; used until the ledger has real completions' },
    ...EQUIVALENT_FACTORS.map((f) => ({ name: `equivalent: ${f.label}`, value: f.perUnit, unit: f.unit, source: f.source })),
  ];
}
