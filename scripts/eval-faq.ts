/**
 * `npm run eval:faq -- --page FILE [--page FILE ...] [--questions FILE] [--json]`
 *
 * The question matcher on FAQ pages nobody here wrote (docs/evaluation.md): each page is loaded
 * and its pairs extracted as ingestion does; every extracted question is a known question; each
 * line of the questions file (`{"question": "...", "known": "<the FAQ question it asks>" | null}`,
 * default `scripts/eval-data/faq-questions.jsonl`, written by hand against the pages named in
 * docs/evaluation.md) is looked up. A hit is right when it is the known question the line names;
 * any other hit is wrong. Prints the matcher at its default target and a cosine threshold on
 * the same vectors (0.95 / 0.9 / 0.8) side by side. Exit 0 ok, 2 bad arguments, 1 failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, parseSettingFlags } from '../src/config';
import { createEmbedder } from '../src/embed';
import { errorMessage } from '../src/errors';
import { extractFaq } from '../src/ingest/faq';
import { loadFile } from '../src/ingest/load';
import { QuestionMatcher, type KnownCandidate } from '../src/match/matcher';

const USAGE = 'usage: npm run eval:faq -- --page FILE [--page FILE ...] [--questions FILE] [--json]';
const DEFAULT_QUESTIONS = path.join(__dirname, '..', '..', 'scripts', 'eval-data', 'faq-questions.jsonl');
const COSINE_THRESHOLDS = [0.95, 0.9, 0.8];
/** Looser matcher targets than the default, for the curve. */
const LOOSER_TARGETS = [0.05, 0.1];

interface Line {
  question: string;
  known: string | null;
}

interface Tally {
  method: string;
  hits: number;
  wrong_hits: number;
  wrong_hit_rate: number | null;
  /** Right hits over the lines whose question the pages answer. */
  recall: number;
}

function tally(method: string, lines: readonly Line[], hits: readonly (string | null)[]): Tally {
  let right = 0;
  let wrong = 0;
  lines.forEach((l, i) => {
    if (hits[i] === null) return;
    if (hits[i] === l.known) right++;
    else wrong++;
  });
  const answerable = lines.filter((l) => l.known !== null).length;
  return { method, hits: right + wrong, wrong_hits: wrong, wrong_hit_rate: right + wrong ? wrong / (right + wrong) : null, recall: right / Math.max(1, answerable) };
}

function readLines(file: string): Line[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    const o = JSON.parse(l) as Partial<Line>;
    if (typeof o.question !== 'string' || !(o.known === null || typeof o.known === 'string')) throw new Error(`${file}:${i + 1}: expected {"question": string, "known": string | null}`);
    return { question: o.question, known: o.known };
  });
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  const pages: string[] = [];
  let questionsFile = DEFAULT_QUESTIONS;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--page' && rest[i + 1]) pages.push(rest[++i]);
    else if (rest[i] === '--questions' && rest[i + 1]) questionsFile = rest[++i];
    else if (rest[i] === '--json') json = true;
    else {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
  }
  if (pages.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig(process.env, flags);
  const known: string[] = [];
  const perPage: { page: string; pairs: number }[] = [];
  for (const page of pages) {
    const loaded = await loadFile(page, { maxFileBytes: config.maxFileBytes });
    const pairs = loaded.documents.flatMap((d) => extractFaq(d));
    perPage.push({ page, pairs: pairs.length });
    known.push(...pairs.map((p) => p.question));
  }
  const lines = readLines(questionsFile);
  const notExtracted = [...new Set(lines.map((l) => l.known).filter((k): k is string => k !== null && !known.includes(k)))];

  const embedder = await createEmbedder(config);
  const matcher = QuestionMatcher.load(undefined, { targetWrongHitRate: config.matchWrongHitRate, embedderId: embedder.id });
  const knownVectors = await embedder.embed(known, 'query');
  const askedVectors = await embedder.embed(lines.map((l) => l.question), 'query');
  const candidates: KnownCandidate[] = known.map((text, id) => ({ id, text, vector: knownVectors[id] }));
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

  const nearest: { text: string; cosine: number }[] = [];
  const best = lines.map((l, i) => {
    const ranked = candidates.map((c) => ({ c, cosine: dot(askedVectors[i], c.vector) })).sort((a, b) => b.cosine - a.cosine);
    nearest.push({ text: ranked[0].c.text, cosine: ranked[0].cosine });
    return matcher.mostProbable(l.question, askedVectors[i], ranked.slice(0, matcher.candidates).map((r) => r.c));
  });
  const hitsAt = (threshold: number) => best.map((m) => (m && m.probability >= threshold ? m.candidate.text : null));
  const matcherHits = hitsAt(matcher.threshold);
  const results = [
    tally(`matcher (target ${config.matchWrongHitRate}, threshold ${matcher.threshold.toFixed(3)})`, lines, matcherHits),
    ...LOOSER_TARGETS.map((t) => {
      const threshold = matcher.thresholdFor(t).threshold;
      return tally(`matcher (target ${t}, threshold ${threshold.toFixed(3)})`, lines, hitsAt(threshold));
    }),
    ...COSINE_THRESHOLDS.map((t) => tally(`cosine >= ${t}`, lines, nearest.map((n) => (n.cosine >= t ? n.text : null)))),
  ];
  const answerable = lines.filter((l) => l.known !== null).length;
  if (json) {
    process.stdout.write(`${JSON.stringify({ pages: perPage, known_questions: known.length, lines: lines.length, answerable, not_extracted: notExtracted, results })}\n`);
    return 0;
  }
  for (const p of perPage) process.stdout.write(`${p.page}: ${p.pairs} FAQ pairs extracted\n`);
  if (notExtracted.length) process.stdout.write(`not extracted (their lines can only miss): ${notExtracted.map((q) => JSON.stringify(q)).join(', ')}\n`);
  process.stdout.write(`${lines.length} questions asked, ${answerable} of them asking a question the pages answer, ${lines.length - answerable} look-alikes or others\n\n`);
  process.stdout.write('| method | hits | wrong hits | wrong-hit rate | recall |\n|---|---|---|---|---|\n');
  for (const r of results) {
    process.stdout.write(`| ${r.method} | ${r.hits} | ${r.wrong_hits} | ${r.wrong_hit_rate === null ? '—' : r.wrong_hit_rate.toFixed(3)} | ${r.recall.toFixed(3)} |\n`);
  }
  const wrong = lines.map((l, i) => ({ l, hit: matcherHits[i] })).filter((x) => x.hit !== null && x.hit !== x.l.known);
  for (const w of wrong) process.stdout.write(`matcher wrong hit: ${JSON.stringify(w.l.question)} -> ${JSON.stringify(w.hit)}\n`);
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`eval:faq: ${errorMessage(e)}\n`);
  process.exit(1);
});
