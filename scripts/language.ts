/**
 * `npm run language -- <dataset dir>=<en|fr> ...`: how often `detectLanguage` names the expected
 * language, on each dataset's questions and on its corpus passages. Prints one line per set and,
 * with --json, one JSON object last. Exit 0 ok, 2 bad arguments.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadDataset } from '../src/evaluation/dataset';
import { detectLanguage, type Language } from '../src/text/language';

const USAGE = 'usage: npm run language -- <dataset dir>=<en|fr> [...] [--json]';

interface Row {
  dataset: string;
  kind: 'questions' | 'passages';
  expected: Language;
  count: number;
  accuracy: number;
  confusions: Partial<Record<Language, number>>;
  examples: string[];
}

function measure(dataset: string, kind: Row['kind'], expected: Language, texts: readonly string[]): Row {
  const confusions: Partial<Record<Language, number>> = {};
  const examples: string[] = [];
  let right = 0;
  for (const t of texts) {
    const got = detectLanguage(t);
    if (got === expected) right++;
    else {
      confusions[got] = (confusions[got] ?? 0) + 1;
      if (examples.length < 5) examples.push(`${got}: ${t.slice(0, 100)}`);
    }
  }
  return { dataset, kind, expected, count: texts.length, accuracy: texts.length ? right / texts.length : 0, confusions, examples };
}

function main(): number {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const specs = args.filter((a) => a !== '--json');
  if (specs.length === 0 || specs.some((s) => !/^.+=(en|fr)$/.test(s))) {
    console.error(USAGE);
    return 2;
  }
  const rows: Row[] = [];
  for (const spec of specs) {
    const dir = spec.slice(0, spec.lastIndexOf('='));
    const expected = spec.slice(spec.lastIndexOf('=') + 1) as Language;
    const ds = loadDataset(dir);
    rows.push(measure(ds.name, 'questions', expected, ds.questions.map((q) => q.question)));
    const passages = fs.readFileSync(path.join(ds.dir, 'corpus.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    rows.push(measure(ds.name, 'passages', expected, passages.map((l) => String((JSON.parse(l) as { text?: unknown }).text ?? ''))));
  }
  for (const r of rows) {
    console.log(`${r.dataset} ${r.kind} (${r.expected}, ${r.count}): accuracy ${r.accuracy.toFixed(4)}, wrong ${JSON.stringify(r.confusions)}`);
    for (const e of r.examples) console.log(`    ${e}`);
  }
  if (json) console.log(JSON.stringify(rows.map(({ examples: _e, ...r }) => r)));
  return 0;
}

process.exit(main());
