/**
 * Labels in PostgreSQL, shared by every Sobre instance: the same semantics as the SQLite store
 * (`sqlite-store.ts`), so a label given through any instance counts everywhere, and the calibration
 * in force is one row every instance polls (`activeState`) and switches to. Calibration changes and
 * refit claims lock `label_state`'s row, so concurrent ones apply one after the other.
 */
import { SobreError } from '../errors';
import { PgDatabase, type Queryable } from '../postgres/database';
import { migratePg, readVersion } from '../postgres/migrate';
import { LABEL_PG_MIGRATIONS } from './postgres-schema';
import { AUDITED_ROUTES_SQL, KNOWN_ROUTES_SQL, NO_AUDITS, labelsById, OBSERVATION_COLUMNS, observationValues, RECORD_COLUMNS, toObservation, toRecord, type CalibrationRow, type LabelRow, type ObservationRow } from './rows';
import type { AuditCounts, CalibrationRecord, Label, LabelledObservation, LabelStore, Observation } from './types';

/** No reviewer label, and not skipped by this reviewer ($1). */
const UNREVIEWED = `NOT EXISTS (SELECT 1 FROM labels l WHERE l.answer_id = o.answer_id AND l.source = 'reviewer')
  AND NOT EXISTS (SELECT 1 FROM label_skips s WHERE s.answer_id = o.answer_id AND s.by_key = $1)`;

/** Serialises the writers of the calibration in force and of the refit counter, across instances. */
const LOCK_STATE = 'SELECT 1 FROM label_state WHERE id = 1 FOR UPDATE';

export class PostgresLabelStore implements LabelStore {
  private constructor(
    private readonly db: PgDatabase,
    readonly writable: boolean,
  ) {}

