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
import type { Database as Db, Statement } from 'better-sqlite3';
import { SobreError } from '../../errors';
import { alive as running } from '../../index/hnsw-index';
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

/** Whether `row` still holds the lease (for a process on this host: only while it runs). */
function live(row: LeaseRow, now: number): boolean {
  if (row.expires_ms <= now) return false;
  return row.host !== os.hostname() || row.pid === process.pid || running(row.pid);
}

export class SqliteWriteLease {
  /** The lease this process holds over this store, if any: its token and how to give it back. */
  private held: { token: string; release: LeaseRelease } | null = null;

  /** `stmt`: the store's statement cache (a statement compiled once per store). */
  constructor(
    private readonly db: Db,
    private readonly stmt: (sql: string) => Statement = (sql) => db.prepare(sql),
    private readonly timing = { ttlMs: LEASE_TTL_MS, renewMs: LEASE_RENEW_MS },
  ) {}

  /** Who holds the lease, if anyone still does. */
  private holder(now: number): LeaseHolder | null {
    const row = this.stmt('SELECT holder, pid, host, expires_ms FROM write_lease WHERE id = 1').get() as LeaseRow | undefined;
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
      this
        .stmt('INSERT OR REPLACE INTO write_lease (id, token, holder, pid, host, expires_ms) VALUES (1, ?, ?, ?, ?, ?)')
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
        if (this.db.open) this.stmt('UPDATE write_lease SET expires_ms = ? WHERE token = ?').run(Date.now() + this.timing.ttlMs, token);
      } catch {
        // busy for longer than the busy timeout: the next renewal, well within the TTL, tries again
      }
    }, this.timing.renewMs);
    renew.unref();
    let released = false;
    const release: LeaseRelease = async () => {
      if (released) return;
      released = true;
      clearInterval(renew);
      if (this.held?.token === token) this.held = null;
      try {
        if (this.db.open) this.stmt('DELETE FROM write_lease WHERE token = ?').run(token);
      } catch {
        // busy past the busy timeout: what was written is committed, and the row lapses within the TTL
      }
    };
    this.held = { token, release };
    return release;
  }

  /**
   * Inside a write transaction (which holds SQLite's write lock, so the lease row cannot change
   * meanwhile): a process that took the lease writes only while it still holds it. A holder that
   * stalled past its expiry (a long synchronous commit, a stopped process) may have been replaced.
   */
  assertHeld(): void {
    if (!this.held) return;
    if (this.stmt('SELECT 1 FROM write_lease WHERE token = ?').get(this.held.token)) return;
    throw new SobreError('lease_lost', 'This process lost the store\'s write lease (it stalled for longer than the lease lasts, and another writer took it): nothing was written; send the change again');
  }

  /** At close: give back what this process still holds. */
  async releaseHeld(): Promise<void> {
    await this.held?.release();
  }
}
