/** The compute ledger's public surface. */
export { ComputeLedger, type LedgerOptions } from './ledger';
export type {
  AskOutcome, CallStatus, EmbodiedImpact, GenerationOutcome, Impact, LedgerRow, LlmAccount, PathAccount, Range3, ReportRange,
} from './types';
export { startPathMeter, detectRaplZones, type PathMeasurement } from './path-meter';
export { methodFromConfig, METHOD_VERSION, type MethodSnapshot } from './method';
export type { LedgerStore } from './store';
export { SqliteLedgerStore } from './sqlite-store';
export { PostgresLedgerStore } from './postgres-store';
export { openLedgerStore } from './open-store';
