/**
 * `npm run bench:match -- --pairs DIR [--known 100000] [--lookups 2000]`
 *
 * Lookup latency of the question matcher with many known questions: the index search for the
 * candidates plus the matcher judging them, the question's own embedding excluded (retrieval
 * computes it anyway). Known questions are the distinct texts of `DIR/pairs.jsonl` (vectors from
 * the evaluation cache, embedded on first use); when there are fewer than `--known`, the rest are
 * copies of them with noise added to their vectors, so the index holds that many points. Prints
 * numbers and asserts nothing. Exit 0 ok, 2 bad arguments, 1 failure.
 */
import { loadConfig, parseSettingFlags } from '../src/config';
import { createEmbedder } from '../src/embed';
import { normalize } from '../src/embed/types';
import { errorMessage } from '../src/errors';
import { seededRandom } from '../src/answer/calibration';
import { percentile } from '../src/evaluation/metrics';
import { pairTexts, readPairs } from '../src/evaluation/pairs';
import { cachedVectors, vectorCacheFile } from '../src/evaluation/vector-cache';
import { HnswIndex } from '../src/index/hnsw-index';
import { KNOWN_QUESTIONS_HNSW } from '../src/evaluation/cache-simulation';
import { QuestionMatcher } from '../src/match/matcher';

const USAGE = 'usage: npm run bench:match -- --pairs DIR [--known 100000] [--lookups 2000]';

function log(m: string): void {
  process.stderr.write(`${m}\n`);
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  const opts = { pairs: '', known: 100_000, lookups: 2000 };
  for (let i = 0; i < rest.length; i++) {
    const v = rest[i + 1];
    if (rest[i] === '--pairs' && v) opts.pairs = rest[++i];
    else if (rest[i] === '--known' && v) opts.known = Number(rest[++i]);
    else if (rest[i] === '--lookups' && v) opts.lookups = Number(rest[++i]);
    else {
      log(`unexpected argument ${rest[i]}\n${USAGE}`);
      return 2;
    }
  }
  if (!opts.pairs || !(opts.known > 0) || !(opts.lookups > 0)) {
    log(USAGE);
    return 2;
  }
  const config = loadConfig(process.env, flags);
  const embedder = await createEmbedder(config);
  const matcher = QuestionMatcher.load(undefined, { embedderId: embedder.id });
  const texts = pairTexts(readPairs(opts.pairs));
  const vectors = await cachedVectors(embedder, vectorCacheFile(config.dataDir, embedder.id), texts, log);
  const rand = seededRandom(3);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

  const started = performance.now();
  const index = HnswIndex.inMemory(embedder.id, embedder.dimension, KNOWN_QUESTIONS_HNSW);
  const knownText: string[] = [];
  const knownVector: Float32Array[] = [];
  for (let id = 0; id < opts.known; id++) {
    const text = texts[id % texts.length];
    const base = vectors.get(text)!;
    const vector = id < texts.length ? base : normalize(base.map((x) => x + 0.02 * gaussian()));
    index.add(id, vector);
    knownText.push(text);
    knownVector.push(vector);
  }
  const buildS = (performance.now() - started) / 1000;
  const memory = process.memoryUsage();

  const times: number[] = [];
  const cpu: number[] = [];
  let hits = 0;
  for (let n = 0; n < opts.lookups; n++) {
    const asked = texts[Math.floor(rand() * texts.length)];
    const vector = normalize(vectors.get(asked)!.map((x) => x + 0.01 * gaussian()));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const candidates = index.search(vector, matcher.candidates).map((h) => ({ id: h.label, text: knownText[h.label], vector: knownVector[h.label] }));
    if (matcher.best(asked, vector, candidates)) hits++;
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  console.log(`known questions ${opts.known} (${Math.min(opts.known, texts.length)} distinct texts), built in ${buildS.toFixed(1)} s`);
  const ms = (xs: number[]) => `p50 ${percentile(xs, 0.5).toFixed(2)} ms, p95 ${percentile(xs, 0.95).toFixed(2)} ms, p99 ${percentile(xs, 0.99).toFixed(2)} ms`;
  console.log(`memory after building: rss ${(memory.rss / 2 ** 20).toFixed(0)} MB (the process, with every question vector loaded), heap ${(memory.heapUsed / 2 ** 20).toFixed(0)} MB`);
  console.log(`lookup (search ${matcher.candidates} candidates + judge them), ${opts.lookups} questions (known ones with noise on their vectors), ${hits} hits`);
  console.log(`  wall time ${ms(times)}`);
  console.log(`  CPU time  ${ms(cpu)} (the process's; wall minus CPU is waiting for a core on a busy machine)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`bench:match failed: ${errorMessage(e)}`);
    process.exit(1);
  },
);
