/**
 * Opens the configured knowledge: the SQLite store and HNSW index in `SOBRE_DATA_DIR`, or, with
 * `SOBRE_DATABASE_URL`, PostgreSQL with a local replica in `SOBRE_DATA_DIR`.
 */
import { PostgresKnowledge, type PostgresKnowledgeConfig } from './postgres/postgres-knowledge';
import { SqliteKnowledge } from './sqlite/sqlite-knowledge';
import type { Knowledge } from './types';

export type { Knowledge } from './types';

/** `databaseUrl` empty (or absent): SQLite. */
export type KnowledgeConfig = Omit<PostgresKnowledgeConfig, 'databaseUrl' | 'databaseSchema'> & Partial<Pick<PostgresKnowledgeConfig, 'databaseUrl' | 'databaseSchema'>>;

export async function openKnowledge(config: KnowledgeConfig, embedder: { id: string; dimension: number }): Promise<Knowledge> {
  if (config.databaseUrl) return PostgresKnowledge.open({ ...config, databaseUrl: config.databaseUrl, databaseSchema: config.databaseSchema ?? 'sobre' }, embedder);
  return SqliteKnowledge.open(config, embedder);
}
