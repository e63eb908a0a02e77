/**
 * The energy method as pure arithmetic (docs/energy-method.md has the formulas, sources and
 * hand-worked examples that tests/ledger/energy.test.ts checks):
 * - a remote (OpenAI-compatible) generator follows EcoLogits 0.9's LLM-inference model
 *   (ecologits/impacts/llm.py): GPU energy per output token linear in active parameters, the
 *   server's non-GPU power over the generation latency shared by the batch, times the PUE; carbon
 *   and water from the electricity mix; embodied impacts as the request's share of the hardware's
 *   lifetime; low and high from the low and high ends of the uncertain inputs, mid their mean;
 * - an in-process (`local`) generator and Sobre's own path use measured CPU time × watts per core.
 */
import type { MethodSnapshot } from './method';
import type { EmbodiedImpact, Impact, Range3 } from './types';

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

/** The uncertain inputs of one evaluation: each at its low end, or each at its high end. */
export interface RemoteLlmInputs {
  paramsB: number;
  pue: number;
  wueOnSiteLPerKwh: number;
}

/** One evaluation of EcoLogits' request model at point inputs (dense model: total = active). */
export interface RemoteLlmPoint {
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
  wh: number;
  gco2e: number;
  /** Facility energy × (WUE on-site + PUE × WUE off-site): EcoLogits' code (docs/energy-method.md). */
  waterL: number;
  /** Null when embodied impacts are off. */
  embodied: { gco2e: number; adpeKgSbEq: number; peMj: number } | null;
}

export function remoteLlmPoint(m: MethodSnapshot, at: RemoteLlmInputs, outputTokens: number, measuredLatencyS?: number): RemoteLlmPoint {
  const gpus = requiredGpus(m, at.paramsB);
  const perToken = gpuWhPerOutputToken(m, at.paramsB);
  const gpuWh = gpus * outputTokens * perToken;
  const latencyS = generationLatencyS(m, at.paramsB, outputTokens, measuredLatencyS);
  const serverWh = ((latencyS / 3600) * m.serverWatts * (gpus / m.serverGpus)) / m.batchSize;
  const itWh = gpuWh + serverWh;
  const wh = at.pue * itWh;
  let embodied: RemoteLlmPoint['embodied'] = null;
  if (m.embodied) {
    const { gpu, server, lifetimeS } = m.embodied;
    // The request's share of the server slice and GPUs it occupies: latency / (lifetime × batch).
    const share = (kind: keyof typeof gpu): number =>
      (latencyS * ((gpus / m.serverGpus) * server[kind] + gpus * gpu[kind])) / (lifetimeS * m.batchSize);
    embodied = { gco2e: share('kgCo2e') * 1000, adpeKgSbEq: share('kgSbEq'), peMj: share('mj') };
  }
  return {
    gpus,
    gpuWhPerToken: perToken,
    gpuWh,
    latencyS,
    serverWh,
    itWh,
    wh,
    gco2e: (wh * m.gridGco2PerKwh) / 1000,
    waterL: (wh * (at.wueOnSiteLPerKwh + at.pue * m.wueOffSiteLPerKwh)) / 1000,
    embodied,
  };
}

function span(low: number, high: number): Range3 {
  return { low, mid: (low + high) / 2, high };
}

export interface RemoteLlmEstimate {
  impact: Impact;
  embodied: EmbodiedImpact | null;
  low: RemoteLlmPoint;
  high: RemoteLlmPoint;
}

/**
 * A remote LLM call as EcoLogits' RangeValue computes it: low with every uncertain input
 * (parameters, PUE, on-site WUE) at its low end, high at its high end; mid is their mean.
 */
export function remoteLlmEstimate(m: MethodSnapshot, outputTokens: number, measuredLatencyS?: number): RemoteLlmEstimate {
  const low = remoteLlmPoint(m, { paramsB: m.llmParamsB.min, pue: m.pue.min, wueOnSiteLPerKwh: m.wueOnSiteLPerKwh.min }, outputTokens, measuredLatencyS);
  const high = remoteLlmPoint(m, { paramsB: m.llmParamsB.max, pue: m.pue.max, wueOnSiteLPerKwh: m.wueOnSiteLPerKwh.max }, outputTokens, measuredLatencyS);
  const lo = low.embodied;
  const hi = high.embodied;
  return {
    impact: { wh: span(low.wh, high.wh), gco2e: span(low.gco2e, high.gco2e), waterL: span(low.waterL, high.waterL) },
    embodied: lo && hi ? { gco2e: span(lo.gco2e, hi.gco2e), adpeKgSbEq: span(lo.adpeKgSbEq, hi.adpeKgSbEq), peMj: span(lo.peMj, hi.peMj) } : null,
    low,
    high,
  };
}

/** Energy of measured CPU time, Wh: ms / 3.6e6 × watts per core. */
export function cpuTimeWh(cpuMs: number, wattsPerCore: number): number {
  return (Math.max(0, cpuMs) / MS_PER_HOUR) * wattsPerCore;
}

/** Active parameters of the method: the middle of the range. */
export function paramsMidB(m: MethodSnapshot): number {
  return (m.llmParamsB.min + m.llmParamsB.max) / 2;
}

/** 2 × active parameters × tokens. */
export function inferenceFlops(m: MethodSnapshot, activeParamsB: number, tokens: number): number {
  return m.flopsPerParamToken * activeParamsB * 1e9 * tokens;
}

export function pointRange(value: number): Range3 {
  return { low: value, mid: value, high: value };
}

export function scaleRange(r: Range3, k: number): Range3 {
  return { low: r.low * k, mid: r.mid * k, high: r.high * k };
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

export function zeroEmbodied(): EmbodiedImpact {
  return { gco2e: pointRange(0), adpeKgSbEq: pointRange(0), peMj: pointRange(0) };
}

export function addRange(a: Range3, b: Range3): Range3 {
  return { low: a.low + b.low, mid: a.mid + b.mid, high: a.high + b.high };
}

export function addImpact(a: Impact, b: Impact): Impact {
  return { wh: addRange(a.wh, b.wh), gco2e: addRange(a.gco2e, b.gco2e), waterL: addRange(a.waterL, b.waterL) };
}

export function addEmbodied(a: EmbodiedImpact, b: EmbodiedImpact): EmbodiedImpact {
  return { gco2e: addRange(a.gco2e, b.gco2e), adpeKgSbEq: addRange(a.adpeKgSbEq, b.adpeKgSbEq), peMj: addRange(a.peMj, b.peMj) };
}
