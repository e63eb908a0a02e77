/**
 * The SQL of known answers (`known_answers`, `known_citations`): private to knowledge/sqlite.
 * Entries are deleted with the chunks they cite by a trigger (schema.ts), inside the transaction
 * that removes the chunk, so no reader ever sees an entry whose passage is gone.
 */
import type { Database, Statement } from 'better-sqlite3';
import { SobreError } from '../../errors';
import { questionKey, type KnownRow } from '../known';
import type { FaqInput, KnownAnswerInput, KnownFilter, KnownGeneration, KnownKind } from '../types';

function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function fromBlob(b: Buffer): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

const SELECT_ROW = `SELECT id, kind, namespace, question, answer, document_id AS documentId, span_start AS spanStart,
  span_end AS spanEnd, generation, created_ms AS createdMs, expires_ms AS expiresMs, used_ms AS usedMs, hits,
  (SELECT json_group_array(chunk_id) FROM (SELECT chunk_id FROM known_citations WHERE answer_id = k.id ORDER BY ordinal)) AS cited
  FROM known_answers k`;

type RawRow = Omit<KnownRow, 'generation' | 'citedChunkIds'> & { generation: string | null; cited: string };

function toRow(r: RawRow): KnownRow {
  const { cited, generation, ...rest } = r;
  return { ...rest, generation: generation ? (JSON.parse(generation) as KnownGeneration) : null, citedChunkIds: JSON.parse(cited) as number[] };
}

