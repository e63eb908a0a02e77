/**
 * `npm run bench [-- --quick] [--only cpu,compare,scale,ingest] [--datasets-dir DIR] [--questions N] [--chunks N]`
 *
 * Prints tables and writes bench/results/bench-<time>-<commit>.json (and bench-latest.json):
 * - cpu: CPU time per distinct question on the ask path, median of 3 runs (scripts/bench/cpu.ts);
 * - compare: Sobre against an always-generate LangChain.js RAG on the development sets, LLM calls,
 *   generator tokens, Wh and gCO2e per 1,000 questions at target precisions 0.8, 0.9, 0.95;
 * - scale: 100,000 chunks: load, RSS, HNSW recall@10 for an efSearch sweep, ask latency per stage;
 * - ingest: chunks/s the first time and the speed-up of an unchanged re-run; the same articles
 *   uploaded through the service with one embedding thread and with one per core.
 * `--quick` (under 5 minutes): fewer questions, a 10,000-chunk knowledge unless the 100,000 one
 * is cached, a small ingest. Every number comes with the machine, its load and the commit.
 * Asserts nothing. Exit 0, or 1 on failure, 2 on bad arguments.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseSettingFlags } from '../src/config';
import { createEmbedder } from '../src/embed';
import { errorMessage } from '../src/errors';
import { describeMachine, log, machine, REPO, writeResult, type Machine } from './bench/common';
import { compareTable, compareWithRag, type CompareResult } from './bench/compare';
import { cpuBench, cpuTable, type CpuResult } from './bench/cpu';
import { ingestBench, ingestTable, uploadBench, uploadTable, type IngestResult, type UploadResult } from './bench/ingest';
import { scaleBench, scaleTables, type ScaleResult } from './bench/scale';
import { scaleCached, scaleData } from './bench/scale-data';

const PARTS = ['cpu', 'compare', 'scale', 'ingest'] as const;
type Part = (typeof PARTS)[number];
const USAGE = 'usage: npm run bench -- [--quick] [--only cpu,compare,scale,ingest] [--datasets-dir DIR] [--questions N] [--chunks N]';

interface Args {
  quick: boolean;
  only: Part[];
  datasetsDir: string;
  questions: number;
  chunks: number;
}

function defaultDatasetsDir(): string {
  const candidates = [path.join(REPO, '..', 'shared', 'datasets'), path.join(REPO, '..', '..', 'shared', 'datasets')];
  return candidates.find((d) => fs.existsSync(d)) ?? candidates[0];
}

function parseArgs(rest: readonly string[]): Args | string {
  const args: Args = { quick: false, only: [...PARTS], datasetsDir: defaultDatasetsDir(), questions: 0, chunks: 0 };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = rest[i + 1];
    if (a === '--quick') args.quick = true;
    else if (a === '--only' && value) {
      const parts = value.split(',');
      const bad = parts.find((p) => !(PARTS as readonly string[]).includes(p));
      if (bad) return `unknown part ${bad}`;
      args.only = parts as Part[];
      i++;
    } else if (a === '--datasets-dir' && value) (args.datasetsDir = path.resolve(value)), i++;
    else if ((a === '--questions' || a === '--chunks') && value && Number(value) > 0) {
      args[a === '--questions' ? 'questions' : 'chunks'] = Number(value);
      i++;
    } else return `unexpected argument ${a}`;
  }
  if (!fs.existsSync(args.datasetsDir)) return `no datasets in ${args.datasetsDir} (--datasets-dir)`;
  return args;
}

interface BenchResult {
  machine: Machine;
  quick: boolean;
  config: { hnswEfSearch: number; hnswM: number; hnswEfConstruction: number; candidateK: number; topK: number; embedder: string };
  cpu?: CpuResult[];
  compare?: CompareResult;
  scale?: ScaleResult;
  ingest?: IngestResult[];
  upload?: UploadResult[];
  /** Sobre's LLM calls divided by the always-generate RAG's, per target precision (all datasets pooled). */
  llm_calls_ratio?: Record<string, number>;
  /** HNSW recall@10 against exact search at the configured efSearch. */
  recall_at_10?: number;
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  const args = parseArgs(rest);
  if (typeof args === 'string') {
    log(`${args}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(process.env, flags);
  const ds = (names: readonly string[]) => names.map((n) => path.join(args.datasetsDir, n)).filter((d) => fs.existsSync(path.join(d, 'questions.jsonl')));
  const embedder = await createEmbedder(config);
  const result: BenchResult = {
    machine: machine(), quick: args.quick,
    config: { hnswEfSearch: config.hnswEfSearch, hnswM: config.hnswM, hnswEfConstruction: config.hnswEfConstruction, candidateK: config.candidateK, topK: config.topK, embedder: embedder.id },
  };
  console.log(`machine: ${describeMachine(result.machine)}`);
  const say = (title: string, body: string) => console.log(`\n== ${title} (load average ${machine().loadAverage.join(' / ')})\n${body}`);

  if (args.only.includes('cpu')) {
    const limit = args.questions || (args.quick ? 60 : 300);
    result.cpu = [];
    for (const d of ds(args.quick ? ['nq-open'] : ['squad2', 'nq-open'])) result.cpu.push(await cpuBench(config, embedder, d, limit));
    say('CPU per distinct question, in process (no generator, no ledger)', cpuTable(result.cpu));
  }
  if (args.only.includes('compare')) {
    const limit = args.questions || (args.quick ? 120 : 500);
    result.compare = await compareWithRag(config, embedder, ds(args.quick ? ['squad2'] : ['squad2', 'nq-open', 'hotpotqa', 'piaf']), limit);
    result.llm_calls_ratio = Object.fromEntries(result.compare.pooled.map((r) => [String(r.target), r.ratios.llm_calls]));
    say(`Sobre (S) against an always-generate LangChain.js RAG, up to ${limit} questions per dataset`, compareTable(result.compare));
  }
  if (args.only.includes('scale')) {
    const full = args.chunks || 100_000;
    const sources = ['squad2', 'nq-open', 'hotpotqa', 'piaf'];
    const data = !args.quick || scaleCached(config, embedder, ds(sources), full)
      ? await scaleData(config, embedder, ds(sources), full, args.quick ? 200 : 500)
      : await scaleData(config, embedder, ds(['squad2', 'piaf']), args.chunks || 10_000, 200);
    result.scale = await scaleBench(config, embedder, data);
    result.recall_at_10 = result.scale.recallAt10Default;
    say(`At ${data.chunks} chunks`, scaleTables(result.scale));
  }
  if (args.only.includes('ingest')) {
    const threads = config.embedThreads || os.availableParallelism();
    result.ingest = [];
    for (const t of args.quick || threads === 1 ? [threads] : [1, threads]) result.ingest.push(await ingestBench(config, t, ds(['squad2', 'nq-open']), args.quick ? 40 : 300));
    result.upload = [];
    for (const t of threads === 1 ? [1] : [1, threads]) result.upload.push(await uploadBench(config, t, ds(['squad2', 'nq-open']), args.quick ? 40 : 300));
    say('Ingestion', `${ingestTable(result.ingest)}\n\n${uploadTable(result.upload)}`);
  }
  const file = writeResult('bench', result);
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`bench failed: ${errorMessage(e)}`);
    if (e instanceof Error && e.stack) log(e.stack);
    process.exit(1);
  },
);
