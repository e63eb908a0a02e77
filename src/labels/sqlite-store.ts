/**
 * Labels in SQLite: `<dataDir>/sobre.db` on a connection of its own, with its own migrations.
 * A ':memory:' store (evaluation) keeps everything in the process.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { SobreError } from '../errors';
import { DATABASE_FILE, openDatabase } from '../sqlite/database';
import { migrate } from '../sqlite/migrate';
import { LABEL_MIGRATIONS } from './schema';
import { AUDITED_ROUTES_SQL, KNOWN_ROUTES_SQL, NO_AUDITS, labelsById, OBSERVATION_COLUMNS, observationValues, RECORD_COLUMNS, toObservation, toRecord, type CalibrationRow, type LabelRow, type ObservationRow } from './rows';
import type { AuditCounts, CalibrationRecord, Label, LabelledObservation, LabelStore, Observation } from './types';

/** No reviewer label, and not skipped by this reviewer. */
const UNREVIEWED = `NOT EXISTS (SELECT 1 FROM labels l WHERE l.answer_id = o.answer_id AND l.source = 'reviewer')
  AND NOT EXISTS (SELECT 1 FROM label_skips s WHERE s.answer_id = o.answer_id AND s.by_key = @by)`;

export class SqliteLabelStore implements LabelStore {
  readonly writable: boolean;

  /** Prepared once: one insert per answered question. */
  private readonly insertObservation: Statement | null;

