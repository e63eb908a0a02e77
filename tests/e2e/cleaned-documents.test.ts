/**
 * Cleaned documents end to end, with the real parts (USE-lite, SQLite + FTS5, hnswlib, the shipped
 * calibration), through `AskService.ask`, the code path of POST /v1/ask: a table fact is found
 * as its row sentence, a question about code gets a prose sentence, a French question gets the
 * whole sentence of a hard-wrapped text, and the answer's offsets point into the cleaned text.
 */
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createDeps, type SobreDeps } from '../../src/deps';
import { loadFile } from '../../src/ingest/load';
import { ingestPaths } from '../../src/ingest/pipeline';
import { makeTempDir, removeDir } from '../helpers/temp';

const DOCS = path.join(__dirname, '..', 'ingest', 'documents');

describe('asking cleaned documents (real USE-lite, SQLite, hnswlib, router)', () => {
  let dir: string;
  let deps: SobreDeps;

  beforeAll(async () => {
    dir = makeTempDir();
    // 0.8: the shipped calibration answers few questions directly at 0.9 (docs/evaluation.md).
    const config = loadConfig({ SOBRE_DATA_DIR: dir, SOBRE_GENERATOR: 'none', SOBRE_TARGET_PRECISION: '0.8' });
    deps = await createDeps(config, { ledger: false, generator: null });
    const summary = await ingestPaths({ knowledge: deps.knowledge, embedder: deps.embedder, settings: config }, [DOCS]);
    expect(summary.failed).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await deps?.close();
    removeDir(dir);
  });

  it('finds a table fact as the row sentence that carries its header', async () => {
    const r = await deps.ask.ask('What is the WUE of Azure?', { explain: true });
    expect(r.citations[0].text).toContain('Provider: Azure; PUE: 1.18; WUE: 0.49 L/kWh.');
    expect(r.explain?.candidateSentence).toBe('Provider: Azure; PUE: 1.18; WUE: 0.49 L/kWh.');
  });

  it('never picks a line of code as the sentence, even for a question about the code', async () => {
    const r = await deps.ask.ask('How do I run the asyncio example of the client?', { explain: true });
    expect(r.citations.some((c) => c.text.includes('asyncio.run(main())'))).toBe(true);
    expect(r.explain?.candidateSentence).not.toMatch(/asyncio|import|```/);
  });

  it('answers a French question with the whole sentence of a hard-wrapped French text, offsets in the cleaned text', async () => {
    const r = await deps.ask.ask("Selon l'Agence internationale de l'énergie, quelle pourrait être la consommation énergétique des datacenters en 2026 ?", { explain: true });
    const sentence =
      "Selon l'Agence internationale de l'énergie, la consommation énergétique des datacenters pourrait grimper à un niveau proche de 1 000 TWh en 2026, soit l'équivalent de la consommation électrique du Japon.";
    expect(r.explain?.candidateSentence).toBe(sentence);
    const [c] = r.citations;
    expect(c.name).toBe('article-fr.txt');
    // A citation's offsets are offsets in the document's cleaned text.
    const [doc] = (await loadFile(path.join(DOCS, c.name), { maxFileBytes: 1024 * 1024 })).documents;
    expect(doc.text.slice(c.start, c.end)).toBe(c.text);
    expect(c.text).toContain(sentence);
  });
});
