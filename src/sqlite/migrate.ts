import type { Database } from 'better-sqlite3';

/** One schema step; steps run in order, each in its own transaction. */
export type Migration = (db: Database) => void;

/**
 * Bring `component`'s tables to the latest version. Each component (store, ledger, ...) owns
 * its own list of migrations and its own version number in `schema_versions`, so modules
 * that add tables do not have to edit each other's files. Never edit a shipped step: append.
 */
export function migrate(db: Database, component: string, steps: readonly Migration[]): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_versions WHERE component = ?').get(component) as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > steps.length) {
    throw new Error(`The ${component} schema is version ${current}, newer than this Sobre knows (${steps.length}): upgrade Sobre`);
  }
  for (let v = current; v < steps.length; v++) {
    db.transaction(() => {
      steps[v](db);
      db.prepare('INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version').run(component, v + 1);
    })();
  }
  return steps.length;
}
