/**
 * The knowledge for several Sobre instances: PostgreSQL is the source of truth (documents,
 * chunks with their vectors, the change counter), and each instance answers from its own local
 * replica — the SQLite + FTS5 + hnswlib knowledge in `<SOBRE_DATA_DIR>/replica` — so lexical
 * scores are FTS5's BM25, exactly the ones the router was calibrated on.
 *
 * Writes go to PostgreSQL (one transaction per document), then the replica catches up. A replica
 * catches up from `document_changes` (every document changed after the generation it holds):
 * when PostgreSQL notifies a change, every few seconds (a notification can be lost), before each
 * question (one cheap query, so an upload through one instance is seen by the next question on
 * any other), and on `refresh`. While PostgreSQL is unreachable, questions are answered from the
 * replica as it is, and everything that needs PostgreSQL (writes, document lists, `refresh`, so
 * `/readyz`) fails with `database_unavailable`; the pool reconnects by itself.
 */
import path from 'node:path';
import type { SobreConfig } from '../../config';
import { PgDatabase } from '../../postgres/database';
import { migratePg } from '../../postgres/migrate';
import { PgListener } from '../../postgres/notify';
import type { Language } from '../../text/language';
import type { StemLanguage } from '../../text/tokens';
import { REPLICA_POSITION, type SqliteKnowledge, type SqliteKnowledgeConfig } from '../sqlite/sqlite-knowledge';
import { openReplica, REPLICA_DIR } from './replica';
import type {
  Candidate, CandidateQuery, ChunkInput, ChunkSource, CommitResult, DeleteResult, DocumentInfo, DocumentInput, FaqInput,
  Knowledge, KnowledgeCheck, KnowledgeStats, KnownAnswers, LeaseRelease, SearchTimings, SyncReport, WriteLeaseOptions,
} from '../types';
import { PgKnownAnswers } from './known-answers';
import { KNOWLEDGE_MIGRATIONS } from './schema';
import { CHANGES_TOPIC, PgKnowledgeStore } from './store';
import { pgWriteLease, type PgLease } from './write-lease';

export type PostgresKnowledgeConfig = SqliteKnowledgeConfig & Pick<SobreConfig, 'databaseUrl' | 'databaseSchema'>;

/** Documents per replica batch. */
const PAGE = 500;
/** Catch up this often even without a notification. */
const POLL_MS = 2000;
/** Save the replica's HNSW index at most this often after background catch-ups. */
const FLUSH_MS = 10_000;

export class PostgresKnowledge implements Knowledge {
  readonly location: string;
  private pulling: Promise<unknown> = Promise.resolve();
  /** Changes applied in the background since the last `refresh`. */
  private unreported = { added: 0, removed: 0, changed: false };
  private checking: Promise<void> | null = null;
  /** The last pull failed: questions stop asking PostgreSQL until the poll reaches it again. */
  private unreachable = false;
  private lastFlush = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Write leases held: each holds a pooled connection, given back at close at the latest. */
  private readonly leases = new Set<PgLease>();
  readonly known: KnownAnswers;

  private constructor(
    private readonly db: PgDatabase,
    private readonly store: PgKnowledgeStore,
    private readonly replica: SqliteKnowledge,
    private readonly listener: PgListener,
    /** What opening the replica repaired (its index from its own stored vectors); catching up is not a repair. */
    readonly opened: SyncReport,
    embedder: { id: string; dimension: number },
    config: Pick<SobreConfig, 'hnswM' | 'hnswEfConstruction' | 'hnswEfSearch'>,
  ) {
    this.location = db.location;
    this.known = new PgKnownAnswers(db, embedder, { m: config.hnswM, efConstruction: config.hnswEfConstruction, efSearch: config.hnswEfSearch });
  }

  static async open(config: PostgresKnowledgeConfig, embedder: { id: string; dimension: number }): Promise<PostgresKnowledge> {
    const db = await PgDatabase.open(config.databaseUrl, config.databaseSchema);
    let replica: SqliteKnowledge | null = null;
    let knowledge: PostgresKnowledge | null = null;
    try {
      await migratePg(db, 'knowledge', KNOWLEDGE_MIGRATIONS);
      const store = new PgKnowledgeStore(db, () => knowledge?.leaseHolder() ?? null);
      const knowledgeId = await store.bindEmbedder(embedder);
      replica = await openReplica(path.join(config.dataDir, REPLICA_DIR), config, embedder, knowledgeId);
      const listener = new PgListener(config.databaseUrl, config.databaseSchema);
      const repaired = { ...replica.opened };
      const k = new PostgresKnowledge(db, store, replica, listener, repaired, embedder, config);
      knowledge = k;
      await k.pull();
      repaired.generation = k.position;
      listener.on(CHANGES_TOPIC, () => k.inBackground());
      await listener.start();
      k.timer = setInterval(() => k.inBackground(), POLL_MS);
      k.timer.unref();
      return k;
    } catch (e) {
      await replica?.close();
      await db.close();
      throw e;
    }
  }

  private get position(): number {
    return Number(this.replica.replicaMeta(REPLICA_POSITION) ?? '0');
  }

