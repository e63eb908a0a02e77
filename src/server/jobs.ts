/**
 * Writes (uploads, deletions) as jobs. Each runs under the writer lock, one at a time, FIFO.
 * A job belongs to its request until the request hands it off (documents.ts answers 202 with
 * the job when the work outlives the request's deadline): while it belongs to the request, the
 * request going away cancels it. A cancelled job that has not started is skipped; a running one
 * stops between embedding batches (ingest/pipeline.ts checks its signal), so nothing half-done
 * is committed; documents committed before stay. Jobs are kept in memory (an hour, at most
 * 1,000 finished ones): `GET /v1/jobs/:id` reads them, and a restart forgets them.
 */
import { randomUUID } from 'node:crypto';
import type { Mutex } from './gate';
import { problemOf } from './problem';

export type JobKind = 'upload' | 'delete';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  filesDone: number;
  filesTotal: number;
  /** Passages embedded so far (their documents are committed one by one as they complete). */
  passagesEmbedded: number;
}

export interface JobView {
  id: string;
  kind: JobKind;
  status: JobStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  progress: JobProgress;
  /** What the request would have answered (for an upload: every file's result, also when it failed or was cancelled). */
  result?: unknown;
  error?: { status: number; code: string; detail: string };
}

const KEEP_MS = 60 * 60 * 1000;
const KEEP_FINISHED = 1000;

export class Job {
  readonly id = randomUUID();
  readonly createdAt = new Date();
  status: JobStatus = 'queued';
  startedAt?: Date;
  finishedAt?: Date;
  readonly progress: JobProgress;
  result?: unknown;
  /** What the work threw (the request answers with it). */
  thrown?: unknown;
  private readonly controller = new AbortController();
  private settle!: () => void;
  /** Resolves when the job is succeeded, failed or cancelled. */
  readonly done = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(readonly kind: JobKind, filesTotal: number) {
    this.progress = { filesDone: 0, filesTotal, passagesEmbedded: 0 };
  }

  /** Aborts when the job is cancelled: the work stops at its next check. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get finished(): boolean {
    return this.status === 'succeeded' || this.status === 'failed' || this.status === 'cancelled';
  }

  /** Skip it if it has not started; otherwise stop it between embedding batches. */
  cancel(reason: string): void {
    if (this.finished) return;
    this.controller.abort(reason);
    if (this.status === 'queued') this.finish('cancelled');
  }

  finish(status: 'succeeded' | 'failed' | 'cancelled'): void {
    this.status = status;
    this.finishedAt = new Date();
    this.settle();
  }

  view(): JobView {
    const v: JobView = { id: this.id, kind: this.kind, status: this.status, createdAt: this.createdAt.toISOString(), progress: { ...this.progress } };
    if (this.startedAt) v.startedAt = this.startedAt.toISOString();
    if (this.finishedAt) v.finishedAt = this.finishedAt.toISOString();
    if (this.result !== undefined) v.result = this.result;
    if (this.status === 'cancelled') {
      v.error = { status: 409, code: 'cancelled', detail: `Cancelled (${String(this.signal.reason)}) before it was done; documents committed before stay` };
    } else if (this.thrown !== undefined) {
      const p = problemOf(this.thrown);
      v.error = { status: p.status, code: p.code, detail: p.detail };
    }
    return v;
  }
}

export class JobQueue {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly writer: Mutex) {}

  /**
   * Queue `work` behind the writer lock. It runs unless the job is cancelled first; what it
   * returns is the job's result, what it throws its error (an upload whose files all failed
   * throws with the results in `job.result`).
   */
  submit(kind: JobKind, filesTotal: number, work: (job: Job) => Promise<unknown>): Job {
    this.forgetOld();
    const job = new Job(kind, filesTotal);
    this.jobs.set(job.id, job);
    void this.writer.run(async () => {
      if (job.finished) return; // cancelled while queued: skipped
      job.status = 'running';
      job.startedAt = new Date();
      try {
        job.result = await work(job);
        job.finish(job.signal.aborted ? 'cancelled' : 'succeeded');
      } catch (e) {
        job.thrown = e;
        job.finish(job.signal.aborted ? 'cancelled' : 'failed');
      }
    }, job.signal).catch((e: unknown) => {
      // The write lease was not taken: cancelled while waiting for it (already finished), or unreachable.
      if (job.finished) return;
      job.thrown = e;
      job.finish('failed');
    });
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Cancel every job not finished (shutdown); how many there were. */
  cancelAll(reason: string): number {
    let n = 0;
    for (const job of this.jobs.values()) {
      if (job.finished) continue;
      job.cancel(reason);
      n++;
    }
    return n;
  }

  private forgetOld(): void {
    const now = Date.now();
    const finished = [...this.jobs.values()].filter((j) => j.finished);
    for (const [i, job] of finished.entries()) {
      if (now - (job.finishedAt?.getTime() ?? now) > KEEP_MS || finished.length - i > KEEP_FINISHED) this.jobs.delete(job.id);
    }
  }
}
