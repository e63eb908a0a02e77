/**
 * The knowledge interface: the only way the rest of Sobre reaches documents, chunks, their
 * vectors and their term statistics. Implementations (SQLite + FTS5 + hnswlib in `sqlite/`)
 * keep their storage private; `tests/knowledge/contract.ts` holds the behaviour every one of
 * them must show.
 *
 * Consistency promise: a document's change (commit or delete) becomes visible to `candidates`
 * and `passages` in one step, and every chunk a question can be answered from is in both the
 * lexical and the dense index.
 */
import type { Language } from '../text/language';
import type { StemLanguage } from '../text/tokens';

export interface DocumentInfo {
  id: number;
  /** Where the document came from: a file path, or `<file>#<id>` for a JSON Lines record. */
  source: string;
  /** What clients see of where it came from: relative to the folder given to the ingest (or the uploads folder), never a server path. */
  name: string;
  title: string;
  format: string;
  /** sha256 of the title and cleaned text: an unchanged document is not committed again. */
  contentHash: string;
  size: number;
  createdAt: string;
  updatedAt: string;
  chunks: number;
}

export interface DocumentInput {
  source: string;
  name: string;
  title: string;
  format: string;
  contentHash: string;
  size: number;
}

export interface ChunkInput {
  ordinal: number;
  /** sha256 of the chunk text: identical texts are stored (and embedded) once. */
  hash: string;
  text: string;
  /** Character offsets in the document's cleaned text. */
  start: number;
  end: number;
}

export interface CommitResult {
  documentId: number;
  created: boolean;
  /** Distinct chunk texts this change stored (and indexed). */
  chunksAdded: number;
  /** Chunk texts no document uses any more, removed from every index. */
  chunksRemoved: number;
}

export interface DeleteResult {
  documentId: number;
  source: string;
  chunksRemoved: number;
}

/** The question, as each retriever reads it. */
export interface CandidateQuery {
  text: string;
  /** The question's unit vector from the knowledge's embedder. */
  vector: Float32Array;
  /** Which lexical index to match it in, stemmed for this language (default English). */
  language?: StemLanguage;
}

/**
 * A chunk found by either retriever, with both signals: BM25 (0 when the chunk does not match)
 * and the cosine to the question, so fusion never mixes "missing" with "low".
 */
export interface Candidate {
  chunkId: number;
  bm25: number;
  cosine: number;
  lexicalRank: number | null;
  denseRank: number | null;
}

/** Where a search's time went (wall ms), filled in when the caller passes one (benchmarks). */
export interface SearchTimings {
  /** FTS5: the best chunks by BM25, then BM25 of the chunks found densely only. */
  lexicalMs: number;
  /** HNSW: the nearest chunks, then the cosine of the chunks found lexically only. */
  denseMs: number;
}

/** A chunk with the first document that contains it. */
export interface ChunkSource {
  chunkId: number;
  text: string;
  documentId: number;
  title: string;
  source: string;
  name: string;
  /** Offsets of the chunk in its document's cleaned text. */
  start: number;
  end: number;
}

/** Inverse document frequency over chunks of terms stemmed for a language (`text/tokens.ts` `stem`, default English). */
export interface TermStats {
  idf(terms: readonly string[], language?: StemLanguage): Promise<Map<string, number>>;
}

/** What bringing the derived indexes up to the source of truth did. */
export interface SyncReport {
  generation: number;
  /** Vectors put back into the dense index from stored ones (no re-embedding). */
  added: number;
  /** Index entries whose chunk is gone. */
  removed: number;
  /** What an operator should know, each naming the file or setting (e.g. a damaged index file that was rebuilt). */
  warnings?: string[];
}

export interface KnowledgeCheck {
  consistent: boolean;
  storeChunks: number;
  indexVectors: number;
}

export interface KnowledgeStats {
  documents: number;
  chunks: number;
  references: number;
  indexVectors: number;
}

/** Where a known answer comes from: a document's FAQ, an admin's pin, a generated answer kept. Each is also an answer route. */
export const KNOWN_KINDS = ['faq', 'curated', 'cache'] as const;
export type KnownKind = (typeof KNOWN_KINDS)[number];

/** What a generated answer cost, kept with its cache entry (the ledger's counterfactual for a hit). */
export interface KnownGeneration {
  generator: string;
  model: string;
  promptVersion: string;
  promptTokens: number;
  completionTokens: number;
}

/** A cached or curated answer to store (FAQ pairs come with their document: `commitDocument`). */
export interface KnownAnswerInput {
  kind: 'cache' | 'curated';
  /** Who may be answered with it: an API key's name, or '' for everyone. */
  namespace: string;
  question: string;
  /** The question's unit vector from the knowledge's embedder. */
  vector: Float32Array;
  answer: string;
  /** The chunks the answer was built from; the entry goes when any of them goes. */
  citedChunkIds: readonly number[];
  generation?: KnownGeneration;
  expiresAt?: Date | null;
}

/** A question/answer pair found in a document at ingest (offsets in its cleaned text). */
export interface FaqInput {
  question: string;
  vector: Float32Array;
  answer: string;
  answerStart: number;
  answerEnd: number;
}

export interface KnownAnswer {
  id: number;
  kind: KnownKind;
  namespace: string;
  question: string;
  answer: string;
  /** The cited chunks as they are now, each with its first document. */
  citations: ChunkSource[];
  /** FAQ: the answer's offsets in its document. */
  span: { documentId: number; start: number; end: number } | null;
  generation: KnownGeneration | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date;
  hits: number;
}