  /** The labels in `schema` (created, and migrated, when missing). */
  static async open(url: string, schema: string): Promise<PostgresLabelStore> {
    const db = await PgDatabase.open(url, schema, { max: 4 });
    try {
      await migratePg(db, 'labels', LABEL_PG_MIGRATIONS);
      return new PostgresLabelStore(db, true);
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /** Read-only, for reports (no migration, no write); null when the schema has no labels tables yet. */
  static async openReadOnly(url: string, schema: string): Promise<PostgresLabelStore | null> {
    const db = await PgDatabase.open(url, schema, { max: 2, createSchema: false });
    try {
      const version = await db.transaction((q) => readVersion(q, 'labels'));
      if (version > LABEL_PG_MIGRATIONS.length) {
        throw new SobreError('store_inconsistent', `The labels schema in ${db.location} is version ${version}, newer than this Sobre knows (${LABEL_PG_MIGRATIONS.length}): upgrade Sobre`);
      }
      if (version > 0) return new PostgresLabelStore(db, false);
    } catch (e) {
      await db.close();
      throw e;
    }
    await db.close();
    return null;
  }

  /** The database, for a write (refused on a read-only store). */
  private writer(): PgDatabase {
    if (!this.writable) throw new SobreError('internal', 'The label store was opened read-only');
    return this.db;
  }

  async addObservation(o: Observation): Promise<void> {
    await this.writer().query(`INSERT INTO label_observations (${OBSERVATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, observationValues(o));
  }

  async observation(answerId: string): Promise<Observation | null> {
    const [r] = await this.db.query<ObservationRow>('SELECT * FROM label_observations WHERE answer_id = $1', [answerId]);
    return r ? toObservation(r) : null;
  }

  async addLabel(l: Label): Promise<boolean> {
    const rows = await this.writer().query(
      `INSERT INTO labels (answer_id, source, by_key, correct, weight, at_ms)
       SELECT $1, $2, $3, $4::boolean, $5::float8, $6::bigint WHERE EXISTS (SELECT 1 FROM label_observations WHERE answer_id = $1)
       ON CONFLICT (answer_id, source, by_key) DO UPDATE SET correct = EXCLUDED.correct, weight = EXCLUDED.weight, at_ms = EXCLUDED.at_ms
       RETURNING answer_id`,
      [l.answerId, l.source, l.by ?? '', l.correct, l.weight, l.at.getTime()],
    );
    return rows.length > 0;
  }

  async addSkip(answerId: string, by: string, at: Date): Promise<void> {
    await this.writer().query(
      `INSERT INTO label_skips (answer_id, by_key, at_ms) SELECT $1, $2, $3::bigint WHERE EXISTS (SELECT 1 FROM label_observations WHERE answer_id = $1)
       ON CONFLICT DO NOTHING`,
      [answerId, by, at.getTime()],
    );
  }

  async labelCount(): Promise<number> {
    return (await this.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM labels'))[0].n;
  }

  async labelled(): Promise<LabelledObservation[]> {
    const rows = await this.db.query<ObservationRow>(
      'SELECT * FROM label_observations o WHERE features IS NOT NULL AND EXISTS (SELECT 1 FROM labels l WHERE l.answer_id = o.answer_id) ORDER BY at_ms, answer_id',
    );
    const byId = labelsById(await this.db.query<LabelRow>('SELECT * FROM labels'));
    return rows.map((r) => ({ observation: toObservation(r), labels: byId.get(r.answer_id) ?? [] }));
  }

  /** Audit-flagged answers matching `where`, counted by route, each by its latest reviewer label. */
  private async auditsByRoute(where: string, params: unknown[] = []): Promise<Record<string, AuditCounts>> {
    const rows = await this.db.query<{ route: string } & AuditCounts>(
      `SELECT o.route, COUNT(l.correct) AS reviewed, COUNT(*) FILTER (WHERE l.correct) AS correct,
        COUNT(*) FILTER (WHERE l.correct IS NULL AND o.question_text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM label_skips s WHERE s.answer_id = o.answer_id)) AS pending,
        COUNT(*) FILTER (WHERE l.correct IS NULL AND EXISTS (SELECT 1 FROM label_skips s WHERE s.answer_id = o.answer_id)) AS skipped
      FROM label_observations o
      LEFT JOIN LATERAL (SELECT correct FROM labels WHERE answer_id = o.answer_id AND source = 'reviewer' ORDER BY at_ms DESC LIMIT 1) l ON true
      WHERE o.audit AND ${where} GROUP BY o.route`,
      params,
    );
    return Object.fromEntries(rows.map(({ route, ...c }) => [route, c]));
  }

  async auditCounts(calibrationId: number): Promise<AuditCounts> {
    return (await this.auditsByRoute("o.route = 'direct' AND o.calibration_id = $1", [calibrationId])).direct ?? { ...NO_AUDITS };
  }

  async knownAuditCounts(): Promise<Record<string, AuditCounts>> {
    return this.auditsByRoute(`o.route IN ${KNOWN_ROUTES_SQL}`);
  }

  async pendingAudit(by: string, limit: number): Promise<Observation[]> {
    const rows = await this.db.query<ObservationRow>(
      `SELECT * FROM label_observations o WHERE audit AND route IN ${AUDITED_ROUTES_SQL} AND question_text IS NOT NULL AND ${UNREVIEWED} ORDER BY random() LIMIT $2`,
      [by, limit],
    );
    return rows.map(toObservation);
  }

  async unreviewed(by: string, limit: number): Promise<Observation[]> {
    const rows = await this.db.query<ObservationRow>(
      `SELECT * FROM label_observations o WHERE NOT audit AND question_text IS NOT NULL AND candidate IS NOT NULL AND features IS NOT NULL AND ${UNREVIEWED}
       ORDER BY at_ms DESC LIMIT $2`,
      [by, limit],
    );
    return rows.map(toObservation);
  }

  addCalibration(record: Omit<CalibrationRecord, 'id' | 'active' | 'guardTarget'>, json: string, activate: boolean): Promise<number> {
    return this.writer().transaction(async (q) => {
      if (activate) await q.query(LOCK_STATE);
      const [{ id }] = await q.query<{ id: number }>(
        'INSERT INTO label_calibrations (created_at_ms, origin, labels, base_sha256, note, json) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
        [record.createdAt.getTime(), record.origin, record.labels, record.baseSha256, record.note, json],
      );
      if (activate) await setActive(q, id);
      return id;
    });
  }

  activate(id: number): Promise<boolean> {
    return this.writer().transaction(async (q) => {
      await q.query(LOCK_STATE);
      if (id !== 0 && (await q.query('SELECT 1 FROM label_calibrations WHERE id = $1', [id])).length === 0) return false;
      await setActive(q, id);
      return true;
    });
  }

  async calibrations(): Promise<CalibrationRecord[]> {
    return (await this.db.query<CalibrationRow>(`SELECT ${RECORD_COLUMNS} FROM label_calibrations ORDER BY id`)).map(toRecord);
  }

  async activeState(): Promise<{ id: number; guardTarget: number | null }> {
    const [r] = await this.db.query<{ id: number | null; guard_target: number | null; file_guard_target: number | null }>(
      'SELECT c.id, c.guard_target, s.file_guard_target FROM label_state s LEFT JOIN label_calibrations c ON c.active WHERE s.id = 1',
    );
    return r.id === null ? { id: 0, guardTarget: r.file_guard_target } : { id: r.id, guardTarget: r.guard_target };
  }

  async calibration(id: number): Promise<{ record: CalibrationRecord; json: string } | null> {
    const [r] = await this.db.query<CalibrationRow & { json: string }>(`SELECT ${RECORD_COLUMNS}, json FROM label_calibrations WHERE id = $1`, [id]);
    return r ? { record: toRecord(r), json: r.json } : null;
  }

  async raiseGuard(id: number, target: number): Promise<void> {
    if (id === 0) await this.writer().query('UPDATE label_state SET file_guard_target = $1 WHERE file_guard_target IS NULL OR file_guard_target < $1', [target]);
    else await this.writer().query('UPDATE label_calibrations SET guard_target = $1 WHERE id = $2 AND (guard_target IS NULL OR guard_target < $1)', [target, id]);
  }

  claimRefit(every: number): Promise<boolean> {
    return this.writer().transaction(async (q) => {
      // The row lock first: a claimer that waited reads the counter its predecessor wrote.
      await q.query(LOCK_STATE);
      const [{ n, last }] = await q.query<{ n: number; last: number }>(
        'SELECT (SELECT COUNT(*) FROM labels) AS n, labels_at_last_refit AS last FROM label_state WHERE id = 1',
      );
      if (n - last < every) return false;
      await q.query('UPDATE label_state SET labels_at_last_refit = $1 WHERE id = 1', [n]);
      return true;
    });
  }

  async purgeQuestionText(beforeMs: number): Promise<number> {
    const rows = await this.writer().query('UPDATE label_observations SET question_text = NULL WHERE question_text IS NOT NULL AND at_ms < $1 RETURNING answer_id', [beforeMs]);
    return rows.length;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

async function setActive(q: Queryable, id: number): Promise<void> {
  await q.query('UPDATE label_calibrations SET active = false WHERE active');
  if (id > 0) await q.query('UPDATE label_calibrations SET active = true WHERE id = $1', [id]);
}
