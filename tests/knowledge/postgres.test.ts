/**
 * The knowledge contract on PostgreSQL (a fresh schema per test) with a local replica per
 * instance. A location is `<schema>`; each open gets a replica folder no open instance uses, so
 * reopening after close finds its replica again, and a second open is a second instance.
 */
import { openKnowledge } from '../../src/knowledge';
import type { Knowledge } from '../../src/knowledge/types';
import { describePostgres, dropSchema, freshSchema } from '../helpers/postgres';
import { makeTempDir, removeDir } from '../helpers/temp';
import { knowledgeContract } from './contract';

describePostgres('PostgreSQL knowledge', (server) => {
  const replicas = new Map<string, { dir: string; inUse: boolean }[]>();
  knowledgeContract('PostgreSQL + local SQLite/FTS5/hnswlib replica', {
    location: async () => freshSchema(),
    open: async (schema, embedder) => {
      const dirs = replicas.get(schema) ?? [];
      replicas.set(schema, dirs);
      let slot = dirs.find((d) => !d.inUse);
      if (!slot) {
        slot = { dir: makeTempDir(), inUse: false };
        dirs.push(slot);
      }
      const k: Knowledge = await openKnowledge(
        { dataDir: slot.dir, hnswM: 16, hnswEfConstruction: 200, hnswEfSearch: 64, databaseUrl: server(), databaseSchema: schema },
        embedder,
      );
      slot.inUse = true;
      const close = k.close.bind(k);
      const used = slot;
      k.close = async () => {
        await close();
        used.inUse = false;
      };
      return k;
    },
    dispose: async (schema) => {
      for (const d of replicas.get(schema) ?? []) removeDir(d.dir);
      replicas.delete(schema);
      await dropSchema(server(), schema);
    },
  });
});
