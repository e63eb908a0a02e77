/**
 * The write lease of a SQLite store: one row in `write_lease` (in the store's own database, so
 * every process over the data folder sees it) naming its holder, pid, host and expiry. It is
 * taken in a short BEGIN IMMEDIATE transaction when the row is absent, expired, or held by a
 * pid on this host that no longer runs; otherwise the taker polls. The holder renews it well
 * before it lapses, and releasing deletes its own row only. So a holder killed with -9 frees
 * it at once for processes on its host, and after LEASE_TTL_MS for any other.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Database as Db } from 'better-sqlite3';
import { describeHolder, LEASE_POLL_MS, pause, throwIfCancelled } from '../lease';
import type { LeaseHolder, LeaseRelease, WriteLeaseOptions } from '../types';

/** A holder that stops renewing (frozen, or on another host and dead) loses the lease after this. */
export const LEASE_TTL_MS = 30_000;
export const LEASE_RENEW_MS = 5_000;

interface LeaseRow {
  holder: string;
  pid: number;
  host: string;
  expires_ms: number;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** Whether `row` still holds the lease (for a process on this host: only while it runs). */
function live(row: LeaseRow, now: number): boolean {
  if (row.expires_ms <= now) return false;
  return row.host !== os.hostname() || row.pid === process.pid || running(row.pid);
}

export class SqliteWriteLease {
  constructor(
    private readonly db: Db,
    private readonly timing = { ttlMs: LEASE_TTL_MS, renewMs: LEASE_RENEW_MS },
  ) {}

  /** Who holds the lease, if anyone still does. */
  private holder(now: number): LeaseHolder | null {
    const row = this.db.prepare('SELECT holder, pid, host, expires_ms FROM write_lease WHERE id = 1').get() as LeaseRow | undefined;
    return row && live(row, now) ? { description: row.holder, expiresAt: new Date(row.expires_ms) } : null;
  }

  /** Take the lease if it is free: null when taken, else who holds it. Waiters only read. */
  private tryTake(token: string, description: string): LeaseHolder | null {
    const held = this.holder(Date.now());
    if (held) return held;
    return this.db.transaction((): LeaseHolder | null => {
      const now = Date.now();
      const holder = this.holder(now);
      if (holder) return holder;
      this.db
        .prepare('INSERT OR REPLACE INTO write_lease (id, token, holder, pid, host, expires_ms) VALUES (1, ?, ?, ?, ?, ?)')
        .run(token, description, process.pid, os.hostname(), now + this.timing.ttlMs);
      return null;
    }).immediate();
  }

  async acquire(opts: WriteLeaseOptions = {}): Promise<LeaseRelease> {
    const token = randomUUID();
    const description = describeHolder(opts.holder);
    let told = false;
    for (;;) {
      throwIfCancelled(opts.signal);
      const holder = this.tryTake(token, description);
      if (!holder) break;
      if (!told) opts.onWait?.(holder);
      told = true;
      await pause(LEASE_POLL_MS, opts.signal);
    }
    const renew = setInterval(() => {
      try {
        if (this.db.open) this.db.prepare('UPDATE write_lease SET expires_ms = ? WHERE token = ?').run(Date.now() + this.timing.ttlMs, token);
      } catch {
        // busy for longer than the busy timeout: the next renewal, well within the TTL, tries again
      }
    }, this.timing.renewMs);
    renew.unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(renew);
      if (this.db.open) this.db.prepare('DELETE FROM write_lease WHERE token = ?').run(token);
    };
  }
}
