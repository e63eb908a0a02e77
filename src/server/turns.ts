/**
 * Questions take turns on the one JS thread, and writers commit between them.
 *
 * - `turn`: questions start one per event-loop turn, first come first served. A question is
 *   milliseconds of CPU; libuv accepts one new connection per turn and a turn runs every request
 *   that is ready, so under load without this a turn lasts (clients × a question) and new
 *   clients wait seconds to be accepted while connected ones are served.
 * - `quiet`: background work (embedding an upload) goes on when no question is waiting, or
 *   after a bounded wait so it still progresses under constant load.
 * - `drained`: a writer commits when no question is between its turn and its answer, so every
 *   chunk an answer cites still exists when it is sent (a question held longer than the bound,
 *   such as a generator call, may cite a chunk an update removed meanwhile; its text is in the
 *   answer). Resolved in a microtask, so no question can start before the commit that follows.
 */
import { SobreError } from '../errors';
import type { Release } from './gate';

function waitBounded(waiters: Set<() => void>, maxWaitMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, maxWaitMs);
    waiters.add(done);
  });
}

function notify(waiters: Set<() => void>): void {
  for (const w of [...waiters]) w();
}

export class TurnQueue {
  private readonly waiting: { go: () => void }[] = [];
  private readonly quietWaiters = new Set<() => void>();
  private readonly drainWaiters = new Set<() => void>();
  private active = 0;
  private scheduled = false;

  constructor(readonly maxWaiting: number) {}

  /** Questions waiting for their turn. */
  get length(): number {
    return this.waiting.length;
  }

  /** Questions between their turn and their release. */
  get inFlight(): number {
    return this.active;
  }

  /**
   * Resolves on a later event-loop turn, after every earlier caller, with the release to call
   * once the answer is sent. Rejects when the line is full or `signal` aborts.
   */
  turn(signal?: AbortSignal): Promise<Release> {
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(new SobreError('circuit_open', `Too many questions waiting (${this.waiting.length}); retry shortly`, { overloaded: true }));
    }
    return new Promise<Release>((resolve, reject) => {
      const entry = {
        go: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new SobreError('bad_request', 'The request ended while waiting for its turn', { cancelled: true }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.schedule();
    });
  }

  /** Once no question waits for its turn (or after `maxWaitMs`); always on a later turn. */
  quiet(maxWaitMs: number): Promise<void> {
    if (this.waiting.length === 0) return new Promise((resolve) => setImmediate(resolve));
    return waitBounded(this.quietWaiters, maxWaitMs);
  }

  /** Once no question is in flight (or after `maxWaitMs`); at once, in a microtask, if none is. */
  drained(maxWaitMs: number): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return waitBounded(this.drainWaiters, maxWaitMs);
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      if (this.active === 0) notify(this.drainWaiters);
    };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()?.go();
      if (this.waiting.length > 0) this.schedule();
      else notify(this.quietWaiters);
    });
  }
}
