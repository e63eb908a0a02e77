/**
 * Known answers in PostgreSQL, shared by every instance: the same tables and rules as the SQLite
 * store (a trigger deletes an entry with any chunk it cites, in the chunk's transaction; every
 * hit is re-read and its cited chunks checked by hash). Each instance keeps its own in-memory
 * index of the questions (`KnownVectors`), brought up to date from `known_state.generation`.
 */
import type { HnswParams } from '../../index/hnsw-index';
import { SobreError } from '../../errors';
import type { PgDatabase, Queryable } from '../../postgres/database';
import { questionKey, toKnownAnswer, type KnownRow } from '../known';
import { KnownVectors, type KnownQuestionRow } from '../known-vectors';
import type { ChunkSource, FaqInput, KnownAnswer, KnownAnswerInput, KnownAnswers, KnownCandidate, KnownFilter, KnownGeneration, KnownKind } from '../types';
import { fromBytes, toBytes } from './bytes';

interface PgKnownRow {
  id: number;
  kind: KnownKind;
  namespace: string;
  question: string;
  answer: string;
  document_id: number | null;
  span_start: number | null;
  span_end: number | null;
  generation: KnownGeneration | null;
  created_ms: number;
  expires_ms: number | null;
  used_ms: number;
  hits: number;
  cited: number[];
}

const SELECT_ROW = `SELECT k.id, k.kind, k.namespace, k.question, k.answer, k.document_id, k.span_start, k.span_end, k.generation,
  k.created_ms, k.expires_ms, k.used_ms, k.hits,
  ARRAY(SELECT kc.chunk_id FROM known_citations kc WHERE kc.answer_id = k.id ORDER BY kc.ordinal) AS cited
  FROM known_answers k`;

function toRow(r: PgKnownRow): KnownRow {
  return {
    id: r.id, kind: r.kind, namespace: r.namespace, question: r.question, answer: r.answer, documentId: r.document_id,
    spanStart: r.span_start, spanEnd: r.span_end, generation: r.generation, createdMs: r.created_ms, expiresMs: r.expires_ms,
    usedMs: r.used_ms, hits: r.hits, citedChunkIds: r.cited.map(Number),
  };
}

function where(filter: KnownFilter & { id?: number }, first = 1): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: unknown) => {
    params.push(value);
    parts.push(`${column} = $${first + params.length - 1}`);
  };
  if (filter.id !== undefined) add('id', filter.id);
  if (filter.kind !== undefined) add('kind', filter.kind);
  if (filter.namespace !== undefined) add('namespace', filter.namespace);
  return { sql: parts.join(' AND ') || 'true', params };
}

/** Insert one entry and its citations (refused when a cited chunk is gone); returns its id. */
async function insertEntry(q: Queryable, e: { kind: KnownKind; namespace: string; question: string; vector: Float32Array; answer: string; documentId?: number; span?: [number, number]; generation?: KnownGeneration; expiresMs?: number | null }, cited: readonly number[], nowMs: number): Promise<number> {
  const hashes = new Map((await q.query<{ id: number; hash: string }>('SELECT id, hash FROM chunks WHERE id = ANY($1::bigint[])', [[...cited]])).map((r) => [r.id, r.hash]));
  const missing = cited.filter((c) => !hashes.has(c));
  if (missing.length > 0) throw new SobreError('not_found', `The cited chunks ${missing.join(', ')} are gone: the answer is not kept`);
  const [{ id }] = await q.query<{ id: number }>(
    `INSERT INTO known_answers (kind, namespace, question, question_key, vector, answer, document_id, span_start, span_end, generation, created_ms, expires_ms, used_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11) RETURNING id`,
    [e.kind, e.namespace, e.question, questionKey(e.question), toBytes(e.vector), e.answer, e.documentId ?? null, e.span?.[0] ?? null,
      e.span?.[1] ?? null, e.generation ? JSON.stringify(e.generation) : null, nowMs, e.expiresMs ?? null],
  );
  if (cited.length > 0) {
    await q.query('INSERT INTO known_citations (answer_id, ordinal, chunk_id, chunk_hash) SELECT $1, o - 1, c, h FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS u(c, h, o)', [
      id, [...cited], cited.map((c) => hashes.get(c)),
    ]);
  }
  return id;
}