/** A known question near a new one: what the question matcher compares. */
export interface KnownCandidate {
  id: number;
  kind: KnownKind;
  text: string;
  vector: Float32Array;
}

export interface KnownFilter {
  kind?: KnownKind;
  namespace?: string;
}

/**
 * Known questions with their answers. An entry whose cited chunk is removed is removed in the
 * same step as the chunk; an expired entry is never returned.
 */
export interface KnownAnswers {
  /** The `k` known questions nearest to `vector` among these namespaces (cosine), unexpired. */
  nearest(vector: Float32Array, namespaces: readonly string[], k: number): Promise<KnownCandidate[]>;
  /** The entry, if it still exists, has not expired and all its cited chunks are still there. */
  get(id: number): Promise<KnownAnswer | undefined>;
  /** Store a cached or curated answer; one entry per (kind, namespace, normalised question): a new one replaces it. */
  put(entry: KnownAnswerInput): Promise<KnownAnswer>;
  /** Count a hit (for eviction and the admin list). */
  touch(id: number): Promise<void>;
  list(filter: KnownFilter, page: { limit: number; offset: number }): Promise<KnownAnswer[]>;
  count(filter: KnownFilter): Promise<number>;
  /** Remove matching entries (FAQ pairs only go with their document); returns how many. */
  remove(filter: KnownFilter & { id?: number }): Promise<number>;
  /** Drop expired entries, then the least recently used cache entries beyond `maxCacheEntries`. */
  prune(maxCacheEntries: number): Promise<number>;
}

/** Who holds the write lease, as a waiter is told. */
export interface LeaseHolder {
  /** What the holder said it is, its pid and host: "npm run ingest pid 123 on box". */
  description: string;
  /** When it lapses unless renewed (null: held until its connection closes). */
  expiresAt: Date | null;
}

export interface WriteLeaseOptions {
  /** What this process is, for waiters' messages ("npm run ingest", "service"). */
  holder?: string;
  /** Stop waiting: the promise rejects with `cancelled`. */
  signal?: AbortSignal;
  /** Called once if another process holds the lease, before waiting for it. */
  onWait?: (holder: LeaseHolder) => void;
}

/** Gives the write lease back; idempotent. */
export type LeaseRelease = () => Promise<void>;

export interface Knowledge extends TermStats {
  /** Where it lives, for messages and logs (a folder, or a database without its password). */
  readonly location: string;
  /** What opening repaired (vectors restored into, or removed from, the dense index). */
  readonly opened: SyncReport;
  readonly known: KnownAnswers;

  /** The best `k` chunks of each retriever, each scored on both signals, unranked. */
  candidates(query: CandidateQuery, k: number, timings?: SearchTimings): Promise<Candidate[]>;
  /** The chunks with their first document, in the order of `chunkIds` (missing ones skipped). */
  passages(chunkIds: readonly number[]): Promise<ChunkSource[]>;
  /** How many chunks are in each language (`text/language.ts`, detected from each chunk's text at ingest). */
  languages(): Promise<Partial<Record<Language, number>>>;

  findDocument(source: string): Promise<DocumentInfo | undefined>;
  getDocument(id: number): Promise<DocumentInfo | undefined>;
  listDocuments(): Promise<DocumentInfo[]>;
  /** The documents read from `file`: the file itself, or its JSON Lines records (`file#id`). */
  documentsOfFile(file: string): Promise<DocumentInfo[]>;
  /**
   * The documents of `file` when its raw bytes are those of a complete earlier ingest and all
   * its documents are still there; undefined when the file must be read again.
   */
  unchangedFile(file: string, rawHash: string): Promise<DocumentInfo[] | undefined>;
  /** Remember that all `documents` documents of `file` (these raw bytes) are in. */
  recordFile(file: string, rawHash: string, documents: number): Promise<void>;
  /** Which of these chunk hashes are stored already (so need no embedding). */
  knownChunkHashes(hashes: readonly string[]): Promise<Set<string>>;
  /**
   * Insert or replace a document with its chunks and its FAQ pairs, in one step for every reader.
   * `vectors` holds a vector for every chunk hash not stored yet.
   */
  commitDocument(doc: DocumentInput, chunks: readonly ChunkInput[], vectors: ReadonlyMap<string, Float32Array>, faq?: readonly FaqInput[]): Promise<CommitResult>;
  /** Remove a document and the chunks no other document uses; `not_found` if there is none. */
  deleteDocument(id: number): Promise<DeleteResult>;

  /**
   * One writer at a time across every process using this store (services, their workers,
   * `npm run ingest`): a writer that reads the store, embeds, then commits holds it throughout,
   * so no other writer changes what it read. Not re-entrant. A holder that dies frees it
   * (at once on the same host, or when its lease lapses or its connection closes).
   */
  writeLease(opts?: WriteLeaseOptions): Promise<LeaseRelease>;

  /** Catch up with changes another process committed; null when there were none. */
  refresh(): Promise<SyncReport | null>;
  /** Persist derived indexes (they are rebuilt from the source of truth if this is skipped). */
  flush(): Promise<void>;
  /** Whether every stored chunk is in the dense index and nothing else is. */
  check(): Promise<KnowledgeCheck>;
  stats(): Promise<KnowledgeStats>;
  /** Flushes, then releases everything. Idempotent. */
  close(): Promise<void>;
}
