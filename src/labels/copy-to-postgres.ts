/**
 * Copying a SQLite label store (observations, labels, skips, calibrations with the one in force,
 * the refit counter and the file's guard) into PostgreSQL, ids kept, inside the caller's
 * transaction; the target must be empty. Used by `npm run migrate`.
 */
import type { Database } from 'better-sqlite3';
import { copyTable, hasTable } from '../postgres/copy';
import type { Queryable } from '../postgres/database';

export interface LabelsCopy {
  observations: number;
  labels: number;
  calibrations: number;
}

export async function copyLabels(source: Database, q: Queryable): Promise<LabelsCopy> {
  if (!hasTable(source, 'label_observations')) return { observations: 0, labels: 0, calibrations: 0 };
  const observations = await copyTable(source, q, 'label_observations', 'at_ms');
  const labels = await copyTable(source, q, 'labels');
  await copyTable(source, q, 'label_skips');
  const calibrations = await copyTable(source, q, 'label_calibrations', 'id');
  const state = source.prepare('SELECT labels_at_last_refit AS last, file_guard_target AS guard FROM label_state WHERE id = 1').get() as { last: number; guard: number | null } | undefined;
  if (state) await q.query('UPDATE label_state SET labels_at_last_refit = $1, file_guard_target = $2 WHERE id = 1', [state.last, state.guard]);
  await q.query("SELECT setval(pg_get_serial_sequence('label_calibrations', 'id'), COALESCE((SELECT MAX(id) FROM label_calibrations), 0) + 1, false)");
  return { observations, labels, calibrations };
}
