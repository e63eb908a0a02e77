/**
 * `npm run bench [-- --corpus DIR] [--questions FILE] [--rounds N]`: ingest throughput, the
 * speed-up of an incremental re-run, ask latency per route (in process, the code path of
 * POST /v1/ask) and memory. Prints numbers and ratios; asserts nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseSettingFlags } from '../src/config';
import { createDeps } from '../src/deps';
import { createEmbedder } from '../src/embed';
import { errorMessage } from '../src/errors';
import { percentile } from '../src/evaluation/metrics';
import { ingestPaths } from '../src/ingest/pipeline';
import { openKnowledge } from '../src/knowledge';

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  const arg = (name: string, fallback: string) => {
    const i = rest.indexOf(name);
    return i >= 0 && rest[i + 1] ? rest[i + 1] : fallback;
  };
  const corpus = path.resolve(arg('--corpus', 'corpus'));
  const questions = JSON.parse(fs.readFileSync(path.resolve(arg('--questions', path.join(__dirname, '../../scripts/demo-questions.json'))), 'utf8')) as string[];
  const rounds = Number(arg('--rounds', '5'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-bench-'));
  try {
    const config = loadConfig({ ...process.env, SOBRE_DATA_DIR: dataDir }, flags);
    let t = performance.now();
    const embedder = await createEmbedder(config);
    const loadMs = performance.now() - t;
    const knowledge = await openKnowledge(config, embedder);
    const target = { knowledge, embedder, settings: config };
    const first = await ingestPaths(target, [corpus]);
    const second = await ingestPaths(target, [corpus]);
    await knowledge.close();
    console.log(`embedder ${embedder.id}: loaded in ${loadMs.toFixed(0)} ms`);
    console.log(`ingest ${corpus}: ${first.added} documents, ${first.chunksEmbedded} chunks in ${first.seconds.toFixed(2)} s = ${first.chunksPerSecond.toFixed(1)} chunks/s, ${(first.added / first.seconds).toFixed(2)} documents/s`);
    console.log(`re-ingest (nothing changed): ${second.seconds.toFixed(3)} s, ${second.chunksEmbedded} chunks embedded, ${(first.seconds / Math.max(second.seconds, 1e-6)).toFixed(0)}x faster`);

    const deps = await createDeps(config, { embedder, ledger: false, generator: null });
    const byRoute = new Map<string, number[]>();
    const all: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const q of questions) {
        t = performance.now();
        const res = await deps.ask.ask(q);
        const ms = performance.now() - t;
        if (r === 0) continue; // warm-up round
        all.push(ms);
        byRoute.set(res.route, [...(byRoute.get(res.route) ?? []), ms]);
      }
    }
    console.log(`ask latency over ${all.length} questions (${rounds - 1} rounds after a warm-up): p50 ${percentile(all, 0.5).toFixed(1)} ms, p95 ${percentile(all, 0.95).toFixed(1)} ms, p99 ${percentile(all, 0.99).toFixed(1)} ms`);
    for (const [route, ms] of byRoute) console.log(`  ${route.padEnd(9)} n=${ms.length} p50 ${percentile(ms, 0.5).toFixed(1)} ms p95 ${percentile(ms, 0.95).toFixed(1)} ms`);
    t = performance.now();
    await embedder.embed(['How much CO2 did pretraining LLaMA 2 70B emit?'], 'query');
    console.log(`one question embedding: ${(performance.now() - t).toFixed(1)} ms`);
    const mem = process.memoryUsage();
    console.log(`memory: rss ${mb(mem.rss)}, heap used ${mb(mem.heapUsed)}, external ${mb(mem.external)}`);
    deps.close();
    return 0;
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench failed: ${errorMessage(e)}`);
    process.exit(1);
  },
);
