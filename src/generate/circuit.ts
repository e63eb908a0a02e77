/**
 * A small circuit breaker for the generator server.
 *
 * closed ──(N consecutive failed calls)──▶ open ──(cool-down elapsed)──▶ half-open ──(trial ok)──▶ closed
 *                                          ▲                                  │
 *                                          └──────────(trial failed)──────────┘
 *
 * While open, and while the half-open trial call is in flight, calls fail fast with `SobreError('circuit_open')`.
 * A "call" is a whole generator call (after its retries), not an HTTP attempt.
 */
import { SobreError } from '../errors';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitOptions {
  /** Consecutive failed calls that open the circuit. Default 5. */
  failureThreshold?: number;
  /** Time the circuit stays open before one trial call is let through. Default 30 s. */
  cooldownMs?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
  /** Names the protected dependency in error messages. */
  name?: string;
}

export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly name: string;
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(opts: CircuitOptions = {}) {
    this.failureThreshold = Math.max(1, opts.failureThreshold ?? 5);
    this.cooldownMs = Math.max(0, opts.cooldownMs ?? 30_000);
    this.now = opts.now ?? Date.now;
    this.name = opts.name ?? 'generator';
  }

  get state(): CircuitState {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half_open' : 'open';
  }

  /** Consecutive failed calls so far (reset by a success). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * Ask to make a call: returns when allowed, throws `circuit_open` otherwise. Every allowed call must end
   * with exactly one of `onSuccess`, `onFailure` or `release`.
   */
  acquire(): void {
    const state = this.state;
    if (state === 'closed') return;
    if (state === 'half_open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return;
    }
    const retryInMs = state === 'open' && this.openedAt !== null ? this.cooldownMs - (this.now() - this.openedAt) : this.cooldownMs;
    throw new SobreError(
      'circuit_open',
      `The ${this.name} failed ${this.failures} times in a row; not calling it for now (retry in ${Math.max(0, Math.ceil(retryInMs / 1000))} s)`,
      { state, consecutiveFailures: this.failures, retryInMs: Math.max(0, retryInMs) },
    );
  }

  onSuccess(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  onFailure(): void {
    this.failures++;
    if (this.trialInFlight || this.failures >= this.failureThreshold) this.openedAt = this.now();
    this.trialInFlight = false;
  }

  /** The call ended with no verdict on the dependency's health (e.g. cancelled by the caller). */
  release(): void {
    this.trialInFlight = false;
  }
}
