/**
 * The energy method as pure arithmetic (docs/energy-method.md has the formulas, sources and
 * hand-worked examples that tests/ledger/energy.test.ts checks):
 * - a remote (OpenAI-compatible) generator follows EcoLogits' LLM-inference model: GPU energy per
 *   output token linear in active parameters, the server's non-GPU power over the generation
 *   latency shared by the batch, times the datacentre PUE;
 * - an in-process (`local`) generator and Sobre's own path use measured CPU time × watts per core;
 * - carbon = facility Wh × grid intensity; water = IT Wh × (WUE on-site + PUE × WUE off-site)
 *   (Li et al. 2023).
 */
import type { MethodSnapshot } from './method';
import type { Impact, Range3 } from './types';

const MS_PER_HOUR = 3_600_000;

/** GPU energy per output token for one request, Wh: α·e^(β·batch)·P_active + γ. */
export function gpuWhPerOutputToken(m: MethodSnapshot, activeParamsB: number): number {
  const { alpha, beta, gamma } = m.gpuWhPerToken;
  return alpha * Math.exp(beta * m.batchSize) * activeParamsB + gamma;
}

/** GPUs needed to hold the weights: ceil(overhead·P·bits/8 / GPU memory), rounded up to a power of two. */
export function requiredGpus(m: MethodSnapshot, totalParamsB: number): number {
  const memoryGb = (m.memoryOverhead * totalParamsB * m.quantizationBits) / 8;
  const count = Math.max(1, Math.ceil(memoryGb / m.gpuMemoryGb));
  return 2 ** Math.ceil(Math.log2(count));
}

/** Generation latency, s: tokens × (αL·P + βL·batch + γL), capped by the measured latency when known. */
export function generationLatencyS(m: MethodSnapshot, activeParamsB: number, outputTokens: number, measuredS?: number): number {
  const { alpha, beta, gamma } = m.latencySPerToken;
  const modelled = outputTokens * (alpha * activeParamsB + beta * m.batchSize + gamma);
  return measuredS !== undefined && measuredS >= 0 && measuredS < modelled ? measuredS : modelled;
}

export interface RemoteLlmEnergy {
  gpus: number;
  gpuWhPerToken: number;
  /** All required GPUs, this request's share. */
  gpuWh: number;
  latencyS: number;
  /** Server without GPUs, this request's share: latency × W × gpus/installed / batch. */
  serverWh: number;
  /** IT energy (GPU + server), before PUE. */
  itWh: number;
  /** At the wall: PUE × IT energy. */
  facilityWh: number;
}

/** EcoLogits' usage-phase energy of one request to a served LLM (dense model: total = active). */
export function remoteLlmEnergy(m: MethodSnapshot, activeParamsB: number, outputTokens: number, measuredLatencyS?: number): RemoteLlmEnergy {
  const gpus = requiredGpus(m, activeParamsB);
  const perToken = gpuWhPerOutputToken(m, activeParamsB);
  const gpuWh = gpus * outputTokens * perToken;
  const latencyS = generationLatencyS(m, activeParamsB, outputTokens, measuredLatencyS);
  const serverWh = ((latencyS / 3600) * m.serverWatts * (gpus / m.serverGpus)) / m.batchSize;
  const itWh = gpuWh + serverWh;
  return { gpus, gpuWhPerToken: perToken, gpuWh, latencyS, serverWh, itWh, facilityWh: m.pue * itWh };
}

/** Energy of measured CPU time, Wh: ms / 3.6e6 × watts per core. */
export function cpuTimeWh(cpuMs: number, wattsPerCore: number): number {
  return (Math.max(0, cpuMs) / MS_PER_HOUR) * wattsPerCore;
}

/** 2 × active parameters × tokens. */
export function inferenceFlops(m: MethodSnapshot, activeParamsB: number, tokens: number): number {
  return m.flopsPerParamToken * activeParamsB * 1e9 * tokens;
}

/** low = mid / spread, high = mid × spread. */
export function spreadRange(mid: number, spread: number): Range3 {
  return { low: mid / spread, mid, high: mid * spread };
}

export function pointRange(value: number): Range3 {
  return { low: value, mid: value, high: value };
}

export function scaleRange(r: Range3, k: number): Range3 {
  return { low: r.low * k, mid: r.mid * k, high: r.high * k };
}

/** Impact of a datacentre workload from its IT energy: PUE for energy and carbon, Li et al. for water. */
export function datacentreImpact(m: MethodSnapshot, itWh: number): Impact {
  const it = spreadRange(itWh, m.energySpread);
  const wh = scaleRange(it, m.pue);
  return {
    wh,
    gco2e: scaleRange(wh, m.gridGco2PerKwh / 1000),
    waterL: scaleRange(it, (m.wueOnSiteLPerKwh + m.pue * m.wueOffSiteLPerKwh) / 1000),
  };
}

/**
 * Impact of work on Sobre's own host from a measured energy: no PUE, no on-site cooling water,
 * only the water of electricity generation; a point value (the uncertainty is in watts per core).
 */
export function hostImpact(m: MethodSnapshot, wh: number): Impact {
  return {
    wh: pointRange(wh),
    gco2e: pointRange((wh * m.gridGco2PerKwh) / 1000),
    waterL: pointRange((wh * m.wueOffSiteLPerKwh) / 1000),
  };
}

export function zeroImpact(): Impact {
  return { wh: pointRange(0), gco2e: pointRange(0), waterL: pointRange(0) };
}

export function addRange(a: Range3, b: Range3): Range3 {
  return { low: a.low + b.low, mid: a.mid + b.mid, high: a.high + b.high };
}

export function addImpact(a: Impact, b: Impact): Impact {
  return { wh: addRange(a.wh, b.wh), gco2e: addRange(a.gco2e, b.gco2e), waterL: addRange(a.waterL, b.waterL) };
}
