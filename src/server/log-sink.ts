/**
 * Where the service's log lines go: stdout, written so that it can never hold the process.
 * pino's own stdout stream flushes synchronously at exit and retries a failed write every
 * 100 ms forever, so a closed stdout (EPIPE) hung shutdown; and a blocking write to a pipe
 * nobody reads any more never returns (not even at exit, which waits for libuv's thread pool).
 * Here:
 * - a pipe or socket is written without blocking (a libuv stream); a file or terminal through
 *   the thread pool;
 * - one write is in flight at a time; lines queue behind it, up to a bound past which the
 *   oldest are dropped (how many is logged once writing resumes);
 * - the first failed write (EPIPE: nobody reads any more) stops writing for good;
 * - nothing is written at exit: `drain(ms)` waits for the queue at most `ms`.
 */
import fs from 'node:fs';
import net from 'node:net';

const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

type Send = (buf: Buffer, done: (err: Error | null) => void) => void;

function transport(fd: number): Send {
  const stat = fs.fstatSync(fd);
  if (stat.isFIFO() || stat.isSocket()) {
    const socket = new net.Socket({ fd, readable: false, writable: true });
    socket.on('error', () => undefined); // reported to the write's callback
    socket.unref();
    return (buf, done) => socket.write(buf, (err) => done(err ?? null));
  }
  const send: Send = (buf, done) =>
    fs.write(fd, buf, 0, buf.length, null, (err, written) => {
      if (err) done(err);
      else if (written < buf.length) send(buf.subarray(written), done);
      else done(null);
    });
  return send;
}

export class LogSink {
  private readonly send: Send;
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  private broken = false;
  private dropped = 0;
  private readonly idle = new Set<() => void>();

  constructor(fd = 1, private readonly maxQueuedBytes = MAX_QUEUED_BYTES) {
    this.send = transport(fd);
  }

  /** pino's destination interface. */
  write(line: string): void {
    if (this.broken) return;
    this.queue.push(line);
    this.queuedBytes += line.length;
    while (this.queuedBytes > this.maxQueuedBytes && this.queue.length > 1) {
      this.queuedBytes -= (this.queue.shift() as string).length;
      this.dropped++;
    }
    if (!this.writing) this.next();
  }

  /** Resolves once every queued line is written, writing has stopped, or `ms` passed. */
  drain(ms: number): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idle.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.idle.add(done);
    });
  }

  private next(): void {
    if (this.queue.length === 0 || this.broken) {
      this.writing = false;
      for (const done of [...this.idle]) done();
      return;
    }
    this.writing = true;
    const note = this.dropped > 0 ? `{"level":"warn","msg":"log lines dropped: stdout was not read","dropped":${this.dropped}}\n` : '';
    this.dropped = 0;
    const buf = Buffer.from(note + this.queue.join(''));
    this.queue = [];
    this.queuedBytes = 0;
    this.send(buf, (err) => {
      if (err) {
        this.broken = true;
        this.queue = [];
      }
      this.next();
    });
  }
}
