/**
 * SOBRE_WORKERS=2: the compiled server as a real cluster (a primary and two serving processes
 * with USE-lite, one SQLite data folder), driven by clients that each talk to one worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeDir } from '../helpers/temp';
import { formWith } from './helpers';
import { spawnTestService, stopServer, type Spawned } from './process-helpers';
import { ask, Client, clientsOnTwoWorkers, documentNames, expectUploadAnsweredElsewhere, note, upload } from './worker-clients';

const KEY = 'workers-key-0123456789abcdef';
const BURST_KEY = 'workers-burst-0123456789abcdef';
const KEY_LIMIT_PER_MIN = 100;

describe('two workers over one data folder', () => {
  let root: string;
  let s: Spawned;
  let a: Client;
  let b: Client;

  beforeAll(async () => {
    root = makeTempDir('sobre-workers-');
    s = await spawnTestService(root, {
      SOBRE_WORKERS: '2',
      SOBRE_API_KEYS: `test:${KEY},burst:${BURST_KEY}`,
      SOBRE_RATE_LIMIT_KEY_PER_MIN: String(KEY_LIMIT_PER_MIN),
    });
    [a, b] = await clientsOnTwoWorkers(s.url, KEY);
  }, 300_000);

  afterAll(async () => {
    a?.close();
    b?.close();
    await stopServer(s);
    removeDir(root);
  });

  it('answers from the same store on both workers, and logs listening once both serve', async () => {
    expect(s.lines.filter((l) => l.msg === 'listening')).toEqual([expect.objectContaining({ workers: 2 })]);
    for (const c of [a, b]) {
      const r = await ask(c, 'What port does Sobre listen on by default?');
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.json.citations)).toContain('port.md');
    }
    expect(await documentNames(a)).toEqual(await documentNames(b));
  });

  it('an upload through one worker is answered from by the other at once', async () => {
    await expectUploadAnsweredElsewhere(a, b);
  });

  it("shows every worker's counts in /metrics, whichever worker serves it, and the shared store's size once", async () => {
    const scrape = async (c: Client) => {
      const r = await c.request('GET', '/metrics');
      expect(r.status).toBe(200);
      const text = String(r.json.text);
      return {
        answers: [...text.matchAll(/^sobre_answers_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0),
        chunks: Number(/^sobre_store_chunks (\d+)/m.exec(text)?.[1]),
      };
    };
    const before = await scrape(a);
    for (const c of [a, b, b]) expect((await ask(c, 'What port does Sobre listen on by default?')).status).toBe(200);
    const onA = await scrape(a);
    const onB = await scrape(b);
    expect(onA.answers - before.answers).toBe(3);
    expect(onB.answers).toBe(onA.answers);
    expect(onA.chunks).toBe((await a.request('GET', '/readyz')).json.storeChunks);
  });

  it('uploads to both workers at once are all committed, one at a time, with no busy-database failure', async () => {
    const before = await documentNames(a);
    const extra = [new Client(s.url, KEY), new Client(s.url, KEY)];
    const clients = [a, b, ...extra, a, b];
    const replies = await Promise.all(clients.map((c, i) => upload(c, `parallel-${i}.md`, note(`garden ${i}`, `Garden ${i} grows ${i + 3} kinds of tulips along its northern wall. `.repeat(30)))));
    for (const c of extra) c.close();
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect((r.json.files as { status: string }[])[0].status).toBe('added');
    }
    expect(new Set(replies.map((r) => r.worker)).size).toBe(2);
    const after = await documentNames(b);
    expect(after).toEqual([...before, ...clients.map((_, i) => `parallel-${i}.md`)].sort());
    expect(s.stderr()).not.toMatch(/SQLITE_BUSY|database is locked/i);
    expect(JSON.stringify(s.lines)).not.toMatch(/SQLITE_BUSY|database is locked/i);
  });

  it('a job handed off by one worker is followed through the other', async () => {
    const form = formWith([{ name: 'lantern.md', content: note('lantern', 'The brass lantern in the boathouse burns whale oil.') }]);
    const handed = await a.request('POST', '/v1/documents', { form }, { prefer: 'respond-async' });
    expect(handed.status).toBe(202);
    const id = String(handed.json.id);
    let view: Record<string, unknown> = {};
    for (let i = 0; i < 60 && view.status !== 'succeeded'; i++) {
      const r = await b.request('GET', `/v1/jobs/${id}`);
      expect([r.status, r.worker]).toEqual([200, b.worker]);
      view = r.json;
      if (view.status !== 'succeeded') await new Promise((res) => setTimeout(res, 250));
    }
    expect(view).toMatchObject({ id, kind: 'upload', status: 'succeeded' });
    expect((await b.request('GET', '/v1/jobs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('counts a rate limit across the workers, not per worker', async () => {
    const [c1, c2] = await clientsOnTwoWorkers(s.url, BURST_KEY);
    try {
      const statuses: number[] = [200, 200]; // the two requests that found the workers
      const served = new Set<number>();
      for (let i = 0; statuses.length < KEY_LIMIT_PER_MIN + 1; i++) {
        const r = await (i % 2 ? c2 : c1).request('GET', '/v1/documents');
        statuses.push(r.status);
        served.add(r.worker);
      }
      expect(served.size).toBe(2);
      expect(statuses.filter((st) => st === 200)).toHaveLength(KEY_LIMIT_PER_MIN);
      expect(statuses.at(-1)).toBe(429);
    } finally {
      c1.close();
      c2.close();
    }
  });

  it('a worker killed with -9, even mid-upload, is replaced, frees the write lock and loses nothing committed', async () => {
    const committed = await documentNames(b);
    const victim = a.worker;
    const survivor = b.worker;
    // A long upload on the victim (about 75 passages to embed): it holds the write lock when it dies.
    const big = note('archive', Array.from({ length: 1200 }, (_, i) => `Shelf ${i} of the archive holds ${i * 7} maps of harbour ${i}.`).join(' '));
    const dying = upload(a, 'archive.md', big).then((r) => `answered ${r.status} by ${r.worker}: ${JSON.stringify(r.json)}`, () => 'cut off');
    const incoming = path.join(root, 'data', 'uploads', '.incoming');
    const received = () => fs.existsSync(incoming) && fs.readdirSync(incoming, { recursive: true }).some((f) => String(f).endsWith('archive.md'));
    for (let i = 0; i < 500 && !received(); i++) await new Promise((r) => setTimeout(r, 10));
    process.kill(victim, 'SIGKILL');
    expect(await dying).toBe('cut off');
    a.close();
    const exited = await s.waitFor((l) => l.msg === 'worker exited: starting a replacement' && l.worker === victim, 30_000);
    expect(exited).toMatchObject({ signal: 'SIGKILL', heldLease: true });
    const replaced = await s.waitFor((l) => l.msg === 'worker listening' && l.worker !== victim && l.worker !== survivor, 120_000);

    // The survivor writes at once (the lock died with its holder) and still has everything committed.
    const next = await upload(b, 'after-kill.md', note('kiln', 'The pottery kiln reaches 1,280 degrees on Thursdays.'));
    expect(next.status).toBe(200);
    expect(await documentNames(b)).toEqual([...committed, 'after-kill.md'].sort());
    expect(committed).toContain('lantern.md');

    const [c1, c2] = await clientsOnTwoWorkers(s.url, KEY);
    try {
      expect([c1.worker, c2.worker].sort()).toEqual([Number(replaced.worker), survivor].sort());
      for (const c of [c1, c2]) {
        expect(await documentNames(c)).toEqual([...committed, 'after-kill.md'].sort());
        const r = await ask(c, 'Who feeds the grey cats at the Skerryvore lighthouse?');
        expect(JSON.stringify(r.json.citations)).toContain('lighthouse.md');
      }
    } finally {
      c1.close();
      c2.close();
    }
  });

  it('SIGTERM stops every worker gracefully and the primary exits 0', async () => {
    s.child.kill('SIGTERM');
    const exit = await s.exited;
    expect([exit, s.lines.filter((l) => l.msg === 'stopped')]).toEqual([{ code: 0, signal: null }, [expect.objectContaining({ clean: true }), expect.objectContaining({ clean: true })]]);
  });
});