/** A document's FAQ pairs, replacing its earlier ones, inside the document's transaction. */
export async function replaceFaq(q: Queryable, documentId: number, pairs: readonly FaqInput[], nowMs: number): Promise<void> {
  await q.query("DELETE FROM known_answers WHERE document_id = $1 AND kind = 'faq'", [documentId]);
  for (const p of pairs) {
    const [at] = await q.query<{ chunk_id: number }>(
      'SELECT chunk_id FROM document_chunks WHERE document_id = $1 AND start_offset <= $2 AND end_offset > $2 ORDER BY ordinal LIMIT 1',
      [documentId, p.answerStart],
    );
    if (!at) continue;
    await insertEntry(q, { kind: 'faq', namespace: '', question: p.question, vector: p.vector, answer: p.answer, documentId, span: [p.answerStart, p.answerEnd] }, [at.chunk_id], nowMs);
  }
}

export class PgKnownAnswers implements KnownAnswers {
  private readonly vectors: KnownVectors;

  constructor(
    private readonly db: PgDatabase,
    embedder: { id: string; dimension: number },
    params: HnswParams,
    private readonly now: () => number = Date.now,
  ) {
    this.vectors = new KnownVectors({
      generation: () => this.generation(),
      liveIds: (nowMs) => db.query<{ id: number; namespace: string }>('SELECT id, namespace FROM known_answers WHERE expires_ms IS NULL OR expires_ms > $1', [nowMs]),
      questions: (ids) => this.questions(ids),
    }, embedder, params);
  }

  private async generation(q: Queryable = this.db): Promise<number> {
    return (await q.query<{ generation: number }>('SELECT generation FROM known_state WHERE id = 1'))[0].generation;
  }

