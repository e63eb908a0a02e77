/**
 * Opening a knowledge in a fresh process (no model, no earlier allocations): how long it takes
 * and how much resident memory it adds. Run by scale.ts as a child; prints one JSON line.
 */
import { fork } from 'node:child_process';
import { loadConfig } from '../../src/config';
import { openKnowledge } from '../../src/knowledge';

export interface LoadProbe {
  loadMs: number;
  rssMbBefore: number;
  rssMbAfter: number;
  chunks: number;
}

async function probe(dataDir: string, embedderId: string, dimension: number): Promise<LoadProbe> {
  const config = loadConfig({ ...process.env, SOBRE_DATA_DIR: dataDir }, {});
  global.gc?.();
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const knowledge = await openKnowledge(config, { id: embedderId, dimension });
  const loadMs = performance.now() - t0;
  // One search, so lazily loaded pages count.
  await knowledge.candidates({ text: 'probe', vector: new Float32Array(dimension).fill(1 / Math.sqrt(dimension)) }, 10);
  global.gc?.();
  const after = process.memoryUsage().rss;
  const { chunks } = await knowledge.stats();
  await knowledge.close();
  return { loadMs, rssMbBefore: before / 2 ** 20, rssMbAfter: after / 2 ** 20, chunks };
}

/** Open `dataDir` in a child process with the current environment (so SOBRE_HNSW_* apply). */
export function probeLoad(dataDir: string, embedder: { id: string; dimension: number }): Promise<LoadProbe> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--probe', dataDir, embedder.id, String(embedder.dimension)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    child.once('message', (m: LoadProbe) => resolve(m));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the load probe exited with ${code}`))));
  });
}

if (require.main === module && process.argv[2] === '--probe') {
  const [dataDir, id, dimension] = process.argv.slice(3);
  probe(dataDir, id, Number(dimension)).then(
    (r) => process.send?.(r, () => process.exit(0)),
    (e: unknown) => {
      process.stderr.write(`load probe: ${String(e)}\n`);
      process.exit(1);
    },
  );
}
