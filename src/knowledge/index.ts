/**
 * Opens the configured knowledge: the SQLite store and HNSW index in `SOBRE_DATA_DIR`.
 */
import { SqliteKnowledge, type SqliteKnowledgeConfig } from './sqlite/sqlite-knowledge';
import type { Knowledge } from './types';

export type { Knowledge } from './types';

export type KnowledgeConfig = SqliteKnowledgeConfig;

export async function openKnowledge(config: KnowledgeConfig, embedder: { id: string; dimension: number }): Promise<Knowledge> {
  return SqliteKnowledge.open(config, embedder);
}
