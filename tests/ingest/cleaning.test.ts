/**
 * Each cleaning rule on a document written for it (tests/ingest/documents), loaded by the real
 * loader: the text a citation quotes must read as prose, sentences must not stop at a printed
 * line end, table facts must be sentences, code must stay but never be an answer.
 */
import path from 'node:path';
import { splitSentences } from '../../src/answer/sentences';
import { loadFile } from '../../src/ingest/load';
import type { LoadedDocument } from '../../src/ingest/types';

const DOCS = path.join(__dirname, 'documents');
const opts = { maxFileBytes: 1024 * 1024 };

async function load(name: string): Promise<LoadedDocument> {
  const r = await loadFile(path.join(DOCS, name), opts);
  expect(r.failures).toEqual([]);
  expect(r.documents).toHaveLength(1);
  return r.documents[0];
}

const sentences = (text: string) => splitSentences(text).map((s) => s.text);

describe('hard-wrapped plain text', () => {
  it('re-flows French text extracted from a PDF: whole sentences, words joined, compounds kept', async () => {
    const doc = await load('article-fr.txt');
    expect(doc.title).toBe("L'empreinte énergétique des centres de données");
    expect(sentences(doc.text)).toContain(
      "Selon l'Agence internationale de l'énergie, la consommation énergétique des datacenters pourrait grimper à un niveau proche de 1 000 TWh en 2026, soit l'équivalent de la consommation électrique du Japon.",
    );
    expect(doc.text).toContain('désormais omniprésente dans');
    expect(doc.text).toContain("l'efficacité réelle des");
    // A capitalised second part, a French particle, a known prefix: the hyphen is the word's own.
    expect(doc.text).toContain('Jean-Pierre Dupont');
    expect(doc.text).toContain('lui-même');
    expect(doc.text).toContain('non-européens');
  });

  it('keeps paragraph breaks, list items and the title line', async () => {
    const doc = await load('article-fr.txt');
    expect(doc.text).toContain('Les principaux leviers sont :\n- le refroidissement par air extérieur ;\n- la réutilisation');
    expect(doc.text.split('\n\n')).toHaveLength(5);
  });

  it('re-flows English text, keeping numbered items and a compound hyphenated at a line end', async () => {
    const doc = await load('report-en.txt');
    expect(doc.title).toBe('Cooling water at hyperscale data centres');
    expect(sentences(doc.text)).toContain(
      'A typical evaporative cooling system consumes between one and two litres of water per kilowatt-hour of IT load, although well-known operators in cool climates report figures well below that.',
    );
    expect(doc.text).toContain('\n1. Measure the water withdrawn, not only the water consumed.\n2. Publish');
  });
});

describe('MkDocs Markdown', () => {
  let doc: LoadedDocument;
  beforeAll(async () => {
    doc = await load('docs/get_started.md');
  });

  it('takes the title from the front matter, not the file name', () => {
    expect(doc.title).toBe('Getting started with the client');
  });

  it('joins a paragraph written over several lines, as a renderer does', () => {
    expect(sentences(doc.text)).toContain('It needs Python 3.10 or later and talks to the server over HTTP.');
  });

  it('turns admonitions into a title paragraph and a de-indented body', () => {
    expect(doc.text).toContain('Keep your API key secret\n\nNever commit the key to a repository. Anyone holding it can spend your quota.');
    expect(doc.text).toContain('Info\n\nThe client retries failed calls three times.');
    expect(doc.text).toContain('Emissions\n\nTraining the reference model');
    expect(doc.text).not.toMatch(/!!!|\?\?\?/);
  });

  it('reads LaTeX as text', () => {
    expect(doc.text).toContain('Training the reference model emitted 1,900 tCO2eq, that is about 1.9 × 10³ tonnes.');
    expect(doc.text).toContain('The energy per query is E = P · t, with P the power drawn.');
    expect(doc.text).toContain('PUE = Etotal/EIT');
    expect(doc.text).not.toMatch(/\$|\\(?:frac|times|cdot)|\\ /);
  });

  it('drops icon shortcodes, attribute lists, HTML comments and Jinja tags', () => {
    expect(doc.text).toContain('Installation\n\n');
    expect(doc.text).toContain('Version added streaming.');
    expect(doc.text).not.toMatch(/:octicons|:material|md-button|TODO|\{\{|\{%|<!--/);
  });

  it('keeps fenced and indented code between fences, and no sentence comes from it', () => {
    expect(doc.text).toContain('```python\nimport asyncio\nfrom client import main\n\nasyncio.run(main())\n```');
    expect(doc.text).toContain('```code\nclient --verbose\n```');
    expect(doc.text).toContain('```bash\nexport CLIENT_KEY=...\n```');
    const all = sentences(doc.text);
    expect(all.filter((s) => /asyncio|import|CLIENT_KEY|--verbose|```/.test(s))).toEqual([]);
    expect(all).toContain('Run the example:');
  });

  it('turns each table row into a sentence carrying the header', () => {
    expect(sentences(doc.text)).toEqual(
      expect.arrayContaining(['Provider: Azure; PUE: 1.18; WUE: 0.49 L/kWh.', 'Provider: Google; PUE: 1.10; WUE: 0.19 L/kWh.']),
    );
  });
});

describe('HTML', () => {
  it('takes the <title>, turns table rows into sentences with their header, fences <pre>', async () => {
    const doc = await load('efficiency.html');
    expect(doc.title).toBe('Data centre efficiency by provider');
    expect(doc.text).toBe(
      [
        'Efficiency figures',
        'Providers publish yearly averages for their fleets.',
        'Provider: Azure; PUE: 1.18; WUE: 0.49 L/kWh.\nProvider: Google; PUE: 1.10; WUE: 0.19 L/kWh.',
        '```python\nfleet = load("providers.csv")\nprint(fleet.pue.mean())\n```',
        'Lower is better for both indicators.',
      ].join('\n\n'),
    );
    expect(sentences(doc.text).filter((s) => /load\(|mean\(|```/.test(s))).toEqual([]);
  });
});

describe('templates', () => {
  it.each([
    ['docs/overrides/main.html', /\{% block %\}/],
    ['docs/overrides/partial.jinja', /\.jinja/],
  ])('skips %s with a reason, as no failure', async (name, detail) => {
    const r = await loadFile(path.join(DOCS, name), opts);
    expect(r.documents).toEqual([]);
    expect(r.failures).toEqual([]);
    expect(r.skipped).toEqual([{ path: path.join(DOCS, name), reason: 'template', detail: expect.stringMatching(detail) }]);
  });
});
