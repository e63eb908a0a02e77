/**
 * Clients of a cluster (SOBRE_WORKERS > 1): each keeps one connection open, so it talks to one
 * worker, named by the `x-sobre-worker` header (its pid).
 */
import http from 'node:http';
import { formWith } from './helpers';

export interface Reply {
  status: number;
  worker: number;
  json: Record<string, unknown>;
}

/** One kept-alive connection: every request goes to the worker that accepted it. */
export class Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  worker = 0;

  constructor(
    private readonly url: string,
    private readonly key: string,
  ) {}

  async request(method: string, route: string, body?: { json: unknown } | { form: FormData }, extra: Record<string, string> = {}): Promise<Reply> {
    let payload: Buffer | undefined;
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, ...extra };
    if (body && 'json' in body) {
      payload = Buffer.from(JSON.stringify(body.json));
      headers['content-type'] = 'application/json';
    } else if (body) {
      const encoded = new Request('http://form', { method: 'POST', body: body.form });
      payload = Buffer.from(await encoded.arrayBuffer());
      headers['content-type'] = encoded.headers.get('content-type') ?? '';
    }
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(`${this.url}${route}`, { method, agent: this.agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({
          status: res.statusCode ?? 0, worker: Number(res.headers['x-sobre-worker']),
          json: (res.headers['content-type'] ?? '').includes('json') ? JSON.parse(text) as Record<string, unknown> : { text },
        }));
      });
      req.on('error', reject);
      req.end(payload);
    });
    if (this.worker !== 0 && reply.worker !== this.worker) throw new Error(`the connection moved from worker ${this.worker} to ${reply.worker}`);
    this.worker = reply.worker;
    return reply;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Two clients connected to two different workers (new connections go round the workers). */
export async function clientsOnTwoWorkers(url: string, key: string): Promise<[Client, Client]> {
  const first = new Client(url, key);
  await first.request('GET', '/v1/documents');
  for (let i = 0; i < 20; i++) {
    const other = new Client(url, key);
    await other.request('GET', '/v1/documents');
    if (other.worker !== first.worker) return [first, other];
    other.close();
  }
  throw new Error('every new connection went to the same worker');
}

export const upload = (c: Client, name: string, content: string) => c.request('POST', '/v1/documents', { form: formWith([{ name, content }]) });
export const ask = (c: Client, question: string) => c.request('POST', '/v1/ask', { json: { question } });
export const documentNames = async (c: Client) => ((await c.request('GET', '/v1/documents')).json.documents as { name: string }[]).map((d) => d.name).sort();

export function note(topic: string, fact: string): string {
  return `# The ${topic}\n\n${fact}\nNothing else in this note concerns the ${topic}.\n`;
}

/** An upload through the worker of `a` is answered from by the worker of `b`. */
export async function expectUploadAnsweredElsewhere(a: Client, b: Client): Promise<void> {
    const up = await upload(a, 'lighthouse.md', note('lighthouse', 'The Skerryvore lighthouse keeper feeds the seven grey cats every morning at dawn.'));
    expect(up.status).toBe(200);
    const r = await ask(b, 'Who feeds the grey cats at the Skerryvore lighthouse?');
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.json.citations)).toContain('lighthouse.md');
}
