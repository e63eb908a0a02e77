/**
 * One error convention for all of Sobre: a `SobreError` carries a stable `code`.
 * The HTTP status is decided only in `server/`, the exit code only in `scripts/`.
 */
export type ErrorCode =
  | 'bad_config' // a setting has an invalid value
  | 'bad_request' // a request or argument is malformed
  | 'not_found'
  | 'too_large'
  | 'unsupported_format'
  | 'bad_file' // unreadable, binary, empty, broken
  | 'embedder_mismatch' // index built with another embedder
  | 'model_unavailable' // model weights missing (offline)
  | 'store_inconsistent' // store and index disagree and cannot be repaired
  | 'generator_failed'
  | 'generator_timeout'
  | 'circuit_open'
  | 'unauthorized'
  | 'rate_limited'
  | 'cancelled' // the caller gave up (request aborted, shutdown) before the work was committed
  | 'storage_failed' // a file could not be written (full disk, I/O error); what was saved before is kept
  | 'database_unavailable' // the shared database (PostgreSQL) cannot be reached; retry later
  | 'lease_lost' // this process took the store's write lease and lost it (stalled past its expiry): nothing was written; retry
  | 'internal';

export class SobreError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SobreError';
    this.code = code;
    this.details = details;
  }
}

export function isSobreError(e: unknown): e is SobreError {
  return e instanceof SobreError;
}

/** A message for any thrown value, without a stack. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