  private constructor(private readonly db: Db) {
    this.writable = !db.readonly;
    this.insertObservation = this.writable
      ? db.prepare(`INSERT INTO label_observations (${OBSERVATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      : null;
  }

  /** Read-only, for reports (no migration, no write); null when the store has no labels tables yet. */
  static openReadOnly(dataDir: string): SqliteLabelStore | null {
    const db = openDatabase(path.join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      const row = db.prepare("SELECT version FROM schema_versions WHERE component = 'labels'").get() as { version: number } | undefined;
      if ((row?.version ?? 0) >= 1) return new SqliteLabelStore(db);
    } catch {
      // no schema_versions table: nothing stored yet
    }
    db.close();
    return null;
  }

  /** The labels in `<dataDir>/sobre.db`, or in memory for ':memory:'. */
  static open(dataDir: string): SqliteLabelStore {
    const db = dataDir === ':memory:' ? new Database(':memory:') : openDatabase(path.join(dataDir, DATABASE_FILE));
    try {
      db.pragma('foreign_keys = ON');
      migrate(db, 'labels', LABEL_MIGRATIONS);
      return new SqliteLabelStore(db);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  async addObservation(o: Observation): Promise<void> {
    if (!this.insertObservation) throw new SobreError('internal', 'The label store was opened read-only');
    this.insertObservation.run(observationValues(o));
  }

  async observation(answerId: string): Promise<Observation | null> {
    const r = this.db.prepare('SELECT * FROM label_observations WHERE answer_id = ?').get(answerId) as ObservationRow | undefined;
    return r ? toObservation(r) : null;
  }

  async addLabel(l: Label): Promise<boolean> {
    const info = this.db.prepare(`INSERT INTO labels (answer_id, source, by_key, correct, weight, at_ms)
      SELECT @answer_id, @source, @by_key, @correct, @weight, @at_ms WHERE EXISTS (SELECT 1 FROM label_observations WHERE answer_id = @answer_id)
      ON CONFLICT (answer_id, source, by_key) DO UPDATE SET correct = excluded.correct, weight = excluded.weight, at_ms = excluded.at_ms`).run({
      answer_id: l.answerId, source: l.source, by_key: l.by ?? '', correct: l.correct ? 1 : 0, weight: l.weight, at_ms: l.at.getTime(),
    });
    return info.changes > 0;
  }

  async addSkip(answerId: string, by: string, at: Date): Promise<void> {
    this.db.prepare(`INSERT INTO label_skips (answer_id, by_key, at_ms) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM label_observations WHERE answer_id = ?)
      ON CONFLICT DO NOTHING`).run(answerId, by, at.getTime(), answerId);
  }

  async labelCount(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM labels').get() as { n: number }).n;
  }

  async labelled(): Promise<LabelledObservation[]> {
    const rows = this.db.prepare('SELECT * FROM label_observations o WHERE features IS NOT NULL AND EXISTS (SELECT 1 FROM labels l WHERE l.answer_id = o.answer_id) ORDER BY at_ms').all() as ObservationRow[];
    const byId = labelsById(this.db.prepare('SELECT * FROM labels').all() as LabelRow[]);
    return rows.map((r) => ({ observation: toObservation(r), labels: byId.get(r.answer_id) ?? [] }));
  }

  /** Audit-flagged answers matching `where`, counted by route, each by its latest reviewer label. */
  private auditsByRoute(where: string, ...params: unknown[]): Record<string, AuditCounts> {
    const rows = this.db.prepare(`SELECT o.route AS route,
        COUNT(l.answer_id) AS reviewed, COALESCE(SUM(l.correct), 0) AS correct,
        SUM(CASE WHEN l.answer_id IS NULL AND o.question_text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM label_skips s WHERE s.answer_id = o.answer_id) THEN 1 ELSE 0 END) AS pending,
        SUM(CASE WHEN l.answer_id IS NULL AND EXISTS (SELECT 1 FROM label_skips s WHERE s.answer_id = o.answer_id) THEN 1 ELSE 0 END) AS skipped
      FROM label_observations o
      LEFT JOIN (SELECT answer_id, MAX(at_ms), correct FROM labels WHERE source = 'reviewer' GROUP BY answer_id) l ON l.answer_id = o.answer_id
      WHERE o.audit = 1 AND ${where} GROUP BY o.route`).all(...params) as ({ route: string } & AuditCounts)[];
    return Object.fromEntries(rows.map(({ route, ...c }) => [route, c]));
  }

  async auditCounts(calibrationId: number): Promise<AuditCounts> {
    return this.auditsByRoute("o.route = 'direct' AND o.calibration_id = ?", calibrationId).direct ?? { ...NO_AUDITS };
  }

  async knownAuditCounts(): Promise<Record<string, AuditCounts>> {
    return this.auditsByRoute(`o.route IN ${KNOWN_ROUTES_SQL}`);
  }

  async pendingAudit(by: string, limit: number): Promise<Observation[]> {
    const rows = this.db.prepare(`SELECT * FROM label_observations o WHERE audit = 1 AND route IN ${AUDITED_ROUTES_SQL} AND question_text IS NOT NULL AND ${UNREVIEWED}
      ORDER BY random() LIMIT @limit`).all({ by, limit }) as ObservationRow[];
    return rows.map(toObservation);
  }

  async unreviewed(by: string, limit: number): Promise<Observation[]> {
    const rows = this.db.prepare(`SELECT * FROM label_observations o WHERE audit = 0 AND question_text IS NOT NULL AND candidate IS NOT NULL AND features IS NOT NULL AND ${UNREVIEWED}
      ORDER BY at_ms DESC LIMIT @limit`).all({ by, limit }) as ObservationRow[];
    return rows.map(toObservation);
  }

  async addCalibration(record: Omit<CalibrationRecord, 'id' | 'active' | 'guardTarget'>, json: string, activate: boolean): Promise<number> {
    return this.db.transaction(() => {
      const id = Number(this.db.prepare('INSERT INTO label_calibrations (created_at_ms, origin, labels, base_sha256, note, json) VALUES (?, ?, ?, ?, ?, ?)')
        .run(record.createdAt.getTime(), record.origin, record.labels, record.baseSha256, record.note, json).lastInsertRowid);
      if (activate) this.setActive(id);
      return id;
    })();
  }

  private setActive(id: number): void {
    this.db.prepare('UPDATE label_calibrations SET active = 0 WHERE active = 1').run();
    if (id > 0) this.db.prepare('UPDATE label_calibrations SET active = 1 WHERE id = ?').run(id);
  }

  async activate(id: number): Promise<boolean> {
    return this.db.transaction(() => {
      if (id !== 0 && !this.db.prepare('SELECT 1 FROM label_calibrations WHERE id = ?').get(id)) return false;
      this.setActive(id);
      return true;
    })();
  }

  async calibrations(): Promise<CalibrationRecord[]> {
    return (this.db.prepare(`SELECT ${RECORD_COLUMNS} FROM label_calibrations ORDER BY id`).all() as CalibrationRow[]).map(toRecord);
  }

  async activeState(): Promise<{ id: number; guardTarget: number | null }> {
    const r = this.db.prepare('SELECT id, guard_target FROM label_calibrations WHERE active = 1').get() as { id: number; guard_target: number | null } | undefined;
    if (r) return { id: r.id, guardTarget: r.guard_target };
    return { id: 0, guardTarget: (this.db.prepare('SELECT file_guard_target AS g FROM label_state').get() as { g: number | null }).g };
  }

  async calibration(id: number): Promise<{ record: CalibrationRecord; json: string } | null> {
    const r = this.db.prepare(`SELECT ${RECORD_COLUMNS}, json FROM label_calibrations WHERE id = ?`).get(id) as (CalibrationRow & { json: string }) | undefined;
    return r ? { record: toRecord(r), json: r.json } : null;
  }

  async raiseGuard(id: number, target: number): Promise<void> {
    if (id === 0) this.db.prepare('UPDATE label_state SET file_guard_target = ? WHERE file_guard_target IS NULL OR file_guard_target < ?').run(target, target);
    else this.db.prepare('UPDATE label_calibrations SET guard_target = ? WHERE id = ? AND (guard_target IS NULL OR guard_target < ?)').run(target, id, target);
  }

  async claimRefit(every: number): Promise<boolean> {
    return this.db.transaction(() => {
      const n = (this.db.prepare('SELECT COUNT(*) AS n FROM labels').get() as { n: number }).n;
      const last = (this.db.prepare('SELECT labels_at_last_refit AS n FROM label_state').get() as { n: number }).n;
      if (n - last < every) return false;
      this.db.prepare('UPDATE label_state SET labels_at_last_refit = ?').run(n);
      return true;
    }).immediate();
  }

  async purgeQuestionText(beforeMs: number): Promise<number> {
    return this.db.prepare('UPDATE label_observations SET question_text = NULL WHERE question_text IS NOT NULL AND at_ms < ?').run(beforeMs).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
