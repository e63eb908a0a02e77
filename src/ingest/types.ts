/** A document as read from disk, before chunking. */
export interface LoadedDocument {
  /** Stable identity of the document: the absolute file path, or `path#id` for a JSONL line. */
  source: string;
  title: string;
  /** Cleaned text; chunk offsets point into this string. */
  text: string;
  format: DocumentFormat;
  /** Question/answer pairs the source marks as such (JSON Lines `question`/`answer` fields). */
  faq?: FaqSpan[];
}

/** A question and where its answer lies in `LoadedDocument.text`. */
export interface FaqSpan {
  question: string;
  answerStart: number;
  answerEnd: number;
}

export type DocumentFormat = 'md' | 'txt' | 'html' | 'pdf' | 'jsonl';

/** Why a file was not ingested; ingest summaries group files by it. */
export type SkipReason = 'unsupported type' | 'template' | 'too large' | 'binary' | 'empty' | 'unreadable' | 'broken';

/** A file (or one JSONL line) that could not be read, with why. */
export interface LoadFailure {
  path: string;
  reason: string;
  /** Set when the whole file was left out (not for a bad JSONL line). */
  skip?: SkipReason;
}

/** A file left out on purpose, which is not a failure: a template, or an unsupported type found in a folder. */
export interface SkippedFile {
  path: string;
  reason: SkipReason;
  detail: string;
}

/** Files not ingested, grouped by reason. */
export interface SkippedGroup {
  reason: SkipReason;
  files: string[];
}

export interface LoadResult {
  documents: LoadedDocument[];
  failures: LoadFailure[];
  skipped: SkippedFile[];
}

/** A piece of a document, with its character offsets in `LoadedDocument.text`. */
export interface Chunk {
  ordinal: number;
  text: string;
  start: number;
  end: number;
  /** sha256 of the chunk text, hex. */
  hash: string;
}