  /** Apply every change after the replica's position, page by page; one pull at a time. */
  private pull(): Promise<SyncReport | null> {
    const run = this.pulling.then(async (): Promise<SyncReport | null> => {
      let added = 0;
      let removed = 0;
      let changed = false;
      for (;;) {
        if (this.closed) break;
        const from = this.position;
        const { batch, more } = await this.store.changesSince(from, PAGE, (ids) => this.replica.missingChunkIds(ids));
        if (this.closed || batch.position <= from) break;
        const r = this.replica.applyReplica(batch);
        added += r.added;
        removed += r.removed;
        changed = true;
        if (!more) break;
      }
      this.unreachable = false;
      return changed ? { generation: this.position, added, removed } : null;
    });
    this.pulling = run.catch(() => {
      this.unreachable = true;
    });
    return run;
  }

  /** A notification or the poll: catch up, remember what changed for `refresh`, save now and then. */
  private inBackground(): void {
    if (this.closed) return;
    this.pull().then(
      (r) => {
        if (r) this.unreported = { added: this.unreported.added + r.added, removed: this.unreported.removed + r.removed, changed: true };
        if (Date.now() - this.lastFlush > FLUSH_MS) void this.flush();
      },
      () => undefined, // unreachable: the next poll, or the listener's reconnection, tries again
    );
  }

  /** Before a question: one query for the generation; catch up if it moved. Never fails the question. */
  private async catchUp(): Promise<void> {
    if (this.unreachable) return; // answer from the replica as it is; the poll notices PostgreSQL's return
    this.checking ??= (async () => {
      try {
        if ((await this.store.generation()) > this.position) await this.pull();
      } catch {
        this.unreachable = true; // answer from the replica as it is
      } finally {
        this.checking = null;
      }
    })();
    await this.checking;
  }

  async candidates(query: CandidateQuery, k: number, timings?: SearchTimings): Promise<Candidate[]> {
    await this.catchUp();
    return this.replica.candidates(query, k, timings);
  }

  passages(chunkIds: readonly number[]): Promise<ChunkSource[]> {
    return this.replica.passages(chunkIds);
  }

  idf(terms: readonly string[], language?: StemLanguage): Promise<Map<string, number>> {
    return this.replica.idf(terms, language);
  }

  /** As of the replica's last catch-up (each question's search catches up first). */
  languages(): Promise<Partial<Record<Language, number>>> {
    return this.replica.languages();
  }

  async findDocument(source: string): Promise<DocumentInfo | undefined> {
    return (await this.store.documentsWhere('d.source = $1', [source]))[0];
  }

  async getDocument(id: number): Promise<DocumentInfo | undefined> {
    return (await this.store.documentsWhere('d.id = $1', [id]))[0];
  }

  listDocuments(): Promise<DocumentInfo[]> {
    return this.store.documentsWhere('true', []);
  }

  documentsOfFile(file: string): Promise<DocumentInfo[]> {
    return this.store.documentsOfFile(file);
  }

  unchangedFile(file: string, rawHash: string): Promise<DocumentInfo[] | undefined> {
    return this.store.unchangedFile(file, rawHash);
  }

  recordFile(file: string, rawHash: string, documents: number): Promise<void> {
    return this.store.recordFile(file, rawHash, documents);
  }

  knownChunkHashes(hashes: readonly string[]): Promise<Set<string>> {
    return this.store.knownChunkHashes(hashes);
  }

  async commitDocument(doc: DocumentInput, chunks: readonly ChunkInput[], vectors: ReadonlyMap<string, Float32Array>, faq: readonly FaqInput[] = []): Promise<CommitResult> {
    const r = await this.store.replaceDocument(doc, chunks, vectors, faq);
    await this.pullAfterWrite();
    return { documentId: r.documentId, created: r.created, chunksAdded: r.chunksAdded, chunksRemoved: r.chunksRemoved };
  }

  async deleteDocument(id: number): Promise<DeleteResult> {
    const r = await this.store.deleteDocument(id);
    await this.pullAfterWrite();
    return { documentId: id, source: r.source, chunksRemoved: r.chunksRemoved };
  }

  /** The change is committed: if PostgreSQL went away just after, the replica catches up when it is back. */
  private async pullAfterWrite(): Promise<void> {
    await this.pull().catch(() => undefined);
  }

  async writeLease(opts?: WriteLeaseOptions): Promise<LeaseRelease> {
    const lease = await pgWriteLease(this.db, opts);
    this.leases.add(lease);
    return async () => {
      this.leases.delete(lease);
      await lease.release();
    };
  }

  /** The server pid of the connection holding this process's lease, if it holds one. */
  private leaseHolder(): number | null {
    for (const lease of this.leases) return lease.backendPid;
    return null;
  }

  async refresh(): Promise<SyncReport | null> {
    const r = await this.pull();
    const u = this.unreported;
    this.unreported = { added: 0, removed: 0, changed: false };
    if (!r && !u.changed) return null;
    return { generation: this.position, added: u.added + (r?.added ?? 0), removed: u.removed + (r?.removed ?? 0) };
  }

  async flush(): Promise<void> {
    this.lastFlush = Date.now();
    await this.replica.flush();
  }

  check(): Promise<KnowledgeCheck> {
    return this.replica.check();
  }

  async stats(): Promise<KnowledgeStats> {
    return { ...(await this.store.stats()), indexVectors: (await this.replica.stats()).indexVectors };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener.close();
    await this.pulling;
    for (const lease of this.leases) await lease.release();
    try {
      await this.replica.close();
    } finally {
      await this.db.close();
    }
  }
}
