/**
 * The knowledge contract on PostgreSQL (a fresh schema per test) with a local replica per
 * instance. A location is `<schema>`; each open gets a replica folder no open instance uses, so
 * reopening after close finds its replica again, and a second open is a second instance.
 */
import path from 'node:path';
import { Client } from 'pg';
import { openKnowledge } from '../../src/knowledge';
import type { Knowledge } from '../../src/knowledge/types';
import { HashEmbedder } from '../helpers/hash-embedder';
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
    config: (schema) => {
      const dir = makeTempDir(); // a replica of its own
      const dirs = replicas.get(schema) ?? [];
      dirs.push({ dir, inUse: true });
      replicas.set(schema, dirs);
      return { dataDir: dir, hnswM: 16, hnswEfConstruction: 200, hnswEfSearch: 64, databaseUrl: server(), databaseSchema: schema };
    },
    dispose: async (schema) => {
      for (const d of replicas.get(schema) ?? []) removeDir(d.dir);
      replicas.delete(schema);
      await dropSchema(server(), schema);
    },
  });
});

describePostgres('PostgreSQL knowledge: replicas', (server) => {
  const embedder = new HashEmbedder(64);
  const config = (dataDir: string, schema: string) => ({ dataDir, hnswM: 16, hnswEfConstruction: 200, hnswEfSearch: 64, databaseUrl: server(), databaseSchema: schema });
  const schemas: string[] = [];
  const dirs: string[] = [];
  const fresh = () => {
    const s = freshSchema();
    schemas.push(s);
    return s;
  };
  const dir = () => {
    const d = makeTempDir();
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    for (const d of dirs.splice(0)) removeDir(d);
    for (const s of schemas.splice(0)) await dropSchema(server(), s);
  });

  async function commit(k: Knowledge, source: string, text: string) {
    const [v] = await embedder.embed([text]);
    return k.commitDocument({ source, name: source, title: source, format: 'md', contentHash: `c:${text}`, size: text.length }, [{ ordinal: 0, hash: `h:${text}`, text, start: 0, end: text.length }], new Map([[`h:${text}`, v]]));
  }

  test('a replica folder of another knowledge is replaced; a deleted one is rebuilt from PostgreSQL without embedding', async () => {
    const folder = dir();
    const first = await openKnowledge(config(folder, fresh()), embedder);
    await commit(first, '/docs/first.md', 'only in the first schema');
    await first.close();
    const secondSchema = fresh();
    const second = await openKnowledge(config(folder, secondSchema), embedder);
    expect((await second.passages([1])).map((p) => p.source)).toEqual([]);
    await commit(second, '/docs/second.md', 'only in the second schema');
    await second.close();
    removeDir(path.join(folder, 'replica'));
    const before = embedder.embedded;
    const again = await openKnowledge(config(folder, secondSchema), embedder);
    try {
      expect(await again.check()).toEqual({ consistent: true, storeChunks: 1, indexVectors: 1 });
      const [v] = await embedder.embed(['second schema']);
      const found = await again.candidates({ text: 'second schema', vector: v }, 5);
      expect((await again.passages(found.map((c) => c.chunkId))).map((p) => p.source)).toEqual(['/docs/second.md']);
      expect(embedder.embedded).toBe(before + 1); // the question only
    } finally {
      await again.close();
    }
  });

  test('a writer whose lease connection ended commits nothing, and the next writer takes the lease', async () => {
    const schema = fresh();
    const stalled = await openKnowledge(config(dir(), schema), embedder);
    const other = await openKnowledge(config(dir(), schema), embedder);
    try {
      const release = await stalled.writeLease({ holder: 'stalled ingest' });
      await commit(stalled, '/docs/a.md', 'written while holding the lease');
      // The lease's connection ends (a network cut, an idle timeout on the server): its lock is gone.
      const admin = new Client({ connectionString: server() });
      await admin.connect();
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'stalled ingest%'");
      await admin.end();
      const taken = await other.writeLease({ holder: 'next writer' });
      await expect(commit(stalled, '/docs/b.md', 'written after losing it')).rejects.toMatchObject({ code: 'lease_lost' });
      await commit(other, '/docs/c.md', 'written by the new holder');
      expect((await other.listDocuments()).map((d) => d.source).sort()).toEqual(['/docs/a.md', '/docs/c.md']);
      await taken();
      await release();
    } finally {
      await stalled.close();
      await other.close();
    }
  });

  test('an idle instance catches up by itself (notification or poll), without a question or refresh', async () => {
    const schema = fresh();
    const writer = await openKnowledge(config(dir(), schema), embedder);
    const idle = await openKnowledge(config(dir(), schema), embedder);
    try {
      await commit(writer, '/docs/a.md', 'arrives without asking');
      const end = Date.now() + 10_000;
      while ((await idle.check()).storeChunks === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(await idle.check()).toEqual({ consistent: true, storeChunks: 1, indexVectors: 1 });
      expect(await idle.refresh()).toMatchObject({ added: 1, removed: 0 }); // what it applied since the last refresh
    } finally {
      await writer.close();
      await idle.close();
    }
  });
});
