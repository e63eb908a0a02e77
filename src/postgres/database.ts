/**
 * Opening PostgreSQL the way every Sobre store uses it: one connection pool per process and
 * schema, every connection's `search_path` set to that schema (so several Sobre deployments, or
 * the evaluation's datasets, can share one database), 64-bit integers read as numbers, and every
 * failure to reach the server turned into a `database_unavailable` SobreError. The pool replaces
 * broken connections by itself: once the server is back, the next query reconnects.
 */
import { Pool, types, type PoolClient, type QueryResultRow } from 'pg';
import { DATABASE_SCHEMA } from '../config';
import { SobreError, errorMessage, isSobreError } from '../errors';

const INT8_OID = 20;
/** Sobre's ids and counters stay far below 2^53: read bigint as a number, not a string. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : types.getTypeParser(oid, format ?? 'text')) as typeof types.getTypeParser,
};

export interface PgOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  /** Create the schema when missing (default true; a read-only user may not). */
  createSchema?: boolean;
  connectionTimeoutMs?: number;
}

/** `postgres://user@host:port/db`, without the password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export function checkSchemaName(schema: string): string {
  if (!DATABASE_SCHEMA.test(schema)) {
    throw new SobreError('bad_config', `Invalid SOBRE_DATABASE_SCHEMA=${JSON.stringify(schema)}: lower-case letters, digits and _ (63 at most), not starting with a digit`, { setting: 'databaseSchema' });
  }
  return schema;
}

/** SQLSTATE classes of a server that is gone or going (08 connection, 57P admin shutdown / crash recovery). */
function isConnectionFailure(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || code.startsWith('57P') || code === '53300') return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN'].includes(code)) return true;
  }
  const message = errorMessage(e);
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect/i.test(message);
}

export class PgDatabase {
  /** `postgres://user@host/db` (no password) and the schema: for messages. */
  readonly location: string;
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    readonly url: string,
    readonly schema: string,
  ) {
    this.location = `${redactUrl(url)} (schema ${schema})`;
  }

  /** A pool on `url` whose connections work in `schema` (created if missing). */
  static async open(url: string, schema: string, opts: PgOptions = {}): Promise<PgDatabase> {
    checkSchemaName(schema);
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new SobreError('bad_config', `Invalid SOBRE_DATABASE_URL: expected postgres://user:password@host:port/database, got ${JSON.stringify(redactUrl(url))}`, { setting: 'databaseUrl' });
    }
    const pool = new Pool({
      connectionString: url,
      options: `-c search_path=${schema}`,
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'sobre',
      types: TYPES,
    });
    // An idle connection the server drops (restart, crash) must not crash the process: the pool
    // discards it, and the next query opens a new one.
    pool.on('error', () => undefined);
    const db = new PgDatabase(pool, url, schema);
    try {
      await db.query(opts.createSchema === false ? 'SELECT 1' : `CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return db;
  }

  /** A failure to reach the server as `database_unavailable`; any other error unchanged. */
  translate(e: unknown): unknown {
    if (isSobreError(e)) return e;
    if (this.closed) return new SobreError('database_unavailable', `The connection to ${this.location} is closed`, undefined, { cause: e });
    if (isConnectionFailure(e)) {
      return new SobreError('database_unavailable', `PostgreSQL at ${redactUrl(this.url)} cannot be reached (${errorMessage(e)}); retry when it is back`, undefined, { cause: e });
    }
    return e;
  }

  async query<R extends QueryResultRow = QueryResultRow>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params as unknown[])).rows;
    } catch (e) {
      throw this.translate(e);
    }
  }

  /** Run `fn` in one transaction on one connection (READ COMMITTED unless `begin` says otherwise). */
  async transaction<T>(fn: (q: Queryable) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const session = await this.session();
    try {
      await session.query(begin);
      const result = await fn(session);
      await session.query('COMMIT');
      return result;
    } catch (e) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw this.translate(e);
    } finally {
      session.end();
    }
  }

  /**
   * A connection of its own until `end`: for a transaction, or what lives with a session (an
   * advisory lock). A connection that failed is not given back for reuse.
   */
  async session(): Promise<PgSession> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.translate(e);
    }
    let broken: unknown;
    // The pool listens for errors only on idle connections: one that dies between two of our
    // queries must not become an unhandled 'error' event (the next query fails instead).
    const onError = (e: unknown) => {
      broken = e;
    };
    client.on('error', onError);
    return {
      query: async <R extends QueryResultRow>(sql: string, params: readonly unknown[] = []) => {
        try {
          return (await client.query<R>(sql, params as unknown[])).rows;
        } catch (e) {
          if (isConnectionFailure(e)) broken ??= e;
          throw this.translate(e);
        }
      },
      end: (discard = false) => {
        client.off('error', onError);
        client.release(broken === undefined ? (discard ? true : undefined) : broken instanceof Error ? broken : true);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** What a transaction's body gets: queries on its own connection. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface PgSession extends Queryable {
  /** Give the connection back (or drop it, if it failed or `discard`: a state it may still hold). Call once. */
  end(discard?: boolean): void;
}
