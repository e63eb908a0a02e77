/**
 * A serving worker's side of the cluster (cluster.ts): what several processes over one data
 * folder must share goes through the primary. The write lease makes uploads, deletions and
 * ingests one at a time across processes (SQLite would otherwise make a second writer wait, then
 * fail with SQLITE_BUSY); the rate-limit counters are the primary's, so a limit holds for the
 * service, not per process; a job (kept in its worker's memory) is found from any worker;
 * /metrics on any worker shows every worker's metrics combined.
 */
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { SobreError } from '../errors';
import { throwIfCancelled } from '../knowledge/lease';
import type { Release } from './gate';
import type { JobView } from './jobs';

export type LimitOp = 'increment' | 'decrement' | 'resetKey';

/** Messages between a worker and the primary; `sobre` tells them from Node's own. */
export type ToPrimary =
  | { sobre: 'ready'; url: string; port: number }
  | { sobre: 'lease'; id: number }
  | { sobre: 'release'; id: number }
  | { sobre: 'limit'; id: number; limiter: string; windowMs: number; op: LimitOp; key: string }
  | { sobre: 'job'; id: number; job: string }
  | { sobre: 'jobView'; id: number; view: JobView | null }
  | { sobre: 'metrics'; id: number }
  | { sobre: 'metricsPart'; id: number; metrics: object[] };
export type ToWorker =
  | { sobre: 'granted'; id: number }
  | { sobre: 'limit'; id: number; totalHits: number; resetMs: number | null }
  | { sobre: 'job'; id: number; view: JobView | null }
  | { sobre: 'findJob'; id: number; job: string }
  | { sobre: 'metrics'; id: number; contentType: string; body: string }
  | { sobre: 'collectMetrics'; id: number };

export function isToWorker(m: unknown): m is ToWorker {
  return typeof m === 'object' && m !== null && 'sobre' in m && 'id' in m;
}

type Channel = Pick<NodeJS.Process, 'send' | 'on'>;

export class ClusterClient {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (m: ToWorker) => void; reject: (e: unknown) => void }>();
  private gone = false;
  private jobs: (id: string) => JobView | null = () => null;
  private metricsJson: () => Promise<object[]> = async () => [];

  constructor(private readonly channel: Channel = process) {
    channel.on('message', (m: unknown) => {
      if (!isToWorker(m)) return;
      if (m.sobre === 'findJob') {
        if (!this.gone) this.send({ sobre: 'jobView', id: m.id, view: this.jobs(m.job) });
        return;
      }
      if (m.sobre === 'collectMetrics') {
        void this.metricsJson().catch(() => []).then((metrics) => {
          if (!this.gone) this.send({ sobre: 'metricsPart', id: m.id, metrics });
        });
        return;
      }
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m);
    });
    channel.on('disconnect', () => {
      this.gone = true;
      const e = new SobreError('internal', 'The primary process is gone');
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  private send(m: ToPrimary): void {
    if (this.gone || !this.channel.send) throw new SobreError('internal', 'The primary process is gone');
    this.channel.send(m);
  }

  private request(make: (id: number) => ToPrimary): Promise<ToWorker> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      try {
        this.pending.set(id, { resolve, reject });
        this.send(make(id));
      } catch (e) {
        this.pending.delete(id);
        reject(e);
      }
    });
  }

  /** Tell the primary this worker serves (it logs `listening` once all have). */
  ready(url: string, port: number): void {
    this.send({ sobre: 'ready', url, port });
  }

  /**
   * The cluster's write lease, held by one worker at a time (the primary frees it if its holder
   * dies). Giving up while waiting (`signal`) withdraws the request.
   */
  async lease(signal?: AbortSignal): Promise<Release> {
    throwIfCancelled(signal);
    let id = 0;
    const granted = this.request((n) => ({ sobre: 'lease', id: (id = n) }));
    const onAbort = () => {
      const p = this.pending.get(id);
      if (!p) return; // granted already
      this.pending.delete(id);
      if (!this.gone) this.send({ sobre: 'release', id }); // withdrawn (or given back, if the grant is on its way)
      p.reject(new SobreError('cancelled', 'Cancelled while waiting for the write lease'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await granted;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    let released = false;
    return () => {
      if (released || this.gone) return;
      released = true;
      this.send({ sobre: 'release', id });
    };
  }

  /** Answer the other workers' questions about this worker's jobs with `lookup`. */
  serveJobs(lookup: (id: string) => JobView | null): void {
    this.jobs = lookup;
  }

  /** Another worker's job, by id (null: no worker has it). */
  async findJob(job: string): Promise<JobView | null> {
    const m = await this.request((id) => ({ sobre: 'job', id, job }));
    return m.sobre === 'job' ? m.view : null;
  }

  /** Answer the primary's collection of metrics with this worker's (prom-client `getMetricsAsJSON`). */
  serveMetrics(json: () => Promise<object[]>): void {
    this.metricsJson = json;
  }

  /** Every worker's metrics, combined by the primary (counters summed; see metrics.ts). */
  async metrics(): Promise<{ contentType: string; body: string }> {
    const m = await this.request((id) => ({ sobre: 'metrics', id }));
    if (m.sobre !== 'metrics') throw new SobreError('internal', `Unexpected answer from the primary: ${m.sobre}`);
    return { contentType: m.contentType, body: m.body };
  }

  /** An express-rate-limit store whose counters live in the primary, one set per `limiter`. */
  rateLimitStore(limiter: string): Store {
    let windowMs = 60_000;
    const call = async (op: LimitOp, key: string): Promise<ClientRateLimitInfo> => {
      const m = await this.request((id) => ({ sobre: 'limit', id, limiter, windowMs, op, key }));
      if (m.sobre !== 'limit') throw new SobreError('internal', `Unexpected answer from the primary: ${m.sobre}`);
      return { totalHits: m.totalHits, resetTime: m.resetMs === null ? undefined : new Date(m.resetMs) };
    };
    return {
      localKeys: false,
      init: (options: Options) => void (windowMs = options.windowMs),
      increment: (key) => call('increment', key),
      decrement: async (key) => void (await call('decrement', key)),
      resetKey: async (key) => void (await call('resetKey', key)),
    };
  }
}
