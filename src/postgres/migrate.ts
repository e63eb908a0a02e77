/**
 * Versioned schema migrations in PostgreSQL, the same model as `sqlite/migrate.ts`: each
 * component (knowledge, ledger, ...) owns its list of steps and its own row in `schema_versions`
 * in the database's schema, so modules that add tables never edit each other's files. Steps run
 * in order, each in its own transaction, under an advisory lock: instances that start together
 * migrate once. Never edit a shipped step: append.
 */
import { SobreError } from '../errors';
import type { PgDatabase, Queryable } from './database';

/** One schema step: SQL text, or a function for steps that need more than SQL. */
export type PgMigration = string | ((q: Queryable) => Promise<void>);

/** Any fixed number: the key of the advisory lock every Sobre migration takes. */
const MIGRATION_LOCK = 0x50b2e;

export async function migratePg(db: PgDatabase, component: string, steps: readonly PgMigration[]): Promise<number> {
  await db.transaction(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await q.query('CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  });
  for (;;) {
    const done = await db.transaction(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const current = await readVersion(q, component);
      if (current > steps.length) {
        throw new SobreError('store_inconsistent', `The ${component} schema in ${db.location} is version ${current}, newer than this Sobre knows (${steps.length}): upgrade Sobre`);
      }
      if (current === steps.length) return true;
      const step = steps[current];
      if (typeof step === 'string') await q.query(step);
      else await step(q);
      await q.query(
        'INSERT INTO schema_versions (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version',
        [component, current + 1],
      );
      return false;
    });
    if (done) return steps.length;
  }
}

/** The component's schema version (0 when it has no tables yet, or there is no `schema_versions`). */
export async function readVersion(q: Queryable, component: string): Promise<number> {
  const exists = await q.query<{ t: string | null }>("SELECT to_regclass('schema_versions')::text AS t");
  if (!exists[0]?.t) return 0;
  const rows = await q.query<{ version: number }>('SELECT version FROM schema_versions WHERE component = $1', [component]);
  return rows[0]?.version ?? 0;
}
