/** The configured label store: PostgreSQL when SOBRE_DATABASE_URL is set, else SQLite in the data folder. */
import type { SobreConfig } from '../config';
import { PostgresLabelStore } from './postgres-store';
import { SqliteLabelStore } from './sqlite-store';
import type { LabelStore } from './types';

type StoreConfig = Pick<SobreConfig, 'dataDir' | 'databaseUrl' | 'databaseSchema'>;

/** Writable (tables created or migrated); read-only for reports: null when no labels are stored yet. */
export function openLabelStore(config: StoreConfig, opts?: { readonly?: false }): Promise<LabelStore>;
export function openLabelStore(config: StoreConfig, opts: { readonly: true }): Promise<LabelStore | null>;
export async function openLabelStore(config: StoreConfig, { readonly = false }: { readonly?: boolean } = {}): Promise<LabelStore | null> {
  if (config.databaseUrl) {
    return readonly ? PostgresLabelStore.openReadOnly(config.databaseUrl, config.databaseSchema) : PostgresLabelStore.open(config.databaseUrl, config.databaseSchema);
  }
  return readonly ? SqliteLabelStore.openReadOnly(config.dataDir) : SqliteLabelStore.open(config.dataDir);
}
