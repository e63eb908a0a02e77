/** Mapping between `ledger_questions` rows and `LedgerRow`, and the question hash. */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { MethodSnapshot } from './method';
import type { CallStatus, EmbodiedImpact, LedgerRow, LlmAccount, PathEnergySource, Range3, Route } from './types';

/** NFKC, lower case, punctuation and symbols to spaces, whitespace collapsed. */
export function normalizeQuestion(question: string): string {
  return question.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** sha256 (hex) of the normalised question: identical questions share it, so hashed rows still group. */
export function questionSha256(question: string): string {
  return createHash('sha256').update(normalizeQuestion(question), 'utf8').digest('hex');
}

interface DbRow {
  id: number;
  at_ms: number;
  route: string;
  call_status: string;
  confidence: number | null;
  question_text: string | null;
  question_sha256: string;
  stage_ms: string;
  cited_chunk_ids: string;
  llm_basis: string | null;
  llm_kind: string | null;
  llm_model: string | null;
  llm_params_b: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  token_source: string | null;
  flops: number | null;
  llm_energy_source: string | null;
  llm_latency_ms: number | null;
  wh_low: number | null;
  wh_mid: number | null;
  wh_high: number | null;
  gco2e_low: number | null;
  gco2e_mid: number | null;
  gco2e_high: number | null;
  water_l_low: number | null;
  water_l_mid: number | null;
  water_l_high: number | null;
  embodied_gco2e_low: number | null;
  embodied_gco2e_mid: number | null;
  embodied_gco2e_high: number | null;
  embodied_adpe_kg_sb_low: number | null;
  embodied_adpe_kg_sb_mid: number | null;
  embodied_adpe_kg_sb_high: number | null;
  embodied_pe_mj_low: number | null;
  embodied_pe_mj_mid: number | null;
  embodied_pe_mj_high: number | null;
  path_cpu_ms: number;
  path_wh: number;
  path_gco2e: number;
  path_water_l: number;
  path_energy_source: string;
  generator_error: string | null;
  method: string;
}

const COLUMNS = [
  'at_ms', 'route', 'call_status', 'confidence', 'question_text', 'question_sha256', 'stage_ms', 'cited_chunk_ids',
  'llm_basis', 'llm_kind', 'llm_model', 'llm_params_b', 'prompt_tokens', 'completion_tokens', 'token_source', 'flops',
  'llm_energy_source', 'llm_latency_ms', 'wh_low', 'wh_mid', 'wh_high', 'gco2e_low', 'gco2e_mid', 'gco2e_high',
  'water_l_low', 'water_l_mid', 'water_l_high',
  'embodied_gco2e_low', 'embodied_gco2e_mid', 'embodied_gco2e_high', 'embodied_adpe_kg_sb_low', 'embodied_adpe_kg_sb_mid',
  'embodied_adpe_kg_sb_high', 'embodied_pe_mj_low', 'embodied_pe_mj_mid', 'embodied_pe_mj_high', 'path_cpu_ms', 'path_wh', 'path_gco2e', 'path_water_l',
  'path_energy_source', 'generator_error', 'method',
] as const;

export const INSERT_SQL = `INSERT INTO ledger_questions (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => '@' + c).join(', ')})`;

/** Named parameters for INSERT_SQL. */
export function toDbParams(row: Omit<LedgerRow, 'id'>): Omit<DbRow, 'id'> {
  const llm = row.llm;
  const emb = llm?.embodied;
  return {
    at_ms: row.at.getTime(),
    route: row.route,
    call_status: row.callStatus,
    confidence: row.confidence,
    question_text: row.question,
    question_sha256: row.questionSha256,
    stage_ms: JSON.stringify(row.stageMs),
    cited_chunk_ids: JSON.stringify(row.citedChunkIds),
    llm_basis: llm?.basis ?? null,
    llm_kind: llm?.kind ?? null,
    llm_model: llm?.model ?? null,
    llm_params_b: llm?.paramsB ?? null,
    prompt_tokens: llm?.promptTokens ?? null,
    completion_tokens: llm?.completionTokens ?? null,
    token_source: llm?.tokenSource ?? null,
    flops: llm?.flops ?? null,
    llm_energy_source: llm?.energySource ?? null,
    llm_latency_ms: llm?.latencyMs ?? null,
    wh_low: llm?.impact.wh.low ?? null,
    wh_mid: llm?.impact.wh.mid ?? null,
    wh_high: llm?.impact.wh.high ?? null,
    gco2e_low: llm?.impact.gco2e.low ?? null,
    gco2e_mid: llm?.impact.gco2e.mid ?? null,
    gco2e_high: llm?.impact.gco2e.high ?? null,
    water_l_low: llm?.impact.waterL.low ?? null,
    water_l_mid: llm?.impact.waterL.mid ?? null,
    water_l_high: llm?.impact.waterL.high ?? null,
    embodied_gco2e_low: emb?.gco2e.low ?? null,
    embodied_gco2e_mid: emb?.gco2e.mid ?? null,
    embodied_gco2e_high: emb?.gco2e.high ?? null,
    embodied_adpe_kg_sb_low: emb?.adpeKgSbEq.low ?? null,
    embodied_adpe_kg_sb_mid: emb?.adpeKgSbEq.mid ?? null,
    embodied_adpe_kg_sb_high: emb?.adpeKgSbEq.high ?? null,
    embodied_pe_mj_low: emb?.peMj.low ?? null,
    embodied_pe_mj_mid: emb?.peMj.mid ?? null,
    embodied_pe_mj_high: emb?.peMj.high ?? null,
    path_cpu_ms: row.path.cpuMs,
    path_wh: row.path.wh,
    path_gco2e: row.path.gco2e,
    path_water_l: row.path.waterL,
    path_energy_source: row.path.source,
    generator_error: row.generatorError,
    method: JSON.stringify(row.method),
  };
}

function embodiedFromDb(r: DbRow): EmbodiedImpact | null {
  const range = (low: number | null, mid: number | null, high: number | null): Range3 | null =>
    low === null || mid === null || high === null ? null : { low, mid, high };
  const gco2e = range(r.embodied_gco2e_low, r.embodied_gco2e_mid, r.embodied_gco2e_high);
  const adpeKgSbEq = range(r.embodied_adpe_kg_sb_low, r.embodied_adpe_kg_sb_mid, r.embodied_adpe_kg_sb_high);
  const peMj = range(r.embodied_pe_mj_low, r.embodied_pe_mj_mid, r.embodied_pe_mj_high);
  return gco2e && adpeKgSbEq && peMj ? { gco2e, adpeKgSbEq, peMj } : null;
}

function llmFromDb(r: DbRow): LlmAccount | null {
  if (r.llm_basis === null) return null;
  const n = (v: number | null): number => v ?? 0;
  return {
    basis: r.llm_basis as LlmAccount['basis'],
    kind: r.llm_kind as LlmAccount['kind'],
    model: r.llm_model ?? '',
    paramsB: n(r.llm_params_b),
    promptTokens: n(r.prompt_tokens),
    completionTokens: n(r.completion_tokens),
    tokenSource: (r.token_source ?? 'default') as LlmAccount['tokenSource'],
    flops: n(r.flops),
    energySource: (r.llm_energy_source ?? 'ecologits') as LlmAccount['energySource'],
    latencyMs: r.llm_latency_ms,
    impact: {
      wh: { low: n(r.wh_low), mid: n(r.wh_mid), high: n(r.wh_high) },
      gco2e: { low: n(r.gco2e_low), mid: n(r.gco2e_mid), high: n(r.gco2e_high) },
      waterL: { low: n(r.water_l_low), mid: n(r.water_l_mid), high: n(r.water_l_high) },
    },
    embodied: embodiedFromDb(r),
  };
}

export function fromDbRow(r: DbRow): LedgerRow {
  return {
    id: r.id,
    at: new Date(r.at_ms),
    route: r.route as Route,
    callStatus: r.call_status as CallStatus,
    confidence: r.confidence,
    question: r.question_text,
    questionSha256: r.question_sha256,
    stageMs: JSON.parse(r.stage_ms) as Record<string, number>,
    citedChunkIds: JSON.parse(r.cited_chunk_ids) as number[],
    llm: llmFromDb(r),
    path: { cpuMs: r.path_cpu_ms, wh: r.path_wh, gco2e: r.path_gco2e, waterL: r.path_water_l, source: r.path_energy_source as PathEnergySource },
    generatorError: r.generator_error,
    method: JSON.parse(r.method) as MethodSnapshot,
  };
}

/** Rows with from <= at < to, oldest first. */
export function selectRows(db: Database, fromMs: number, toMs: number): LedgerRow[] {
  const rows = db.prepare('SELECT * FROM ledger_questions WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, id').all(fromMs, toMs) as DbRow[];
  return rows.map(fromDbRow);
}
