/**
 * From one AskOutcome to its accounting: which LLM call was avoided or made, its tokens, FLOPs and
 * impact (real tokens for a generated answer, counterfactual ones for an avoided call), and the
 * measured cost of Sobre's own path. Pure: the running completion mean is passed in.
 */
import { SobreError } from '../errors';
import { cpuTimeWh, hostImpact, inferenceFlops, paramsMidB, remoteLlmEstimate } from './energy';
import type { MethodSnapshot } from './method';
import type { AskOutcome, CallStatus, LlmAccount, PathAccount } from './types';

/** Real completions recorded so far (routes that really generated). */
export interface CompletionStats {
  calls: number;
  tokens: number;
}

export interface OutcomeEstimate {
  callStatus: CallStatus;
  llm: LlmAccount | null;
  path: PathAccount;
}

export function callStatusOf(outcome: Pick<AskOutcome, 'route' | 'generatorError'>): CallStatus {
  switch (outcome.route) {
    case 'direct':
    case 'cache':
    case 'faq':
    case 'curated':
    case 'abstain':
      return 'avoided';
    case 'generate':
      return 'made';
    case 'passages':
      return outcome.generatorError !== undefined ? 'failed' : 'unavailable';
  }
}

/** Completion tokens of an avoided call: the mean of real completions, or the default until there are any. */
export function counterfactualCompletion(m: MethodSnapshot, stats: CompletionStats): { tokens: number; source: 'ledger-mean' | 'default' } {
  if (stats.calls > 0) return { tokens: Math.round(stats.tokens / stats.calls), source: 'ledger-mean' };
  return { tokens: m.defaultCompletionTokens, source: 'default' };
}

function checkCount(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new SobreError('bad_request', `AskOutcome.${name} must be a non-negative number, got ${String(value)}`);
  }
}

export function validateOutcome(o: AskOutcome): void {
  if (!(o.at instanceof Date) || Number.isNaN(o.at.getTime())) throw new SobreError('bad_request', 'AskOutcome.at must be a valid Date');
  if (o.confidence !== null && !Number.isFinite(o.confidence)) throw new SobreError('bad_request', 'AskOutcome.confidence must be a number or null');
  checkCount('pathCpuMs', o.pathCpuMs);
  checkCount('counterfactualPromptTokens', o.counterfactualPromptTokens);
  if (o.counterfactualCompletionTokens !== undefined) checkCount('counterfactualCompletionTokens', o.counterfactualCompletionTokens);
  if (o.pathRaplWh !== undefined) checkCount('pathRaplWh', o.pathRaplWh);
  if (o.generation) {
    checkCount('generation.promptTokens', o.generation.promptTokens);
    checkCount('generation.completionTokens', o.generation.completionTokens);
    checkCount('generation.latencyMs', o.generation.latencyMs);
    if (o.generation.cpuMs !== undefined) checkCount('generation.cpuMs', o.generation.cpuMs);
  }
}

function pathAccount(o: AskOutcome, m: MethodSnapshot): PathAccount {
  const source = o.pathRaplWh !== undefined ? 'rapl' : 'cpu-time';
  const wh = o.pathRaplWh ?? cpuTimeWh(o.pathCpuMs, m.cpuWattsPerCore);
  const impact = hostImpact(m, wh);
  return { cpuMs: o.pathCpuMs, wh, gco2e: impact.gco2e.mid, waterL: impact.waterL.mid, source };
}

/** The call a conventional RAG would have made: EcoLogits on the configured model size. */
function counterfactualCall(o: AskOutcome, m: MethodSnapshot, stats: CompletionStats, basis: 'real' | 'counterfactual'): LlmAccount {
  const completion = o.counterfactualCompletionTokens !== undefined
    ? { tokens: o.counterfactualCompletionTokens, source: 'caller' as const }
    : counterfactualCompletion(m, stats);
  const estimate = remoteLlmEstimate(m, completion.tokens);
  return {
    basis,
    kind: m.generator === 'none' ? null : m.generator,
    model: m.llmModel,
    paramsB: paramsMidB(m),
    promptTokens: o.counterfactualPromptTokens,
    completionTokens: completion.tokens,
    tokenSource: completion.source,
    flops: inferenceFlops(m, paramsMidB(m), o.counterfactualPromptTokens + completion.tokens),
    energySource: 'ecologits',
    latencyMs: null,
    impact: estimate.impact,
    embodied: estimate.embodied,
  };
}

function realCall(o: AskOutcome, m: MethodSnapshot, stats: CompletionStats): LlmAccount {
  const g = o.generation;
  if (!g) return counterfactualCall(o, m, stats, 'real');
  const tokens = g.promptTokens + g.completionTokens;
  const base = {
    basis: 'real' as const,
    kind: g.kind,
    model: g.model,
    paramsB: paramsMidB(m),
    promptTokens: g.promptTokens,
    completionTokens: g.completionTokens,
    tokenSource: g.tokenSource,
    flops: inferenceFlops(m, paramsMidB(m), tokens),
    latencyMs: g.latencyMs,
  };
  if (g.kind === 'local') {
    const measured = g.cpuMs !== undefined;
    const wh = cpuTimeWh(measured ? (g.cpuMs as number) : g.latencyMs, m.cpuWattsPerCore);
    return { ...base, energySource: measured ? 'cpu-time' : 'latency-one-core', impact: hostImpact(m, wh), embodied: null };
  }
  const estimate = remoteLlmEstimate(m, g.completionTokens, g.latencyMs / 1000);
  return { ...base, energySource: 'ecologits', impact: estimate.impact, embodied: estimate.embodied };
}

export function estimateOutcome(o: AskOutcome, m: MethodSnapshot, stats: CompletionStats): OutcomeEstimate {
  validateOutcome(o);
  const callStatus = callStatusOf(o);
  const llm = callStatus === 'avoided' ? counterfactualCall(o, m, stats, 'counterfactual') : callStatus === 'made' ? realCall(o, m, stats) : null;
  return { callStatus, llm, path: pathAccount(o, m) };
}
