/**
 * The configured embedder on every core: worker threads, each loading its own copy of the model
 * (USE-lite runs TensorFlow.js on WebAssembly, one thread per model), fed batches from one queue.
 * Same id and vectors as the model in this thread. Ingestion uses it (embedding is 98% of its
 * cost); a question stays in the asking thread, where a message round trip would only add delay.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SobreConfig } from '../config';
import { SobreError, errorMessage } from '../errors';
import type { Embedder, EmbedRole } from './types';

export type PoolConfig = Pick<SobreConfig, 'embedder' | 'embedBatchSize' | 'localFilesOnly' | 'modelCacheDir'>;

/** Messages between the pool and its workers (pool-worker.ts). */
export type ToWorker = { id: number; texts: string[]; role?: EmbedRole };
export type FromWorker =
  | { type: 'ready'; id: string; dimension: number }
  | { type: 'done'; id: number; vectors: Float32Array[] }
  | { type: 'failed'; id: number | null; message: string };

// Compiled, the worker sits beside this file; under ts-jest (sources only) the build's copy runs.
const WORKER_FILE = [path.join(__dirname, 'pool-worker.js'), path.join(__dirname, '..', '..', 'dist', 'src', 'embed', 'pool-worker.js')].find((f) => fs.existsSync(f));

interface Task {
  id: number;
  texts: string[];
  role?: EmbedRole;
  resolve: (v: Float32Array[]) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: Task | null;
}

export class EmbedderPool implements Embedder {
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  private constructor(
    readonly id: string,
    readonly dimension: number,
    private readonly slots: Slot[],
    private readonly batchSize: number,
  ) {
    for (const slot of slots) {
      slot.worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
      slot.worker.on('error', (e) => this.onExit(slot, e));
      slot.worker.on('exit', (code) => this.onExit(slot, new Error(`embedding thread exited with code ${code}`)));
    }
  }

  /** Starts `threads` workers and waits until each has loaded the model. */
  static async create(config: PoolConfig, threads: number): Promise<EmbedderPool> {
    if (!WORKER_FILE) throw new SobreError('internal', 'The embedding thread script is missing: run npm run build');
    const workers = Array.from({ length: threads }, () => new Worker(WORKER_FILE, { workerData: config }));
    try {
      const ready = await Promise.all(workers.map((w) => new Promise<{ id: string; dimension: number }>((resolve, reject) => {
        const onError = (e: unknown) => settle(e);
        const onExit = (code: number) => settle(new Error(`exited with code ${code}`));
        const onMessage = (m: FromWorker) => settle(m.type === 'ready' ? null : new Error(m.type === 'failed' ? m.message : 'unexpected message'), m);
        const settle = (e: unknown, m?: FromWorker) => {
          w.off('error', onError).off('exit', onExit).off('message', onMessage);
          if (e === null && m?.type === 'ready') resolve(m);
          else reject(e);
        };
        w.on('error', onError).on('exit', onExit).on('message', onMessage);
      })));
      return new EmbedderPool(ready[0].id, ready[0].dimension, workers.map((worker) => ({ worker, busy: null })), config.embedBatchSize);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw new SobreError('model_unavailable', `Could not start the embedding threads: ${errorMessage(e)}`);
    }
  }

  get threads(): number {
    return this.slots.length;
  }

  embed(texts: readonly string[], role?: EmbedRole): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new SobreError('internal', 'The embedding pool is closed'));
    const parts: Promise<Float32Array[]>[] = [];
    // A call smaller than a batch per thread is still spread over every thread.
    const size = Math.max(1, Math.min(this.batchSize, Math.ceil(texts.length / Math.max(1, this.slots.length))));
    for (let i = 0; i < texts.length; i += size) {
      parts.push(new Promise((resolve, reject) => {
        this.queue.push({ id: ++this.nextId, texts: texts.slice(i, i + size), role, resolve, reject });
      }));
    }
    this.dispatch();
    return Promise.all(parts).then((p) => p.flat());
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new SobreError('internal', 'The embedding pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const task = this.queue.shift() as Task;
      slot.busy = task;
      slot.worker.postMessage({ id: task.id, texts: task.texts, role: task.role } satisfies ToWorker);
    }
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const task = slot.busy;
    if (!task || m.type === 'ready' || m.id !== task.id) return;
    slot.busy = null;
    if (m.type === 'done') task.resolve(m.vectors);
    else task.reject(new SobreError('internal', `Embedding failed: ${m.message}`));
    this.dispatch();
  }

  /** A thread that died fails its task; the pool goes on with the others (none left: every task fails). */
  private onExit(slot: Slot, e: unknown): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    slot.busy?.reject(e);
    slot.busy = null;
    if (this.slots.length === 0 && !this.closed) for (const t of this.queue.splice(0)) t.reject(e);
    this.dispatch();
  }
}

/** After a failed start, how long uploads fail at once before the threads are started again. */
const RETRY_START_MS = 60_000;

export interface LazyPool extends Embedder {
  /** Threads running (0 until the first use). */
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * A pool started at its first use (again a minute after a failed start), which must load the same
 * model as `expected`: its vectors go into the same index.
 */
export function lazyPool(config: PoolConfig, threads: number, expected: { id: string; dimension: number }): LazyPool {
  let started: Promise<EmbedderPool> | null = null;
  let running: EmbedderPool | null = null;
  const start = (): Promise<EmbedderPool> => {
    started ??= EmbedderPool.create(config, threads).then(async (pool) => {
      if (pool.id === expected.id && pool.dimension === expected.dimension) return (running = pool);
      await pool.close();
      throw new SobreError('internal', `The embedding threads load ${pool.id}, but this process embeds with ${expected.id}`);
    });
    // A failed start is the answer for a while: each retry would load the model in every thread.
    started.catch(() => setTimeout(() => (started = null), RETRY_START_MS).unref());
    return started;
  };
  return {
    id: expected.id,
    dimension: expected.dimension,
    get threads() {
      return running?.threads ?? 0;
    },
    async embed(texts, role) {
      return (await start()).embed(texts, role);
    },
    async close() {
      const pool = started ? await started.catch(() => null) : null;
      started = null;
      running = null;
      await pool?.close();
    },
  };
}
