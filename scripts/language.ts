/**
 * `npm run language -- <dataset dir or .jsonl file>=<en|fr> ...`: how often `detectLanguage`
 * names the expected language, on a dataset's questions and corpus passages, or on the distinct
 * questions of a JSONL file (fields question, question1, question2: qqp's pairs.jsonl). Prints one
 * line per set (and for questions of five words or fewer) and, with --json, one JSON object last.
 * Exit 0 ok, 2 bad arguments.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadDataset } from '../src/evaluation/dataset';
import { errorMessage } from '../src/errors';
import { detectLanguage, type Language } from '../src/text/language';

const USAGE = 'usage: npm run language -- <dataset dir>=<en|fr> [...] [--json]';

interface Row {
  dataset: string;
  kind: 'questions' | 'short questions' | 'passages';
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

const readJsonl = (file: string): Record<string, unknown>[] =>
  fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

/** The distinct question strings of a JSONL file. */
function questionsOf(file: string): string[] {
  const out = new Set<string>();
  for (const row of readJsonl(file)) for (const key of ['question', 'question1', 'question2']) if (typeof row[key] === 'string') out.add(row[key]);
  return [...out];
}

function measureQuestions(name: string, expected: Language, questions: readonly string[]): Row[] {
  const short = questions.filter((q) => q.trim().split(/\s+/).length <= 5);
  return [measure(name, 'questions', expected, questions), measure(name, 'short questions', expected, short)];
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
    const where = spec.slice(0, spec.lastIndexOf('='));
    const expected = spec.slice(spec.lastIndexOf('=') + 1) as Language;
    try {
      if (where.endsWith('.jsonl')) {
        rows.push(...measureQuestions(path.basename(where), expected, questionsOf(where)));
        continue;
      }
      const ds = loadDataset(where);
      rows.push(...measureQuestions(ds.name, expected, ds.questions.map((q) => q.question)));
      rows.push(measure(ds.name, 'passages', expected, readJsonl(ds.corpusFile).map((p) => String(p.text ?? ''))));
    } catch (e) {
      console.error(`${where}: ${errorMessage(e)}`);
      return 2;
    }
  }
  for (const r of rows) {
    console.log(`${r.dataset} ${r.kind} (${r.expected}, ${r.count}): accuracy ${r.accuracy.toFixed(4)}, wrong ${JSON.stringify(r.confusions)}`);
    if (r.kind !== 'questions') continue;
    for (const e of r.examples) console.log(`    ${e}`);
  }
  if (json) console.log(JSON.stringify(rows.map(({ examples: _e, ...r }) => r)));
  return 0;
}

process.exit(main());
