/**
 * Two small concurrency tools (questions' turns are in turns.ts):
 * - `Mutex`: one writer at a time (uploads, deletions), FIFO. See documents.ts for why.
 * - `Semaphore`: at most N generator calls at once, a bounded FIFO queue behind them, and
 *   `busy` beyond that; `gateGenerator` wraps a Generator with it.
 */
import { SobreError } from '../errors';
import type { GenerateEvent, GenerateRequest, GenerateResult, Generator } from '../generate/types';

/** A lock another party keeps (a cluster's primary, the knowledge's store), taken for each turn. */
export type Lease = (signal?: AbortSignal) => Promise<() => void | Promise<void>>;

export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** `leases`: locks shared with other processes, taken in this order during each turn and given back in reverse. */
  constructor(private readonly leases: readonly Lease[] = []) {}

  /**
   * Run `fn` after every earlier `run` has settled, holding the leases. `signal` aborting while
   * a lease is awaited rejects with `cancelled` (and `fn` never runs).
   */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.waiting++;
    const result = this.tail.then(() => this.holding(0, fn, signal));
    this.tail = result.then(
      () => void this.waiting--,
      () => void this.waiting--,
    );
    return result;
  }

  private async holding<T>(i: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (i === this.leases.length) return fn();
    const release = await this.leases[i](signal);
    try {
      return await this.holding(i + 1, fn, signal);
    } finally {
      await release();
    }
  }

  /** Holders and waiters. */
  get pending(): number {
    return this.waiting;
  }

  /** Resolves once everything queued so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}

export type Release = () => void;

export class Semaphore {
  private active = 0;
  private readonly queue: { grant: (r: Release) => void; fail: (e: unknown) => void }[] = [];

  constructor(
    readonly max: number,
    readonly maxQueue: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** A slot, waiting in line if needed; rejects with `circuit_open` when the line is full, or when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new SobreError('circuit_open', `the generator is busy (${this.max} running, ${this.queue.length} waiting)`, { busy: true }));
    }
    return new Promise<Release>((resolve, reject) => {
      const entry = {
        grant: (r: Release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        fail: reject,
      };
      const onAbort = () => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new SobreError('generator_failed', 'cancelled while waiting for the generator', { cancelled: true }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next.grant(this.releaser());
      else this.active--;
    };
  }
}

/**
 * The generator behind a semaphore. A full queue makes the call fail; AskService then answers
 * with the passages and a notice (route `passages`), so an overloaded LLM never costs a 5xx.
 */
export function gateGenerator(inner: Generator, sem: Semaphore): Generator {
  return {
    kind: inner.kind,
    model: inner.model,
    async generate(req: GenerateRequest): Promise<GenerateResult> {
      const release = await sem.acquire(req.signal);
      try {
        return await inner.generate(req);
      } finally {
        release();
      }
    },
    async *stream(req: GenerateRequest): AsyncIterable<GenerateEvent> {
      const release = await sem.acquire(req.signal);
      try {
        yield* inner.stream(req);
      } finally {
        release();
      }
    },
  };
}
