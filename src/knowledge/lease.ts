/**
 * What both write-lease implementations share (sqlite/write-lease.ts, postgres/write-lease.ts):
 * how a holder is named to waiters, and the abortable pause between two attempts.
 */
import os from 'node:os';
import path from 'node:path';
import { SobreError } from '../errors';

/** Between two attempts to take a lease someone else holds. */
export const LEASE_POLL_MS = 100;

/** "npm run ingest pid 123 on box"; without `holder`, the script's file name. */
export function describeHolder(holder?: string): string {
  const what = holder ?? (process.argv[1] ? path.basename(process.argv[1], '.js') : 'node');
  return `${what} pid ${process.pid} on ${os.hostname()}`;
}

function cancelled(): SobreError {
  return new SobreError('cancelled', 'Cancelled while waiting for the write lease');
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

/** Wait `ms`, or reject with `cancelled` as soon as `signal` aborts. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  throwIfCancelled(signal);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
