/**
 * Questions asked while uploads add and replace documents and a deletion runs: no error, and
 * every chunk an answer cites exists in the store and the index when the answer is sent.
 */
import type { EmbedRole } from '../../src/embed/types';
import { HashEmbedder } from '../helpers/hash-embedder';
import { auth, formWith, postJson, startTestServer, type TestServer, TEST_KEY } from './helpers';

/** Embedding passages takes a few ms per batch, so an ingest spans many turns of the event loop. */
class SlowPassages extends HashEmbedder {
  override async embed(texts: readonly string[], role?: EmbedRole): Promise<Float32Array[]> {
    if (role === 'passage') await new Promise((r) => setTimeout(r, 2));
    return super.embed(texts);
  }
}

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ embedder: new SlowPassages(), env: { SOBRE_API_KEYS: `admin:${TEST_KEY}`, SOBRE_CHUNK_SIZE: '200', SOBRE_CHUNK_OVERLAP: '20', SOBRE_EMBED_CACHE_ENTRIES: '0' } });
});
afterAll(() => s.stop());

/** Every chunk differs from one round to the next, so an update removes every old chunk. */
function animalDoc(i: number, round: number): string {
  const lines = Array.from({ length: 4 }, (_, j) => `Animal ${i} fact ${j} (edition ${round}): the creature number ${i} eats berries number ${j} and sleeps in burrow ${i}-${j}.`);
  return `# Animal ${i}\n\n${lines.join('\n')}\n`;
}

test('asks during uploads and a deletion see whole documents only', async () => {
  const { knowledge } = s.service.deps;
  const questions = ['What port does Sobre listen on?', 'What does the creature number 3 eat?', 'Where does animal 2 sleep?', 'Which files does Sobre ingest?'];
  const problems: string[] = [];
  // Check every answer's citations when the server sends it (the client reads it later, by
  // which time a writer may rightly have changed the knowledge base).
  const service = s.service.deps.ask;
  const original = service.ask.bind(service);
  let sawUploaded = 0;
  service.ask = async (question, opts) => {
    const answer = await original(question, opts);
    for (const c of answer.citations) {
      if ((await knowledge.passages([c.chunkId])).length !== 1) problems.push(`chunk ${c.chunkId} cited but not in the store`);
      if (!(await knowledge.getDocument(c.documentId))) problems.push(`document ${c.documentId} cited but gone`);
      if (c.name.includes('animal-')) sawUploaded++;
    }
    return answer;
  };
  let writing = true;
  const writes = (async () => {
    const results: number[] = [];
    for (let round = 0; round < 3; round++) {
      const files = Array.from({ length: 4 }, (_, i) => ({ name: `animal-${i}.md`, content: animalDoc(i, round) }));
      results.push((await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth(TEST_KEY), body: formWith(files) })).status);
    }
    const list = (await (await fetch(`${s.url}/v1/documents`, { headers: auth(TEST_KEY) })).json()) as { documents: { id: number; title: string }[] };
    const victim = list.documents.find((d) => d.title === 'Animal 3'); // one the questions cite
    results.push((await fetch(`${s.url}/v1/documents/${victim?.id}`, { method: 'DELETE', headers: auth(TEST_KEY) })).status);
    writing = false;
    return results;
  })();
  let asked = 0;
  let duringWrites = 0;
  const askers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; writing || i < 3; i++) {
      const res = await postJson(`${s.url}/v1/ask`, { question: questions[(i + w) % questions.length] }, auth(TEST_KEY));
      asked++;
      if (s.service.writer.pending > 0) duringWrites++;
      if (res.status !== 200) {
        problems.push(`status ${res.status}: ${await res.text()}`);
        continue;
      }
      await res.arrayBuffer();
    }
  });
  const [statuses] = await Promise.all([writes, ...askers]);
  expect(statuses).toEqual([200, 200, 200, 200]);
  expect(problems).toEqual([]);
  expect(asked).toBeGreaterThan(20);
  expect(duringWrites).toBeGreaterThan(10); // the questions really overlapped the ingestion
  expect(sawUploaded).toBeGreaterThan(0);
  expect((await knowledge.check()).consistent).toBe(true);
  expect(s.service.writer.pending).toBe(0);
});