function where(filter: KnownFilter & { id?: number }): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.id !== undefined) (parts.push('id = ?'), params.push(filter.id));
  if (filter.kind !== undefined) (parts.push('kind = ?'), params.push(filter.kind));
  if (filter.namespace !== undefined) (parts.push('namespace = ?'), params.push(filter.namespace));
  return { sql: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export class KnownStore {
  /** `stmt`: the owning store's compiled-statement cache (same connection). */
  constructor(
    private readonly db: Database,
    private readonly stmt: (sql: string) => Statement,
  ) {}

  get generation(): number {
    return Number(this.stmt("SELECT value FROM meta WHERE key = 'known_generation'").pluck().get() ?? 0);
  }

  /** Every unexpired entry's id and namespace (what the in-memory index must hold). */
  liveIds(nowMs: number): { id: number; namespace: string }[] {
    return this.stmt('SELECT id, namespace FROM known_answers WHERE expires_ms IS NULL OR expires_ms > ?').all(nowMs) as { id: number; namespace: string }[];
  }

  questions(ids: readonly number[]): Map<number, { kind: KnownKind; question: string; vector: Float32Array; expiresMs: number | null }> {
    const stmt = this.stmt('SELECT kind, question, vector, expires_ms AS expiresMs FROM known_answers WHERE id = ?');
    const out = new Map<number, { kind: KnownKind; question: string; vector: Float32Array; expiresMs: number | null }>();
    for (const id of ids) {
      const r = stmt.get(id) as { kind: KnownKind; question: string; vector: Buffer; expiresMs: number | null } | undefined;
      if (r) out.set(id, { kind: r.kind, question: r.question, vector: fromBlob(r.vector), expiresMs: r.expiresMs });
    }
    return out;
  }

  /** The entry when every chunk it cites is still stored with the text it cited. */
  get(id: number): KnownRow | undefined {
    const r = this.stmt(`${SELECT_ROW} WHERE id = ?`).get(id) as RawRow | undefined;
    if (!r) return undefined;
    const stale = this.stmt(
      'SELECT COUNT(*) FROM known_citations kc LEFT JOIN chunks c ON c.id = kc.chunk_id AND c.hash = kc.chunk_hash WHERE kc.answer_id = ? AND c.id IS NULL',
    ).pluck().get(id) as number;
    return stale === 0 ? toRow(r) : undefined;
  }

  private insert(kind: KnownKind, namespace: string, question: string, vector: Float32Array, answer: string,
    extra: { documentId?: number; span?: [number, number]; generation?: KnownGeneration; expiresMs?: number | null }, cited: readonly number[], nowMs: number): number {
    const hashOf = this.stmt('SELECT hash FROM chunks WHERE id = ?').pluck();
    const hashes = cited.map((c) => hashOf.get(c) as string | undefined);
    const missing = cited.filter((_, i) => hashes[i] === undefined);
    if (missing.length > 0) throw new SobreError('not_found', `The cited chunks ${missing.join(', ')} are gone: the answer is not kept`);
    const id = Number(this.stmt(
      `INSERT INTO known_answers (kind, namespace, question, question_key, vector, answer, document_id, span_start, span_end, generation, created_ms, expires_ms, used_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(kind, namespace, question, questionKey(question), toBlob(vector), answer, extra.documentId ?? null, extra.span?.[0] ?? null,
      extra.span?.[1] ?? null, extra.generation ? JSON.stringify(extra.generation) : null, nowMs, extra.expiresMs ?? null, nowMs).lastInsertRowid);
    const cite = this.stmt('INSERT INTO known_citations (answer_id, ordinal, chunk_id, chunk_hash) VALUES (?, ?, ?, ?)');
    cited.forEach((c, i) => cite.run(id, i, c, hashes[i]));
    return id;
  }

  /** Store an entry (replacing the same question's); with the table's generation before and after. */
  put(e: KnownAnswerInput, nowMs: number): { id: number; replaced: number | undefined; before: number; after: number } {
    return this.db.transaction(() => {
      const before = this.generation;
      const replaced = this.stmt('DELETE FROM known_answers WHERE kind = ? AND namespace = ? AND question_key = ? RETURNING id')
        .pluck().get(e.kind, e.namespace, questionKey(e.question)) as number | undefined;
      const id = this.insert(e.kind, e.namespace, e.question, e.vector, e.answer,
        { generation: e.generation, expiresMs: e.expiresAt ? e.expiresAt.getTime() : null }, e.citedChunkIds, nowMs);
      return { id, replaced, before, after: this.generation };
    })();
  }

  /**
   * A document's FAQ pairs, replacing its earlier ones; called inside the document's transaction.
   * Each answer cites the first chunk of the document that contains the answer's start.
   */
  replaceFaq(documentId: number, pairs: readonly FaqInput[], nowMs: number): void {
    this.stmt("DELETE FROM known_answers WHERE document_id = ? AND kind = 'faq'").run(documentId);
    const chunkAt = this.stmt('SELECT chunk_id FROM document_chunks WHERE document_id = ? AND start_offset <= ? AND end_offset > ? ORDER BY ordinal LIMIT 1').pluck();
    for (const p of pairs) {
      const chunkId = chunkAt.get(documentId, p.answerStart, p.answerStart) as number | undefined;
      if (chunkId === undefined) continue;
      this.insert('faq', '', p.question, p.vector, p.answer, { documentId, span: [p.answerStart, p.answerEnd] }, [chunkId], nowMs);
    }
  }

  /** A hit: the entry becomes the most recently used of its kind, even within the same millisecond. */
  touch(id: number, nowMs: number): void {
    this.stmt(`UPDATE known_answers SET hits = hits + 1,
      used_ms = MAX(?, 1 + (SELECT MAX(used_ms) FROM known_answers k WHERE k.kind = known_answers.kind)) WHERE id = ?`).run(nowMs, id);
  }

  list(filter: KnownFilter, limit: number, offset: number): KnownRow[] {
    const w = where(filter);
    return (this.db.prepare(`${SELECT_ROW} ${w.sql} ORDER BY id LIMIT ? OFFSET ?`).all(...w.params, limit, offset) as RawRow[]).map(toRow);
  }

  count(filter: KnownFilter): number {
    const w = where(filter);
    return this.db.prepare(`SELECT COUNT(*) FROM known_answers ${w.sql}`).pluck().get(...w.params) as number;
  }

  remove(filter: KnownFilter & { id?: number }): number {
    const w = where(filter);
    const faqGuard = w.sql ? `${w.sql} AND kind <> 'faq'` : "WHERE kind <> 'faq'";
    return this.db.prepare(`DELETE FROM known_answers ${faqGuard}`).run(...w.params).changes;
  }

  prune(maxCacheEntries: number, nowMs: number): number {
    return this.db.transaction(() => {
      let n = this.stmt('DELETE FROM known_answers WHERE expires_ms IS NOT NULL AND expires_ms <= ?').run(nowMs).changes;
      const over = (this.stmt("SELECT COUNT(*) FROM known_answers WHERE kind = 'cache'").pluck().get() as number) - maxCacheEntries;
      if (over > 0) {
        n += this.stmt("DELETE FROM known_answers WHERE id IN (SELECT id FROM known_answers WHERE kind = 'cache' ORDER BY used_ms, id LIMIT ?)").run(over).changes;
      }
      return n;
    })();
  }
}