  private async questions(ids: readonly number[]): Promise<Map<number, KnownQuestionRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<{ id: number; kind: KnownKind; question: string; vector: Buffer; expires_ms: number | null }>(
      'SELECT id, kind, question, vector, expires_ms FROM known_answers WHERE id = ANY($1::bigint[])', [[...ids]],
    );
    return new Map(rows.map((r) => [r.id, { kind: r.kind, question: r.question, vector: fromBytes(r.vector), expiresMs: r.expires_ms }]));
  }

  private async citations(ids: readonly number[]): Promise<ChunkSource[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<ChunkSource>(
      `SELECT DISTINCT ON (c.id) c.id AS "chunkId", c.text, d.id AS "documentId", d.title, d.source, d.name, dc.start_offset AS start, dc.end_offset AS end
       FROM chunks c JOIN document_chunks dc ON dc.chunk_id = c.id JOIN documents d ON d.id = dc.document_id
       WHERE c.id = ANY($1::bigint[]) ORDER BY c.id, d.id, dc.ordinal`,
      [[...ids]],
    );
    const byId = new Map(rows.map((r) => [r.chunkId, r]));
    return ids.map((id) => byId.get(id)).filter((c): c is ChunkSource => c !== undefined);
  }

  private async rows(filter: KnownFilter & { id?: number }, tail = '', tailParams: unknown[] = []): Promise<KnownRow[]> {
    const w = where(filter);
    return (await this.db.query<PgKnownRow>(`${SELECT_ROW} WHERE ${w.sql} ${tail}`, [...w.params, ...tailParams])).map(toRow);
  }

  nearest(vector: Float32Array, namespaces: readonly string[], k: number): Promise<KnownCandidate[]> {
    return this.vectors.nearest(vector, namespaces, k, this.now());
  }

  get(id: number): Promise<KnownAnswer | undefined> {
    return this.load(id, true);
  }

  /** The entry when its cited chunks all stand (and, with `unexpired`, it has not expired). */
  private async load(id: number, unexpired: boolean): Promise<KnownAnswer | undefined> {
    const [r] = await this.rows({ id });
    if (!r || (unexpired && r.expiresMs !== null && r.expiresMs <= this.now())) return undefined;
    const [{ stale }] = await this.db.query<{ stale: number }>(
      'SELECT COUNT(*)::int AS stale FROM known_citations kc LEFT JOIN chunks c ON c.id = kc.chunk_id AND c.hash = kc.chunk_hash WHERE kc.answer_id = $1 AND c.id IS NULL',
      [id],
    );
    return stale === 0 ? toKnownAnswer(r, await this.citations(r.citedChunkIds)) : undefined;
  }

  async put(entry: KnownAnswerInput): Promise<KnownAnswer> {
    const nowMs = this.now();
    const stored = await this.db.transaction(async (q) => {
      const before = await this.generation(q);
      const [old] = await q.query<{ id: number }>('DELETE FROM known_answers WHERE kind = $1 AND namespace = $2 AND question_key = $3 RETURNING id', [
        entry.kind, entry.namespace, questionKey(entry.question),
      ]);
      const id = await insertEntry(q, { ...entry, expiresMs: entry.expiresAt ? entry.expiresAt.getTime() : null }, entry.citedChunkIds, nowMs);
      return { id, replaced: old?.id, before, after: await this.generation(q) };
    });
    this.vectors.stored({ ...stored, namespace: entry.namespace, vector: entry.vector });
    const answer = await this.load(stored.id, false);
    if (!answer) throw new SobreError('not_found', 'A cited chunk went as the answer was stored: the answer is not kept');
    return answer;
  }

  async touch(id: number): Promise<void> {
    // The most recently used of its kind, even within the same millisecond.
    await this.db.query(
      'UPDATE known_answers a SET hits = hits + 1, used_ms = GREATEST($2, 1 + (SELECT MAX(used_ms) FROM known_answers k WHERE k.kind = a.kind)) WHERE id = $1',
      [id, this.now()],
    );
  }

  async list(filter: KnownFilter, page: { limit: number; offset: number }): Promise<KnownAnswer[]> {
    const w = where(filter);
    const rows = await this.rows(filter, `ORDER BY k.id LIMIT $${w.params.length + 1} OFFSET $${w.params.length + 2}`, [page.limit, page.offset]);
    return Promise.all(rows.map(async (r) => toKnownAnswer(r, await this.citations(r.citedChunkIds))));
  }

  async count(filter: KnownFilter): Promise<number> {
    const w = where(filter);
    return (await this.db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM known_answers WHERE ${w.sql}`, w.params))[0].n;
  }

  async remove(filter: KnownFilter & { id?: number }): Promise<number> {
    const w = where(filter);
    return (await this.db.query(`DELETE FROM known_answers WHERE ${w.sql} AND kind <> 'faq' RETURNING id`, w.params)).length;
  }

  async prune(maxCacheEntries: number): Promise<number> {
    const nowMs = this.now();
    return this.db.transaction(async (q) => {
      let n = (await q.query('DELETE FROM known_answers WHERE expires_ms IS NOT NULL AND expires_ms <= $1 RETURNING id', [nowMs])).length;
      const [{ over }] = await q.query<{ over: number }>("SELECT COUNT(*)::int - $1 AS over FROM known_answers WHERE kind = 'cache'", [maxCacheEntries]);
      if (over > 0) {
        n += (await q.query("DELETE FROM known_answers WHERE id IN (SELECT id FROM known_answers WHERE kind = 'cache' ORDER BY used_ms, id LIMIT $1) RETURNING id", [over])).length;
      }
      return n;
    });
  }
}
