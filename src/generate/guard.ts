/**
 * One attempt's abort signal: aborts when the caller's signal aborts (cancelled) or when the attempt's timer
 * fires (timed out), and remembers which. The timer can be paused (`disarm`) while a streamed token is being
 * handed to a slow consumer, and re-armed before waiting for the next one (idle timeout).
 */
import { SobreError } from '../errors';

export class AttemptGuard {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort = () => this.controller.abort(this.caller?.reason);
  timedOut = false;

  constructor(
    private readonly caller: AbortSignal | undefined,
    private readonly timeoutMs: number,
  ) {
    if (caller?.aborted) this.controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The caller gave up (not a fault of the generator). */
  get cancelled(): boolean {
    return this.caller?.aborted === true && !this.timedOut;
  }

  /** (Re)start the timer. */
  arm(): void {
    this.disarm();
    if (this.controller.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error(`Generator timed out after ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Stop the timer, detach from the caller and abort whatever is still running (closes an unfinished stream). */
  dispose(): void {
    this.disarm();
    this.caller?.removeEventListener('abort', this.onCallerAbort);
    if (!this.controller.signal.aborted) this.controller.abort(new Error('Attempt finished'));
  }
}

export function cancelledError(model: string, cause?: unknown): SobreError {
  return new SobreError('generator_failed', 'The generator call was cancelled by the caller', { cancelled: true, model }, { cause });
}

export function timeoutError(model: string, timeoutMs: number, details: Record<string, unknown> = {}): SobreError {
  return new SobreError('generator_timeout', `The generator (${model}) did not answer within ${timeoutMs} ms`, { model, timeoutMs, ...details });
}
