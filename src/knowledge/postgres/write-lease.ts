/**
 * The write lease of a PostgreSQL knowledge: a session-level advisory lock, keyed by the schema
 * (several Sobre deployments may share a database), held on a connection of its own until
 * release. PostgreSQL frees it when that connection ends, so a holder killed with -9 frees it
 * as soon as the server sees its connection close. `pg_try_advisory_lock` is polled, so a
 * waiter can give up; the holder is named by its connection's `application_name`.
 */
import { SobreError } from '../../errors';
import type { PgDatabase, PgSession, Queryable } from '../../postgres/database';
import { describeHolder, LEASE_POLL_MS, pause, throwIfCancelled } from '../lease';
import type { LeaseHolder, LeaseRelease, WriteLeaseOptions } from '../types';

const KEY = "hashtext('sobre write lease'), hashtext(current_schema())";
/** The row of `pg_locks` (aliased `l`) for that lock, when some connection holds it. */
const HELD = `l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.classid = hashtext('sobre write lease')::oid AND l.objid = hashtext(current_schema())::oid
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
/** PostgreSQL keeps the first 63 bytes of an application_name. */
const NAME_BYTES = 63;

async function holderOf(session: PgSession): Promise<LeaseHolder> {
  const [row] = await session.query<{ name: string; pid: number }>(
    `SELECT a.application_name AS name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE ${HELD}`,
  );
  const description = !row ? 'another process' : row.name ? row.name : `a connection (server pid ${row.pid})`;
  return { description, expiresAt: null };
}

/**
 * Inside a write transaction: the lease taken by the connection whose server pid is `backendPid`
 * is still held (a lease connection that dropped lost the lock, and another writer may have it).
 */
export async function assertLeaseHeld(q: Queryable, backendPid: number): Promise<void> {
  const rows = await q.query(
    `SELECT 1 FROM pg_locks l WHERE ${HELD} AND l.pid = $1`,
    [backendPid],
  );
  if (rows.length === 0) {
    throw new SobreError('lease_lost', 'This process lost the store\'s write lease (its connection to PostgreSQL ended): nothing was written; send the change again');
  }
}

export interface PgLease {
  release: LeaseRelease;
  /** The server pid of the connection holding the lock. */
  backendPid: number;
}

export async function pgWriteLease(db: PgDatabase, opts: WriteLeaseOptions = {}): Promise<PgLease> {
  throwIfCancelled(opts.signal);
  const session = await db.session();
  let backendPid: number;
  try {
    [{ pid: backendPid }] = await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const name = Buffer.from(describeHolder(opts.holder)).subarray(0, NAME_BYTES).toString().replace(/\uFFFD$/, '');
    await session.query("SELECT set_config('application_name', $1, false)", [name]);
    let told = false;
    for (;;) {
      const [{ ok }] = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${KEY}) AS ok`);
      if (ok) break;
      if (!told) opts.onWait?.(await holderOf(session));
      told = true;
      await pause(LEASE_POLL_MS, opts.signal);
    }
  } catch (e) {
    session.end();
    throw e;
  }
  let released = false;
  const release: LeaseRelease = async () => {
    if (released) return;
    released = true;
    let discard = false;
    try {
      await session.query(`SELECT pg_advisory_unlock(${KEY}), set_config('application_name', '', false)`);
    } catch {
      // Gone, the lock with it; or it failed otherwise, and the connection may still hold the lock.
      discard = true;
    } finally {
      session.end(discard);
    }
  };
  return { release, backendPid };
}
