/**
 * Change notifications between Sobre instances: a writer calls `notifyIn(q, schema, topic, payload)`
 * inside its transaction (PostgreSQL delivers it at commit, never for a rolled-back one), and each
 * instance's `PgListener` calls the handlers of that schema and topic. Notifications are a hint,
 * not a log: they are lost while a listener is disconnected, so a listener reconnects by itself
 * (with backoff) and then calls every handler with `reconnected: true`; stores keep their own
 * change counter and catch up from it (and poll it, in case a notification never comes).
 */
import { Client } from 'pg';
import type { Queryable } from './database';

const CHANNEL = 'sobre';

export type NotificationHandler = (payload: string, reconnected: boolean) => void;

/** Send `payload` to every listener of `topic` in `schema`, when the surrounding transaction commits. */
export async function notifyIn(q: Queryable, schema: string, topic: string, payload: string): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [CHANNEL, `${schema}\t${topic}\t${payload}`]);
}

export class PgListener {
  private client: Client | null = null;
  private readonly handlers = new Map<string, NotificationHandler[]>();
  private closed = false;
  private retryMs = 250;
  private timer: NodeJS.Timeout | null = null;
  /** True while the LISTEN connection is up. */
  connected = false;

  constructor(
    private readonly url: string,
    private readonly schema: string,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  on(topic: string, handler: NotificationHandler): void {
    const list = this.handlers.get(topic) ?? [];
    list.push(handler);
    this.handlers.set(topic, list);
  }

  /** Connect (resolves once listening, or after the first failure: it keeps retrying in the background). */
  async start(): Promise<void> {
    await this.connect(false);
  }

  private async connect(reconnected: boolean): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 5000, keepAlive: true, application_name: 'sobre-listener' });
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client, new Error('the listening connection ended')));
    client.on('notification', (n) => {
      const [schema, topic, ...rest] = (n.payload ?? '').split('\t');
      if (schema !== this.schema) return;
      for (const h of this.handlers.get(topic) ?? []) h(rest.join('\t'), false);
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.connected = true;
      this.retryMs = 250;
      if (reconnected) for (const list of this.handlers.values()) for (const h of list) h('', true);
    } catch (e) {
      this.lost(client, e);
    }
  }

  private lost(client: Client, e: unknown): void {
    if (this.client !== client) return; // an old connection's late event
    this.client = null;
    this.connected = false;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.onError(e);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect(true);
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    this.connected = false;
    if (c) await c.end().catch(() => undefined);
  }
}
