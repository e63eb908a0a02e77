/** The configured ledger store: PostgreSQL when SOBRE_DATABASE_URL is set, else SQLite in the data folder. */
import type { SobreConfig } from '../config';
import { PostgresLedgerStore } from './postgres-store';
import { SqliteLedgerStore } from './sqlite-store';
import type { LedgerStore } from './store';

export async function openLedgerStore(
  config: Pick<SobreConfig, 'dataDir' | 'databaseUrl' | 'databaseSchema'>,
  opts: { readonly?: boolean } = {},
): Promise<LedgerStore> {
  if (config.databaseUrl) return PostgresLedgerStore.open(config.databaseUrl, config.databaseSchema, opts);
  return SqliteLedgerStore.open(config.dataDir, opts);
}
