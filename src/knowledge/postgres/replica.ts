/**
 * An instance's local replica of the PostgreSQL knowledge: the SQLite + FTS5 + hnswlib knowledge
 * in `<SOBRE_DATA_DIR>/replica`, marked with the id of the knowledge it copies.
 */
import fs from 'node:fs';
import { SqliteKnowledge, type SqliteKnowledgeConfig } from '../sqlite/sqlite-knowledge';

/** The replica's folder inside the data folder (derived data: deleting it only costs a rebuild). */
export const REPLICA_DIR = 'replica';
/** Which knowledge (PostgreSQL's `knowledge_id`) a replica copies. */
export const REPLICA_OF = 'replica_of';

/** Open the replica of `knowledgeId`; a replica of anything else is deleted and rebuilt. */
export async function openReplica(dir: string, config: SqliteKnowledgeConfig, embedder: { id: string; dimension: number }, knowledgeId: string): Promise<SqliteKnowledge> {
  const open = () => SqliteKnowledge.open({ ...config, dataDir: dir }, embedder);
  let replica: SqliteKnowledge | null = null;
  try {
    replica = open();
  } catch {
    // another embedder's or an unreadable replica: it is derived data, rebuilt below
  }
  const mark = replica?.replicaMeta(REPLICA_OF);
  const fresh = mark === undefined && replica?.opened.generation === 0;
  if (replica && mark !== knowledgeId && !fresh) {
    await replica.close();
    replica = null;
  }
  if (!replica) {
    fs.rmSync(dir, { recursive: true, force: true });
    replica = open();
  }
  replica.setReplicaMeta(REPLICA_OF, knowledgeId);
  return replica;
}
