/**
 * French end to end, with the real parts (USE-lite, SQLite + FTS5 and its French index, hnswlib,
 * the shipped calibration and its French section), through `AskService.ask`, the code path of
 * POST /v1/ask: a French question whose words are inflected otherwise than the document's
 * ("chevaux" / "cheval", "naissent" / "naît") is matched in the French index, judged by the
 * French section, and answered with the sentence that answers it; a "quand" question the French
 * section is confident about is answered directly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createDeps, type SobreDeps } from '../../src/deps';
import { ingestPaths } from '../../src/ingest/pipeline';
import { makeTempDir, removeDir } from '../helpers/temp';

const ARTICLE = `# Le cheval Camargue

Le Camargue est une race de cheval de selle originaire du delta du Rhône, dans le sud de la France.

Le cheval Camargue naît noir ou bai, et sa robe devient grise vers l'âge de cinq ans. Il mesure entre 1,35 m et 1,50 m au garrot. Rustique, il vit en semi-liberté dans les marais toute l'année.

Les gardians l'utilisent pour conduire les taureaux dans les manades. La race est reconnue officiellement depuis 1978.
`;

const OTHER = `# Le flamant rose

Le flamant rose niche dans les étangs salés de la Méditerranée. Sa couleur vient des crevettes qu'il mange.
`;

describe('a French document asked in French (real USE-lite, SQLite, hnswlib, router)', () => {
  let dir: string;
  let deps: SobreDeps;

  beforeAll(async () => {
    dir = makeTempDir();
    const docs = path.join(dir, 'docs');
    fs.mkdirSync(docs);
    fs.writeFileSync(path.join(docs, 'camargue.md'), ARTICLE);
    fs.writeFileSync(path.join(docs, 'flamant.md'), OTHER);
    const config = loadConfig({ SOBRE_DATA_DIR: path.join(dir, 'data'), SOBRE_GENERATOR: 'none', SOBRE_TARGET_PRECISION: '0.8' });
    deps = await createDeps(config, { ledger: false, generator: null });
    const summary = await ingestPaths({ knowledge: deps.knowledge, embedder: deps.embedder, settings: config }, [docs]);
    expect(summary.failed).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await deps?.close();
    removeDir(dir);
  });

  it('answers with the sentence that answers it, from the French section of the calibration', async () => {
    const r = await deps.ask.ask('De quelle couleur naissent les chevaux camarguais ?', { explain: true });
    expect(r.explain?.language).toBe('fr');
    expect(r.explain?.candidateSentence).toBe("Le cheval Camargue naît noir ou bai, et sa robe devient grise vers l'âge de cinq ans.");
    expect(r.citations[0].name).toBe('camargue.md');
    expect(r.route).not.toBe('abstain');
    expect(r.explain?.threshold).toBe(deps.router.pointFor('fr').threshold);
  });

  it('answers a French "quand" question directly, with the sentence that holds the date', async () => {
    const r = await deps.ask.ask('Depuis quand la race Camargue est-elle reconnue officiellement ?', { explain: true });
    expect(r.route).toBe('direct');
    expect(r.answer).toBe('La race est reconnue officiellement depuis 1978.');
    expect(r.citations[0].name).toBe('camargue.md');
  });

  it('still answers an English question about the same corpus from the English model', async () => {
    const r = await deps.ask.ask('What does the pink flamingo eat?', { explain: true });
    expect(r.explain?.language).toBe('en');
    expect(r.explain?.threshold).toBe(deps.router.point.threshold);
  });
});
