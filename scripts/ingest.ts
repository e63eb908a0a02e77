/**
 * `npm run ingest -- <files or folders...> [--prune]`: thin — parse, call the pipeline, print.
 * Exit codes: 0 all went in, 1 some file failed (the rest went in), 2 bad arguments or settings.
 * Holds the store's write lease for the whole run (waiting, with a line on stderr, while another
 * process writes).
 */
import { loadConfig, parseSettingFlags } from '../src/config';
import { createIngestEmbedder } from '../src/embed';
import { errorMessage, isSobreError } from '../src/errors';
import path from 'node:path';
import { ingestPaths, type IngestProgress, type IngestSummary } from '../src/ingest/pipeline';
import type { SkippedGroup } from '../src/ingest/types';
import { openKnowledge } from '../src/knowledge';

const USAGE = 'usage: npm run ingest -- <files or folders...> [--prune] [--data-dir DIR] [--chunk-size N] [--chunk-overlap N]';

function progressPrinter(): (p: IngestProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastPlain = 0;
  return (p) => {
    const pct = p.filesTotal > 0 ? p.filesDone / p.filesTotal : 0;
    const line = `${p.documents} documents, ${p.chunks} chunks, ${p.chunksPerSecond.toFixed(1)} chunks/s`;
    if (tty) {
      const width = 24;
      const filled = Math.round(pct * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.filesDone}/${p.filesTotal} files, ${line}\x1b[K`);
    } else if (Date.now() - lastPlain > 5000) {
      lastPlain = Date.now();
      process.stderr.write(`progress: ${p.filesDone}/${p.filesTotal} files, ${line}\n`);
    }
  };
}

const SHOWN_PER_REASON = 5;

/** "skipped 35 files: 30 unsupported type, 3 template, 2 too large", then a line per reason naming a few. */
function skippedLines(groups: readonly SkippedGroup[]): string[] {
  const total = groups.reduce((n, g) => n + g.files.length, 0);
  if (total === 0) return [];
  const shown = (files: readonly string[]) => files.slice(0, SHOWN_PER_REASON).map((f) => path.relative(process.cwd(), f) || f).join(', ');
  return [
    `skipped ${total} file${total === 1 ? '' : 's'}: ${groups.map((g) => `${g.files.length} ${g.reason}`).join(', ')}`,
    ...groups.map((g) => `  ${g.reason}: ${shown(g.files)}${g.files.length > SHOWN_PER_REASON ? ` and ${g.files.length - SHOWN_PER_REASON} more` : ''}`),
  ];
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  const prune = rest.includes('--prune');
  const unknown = rest.filter((a) => a.startsWith('--') && a !== '--prune');
  const paths = rest.filter((a) => !a.startsWith('--'));
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (unknown.length > 0 || paths.length === 0) {
    console.error(unknown.length > 0 ? `unknown option ${unknown[0]}\n${USAGE}` : USAGE);
    return 2;
  }
  const config = loadConfig(process.env, flags);
  const { embedder, concurrency, close } = await createIngestEmbedder(config);
  const knowledge = await openKnowledge(config, embedder).catch(async (e: unknown) => {
    await close();
    throw e;
  });
  try {
    const r = knowledge.opened;
    for (const w of r.warnings ?? []) console.error(`warning: ${w}`);
    if (r.added + r.removed > 0) console.error(`repaired the index after an interrupted run: ${r.added} vectors restored from the store, ${r.removed} removed`);
    // Held for the whole run: no other writer (a service's upload or deletion, another ingest)
    // changes the store between what this run reads and what it commits.
    const release = await knowledge.writeLease({
      holder: 'npm run ingest',
      onWait: (h) => console.error(`waiting for the write lease, held by ${h.description}`),
    });
    let s: IngestSummary;
    try {
      s = await ingestPaths({ knowledge, embedder, settings: config, concurrency }, paths, { prune, onProgress: progressPrinter() });
    } finally {
      await release();
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    for (const f of s.failures) console.error(`failed: ${f.path}: ${f.reason}`);
    const stats = await knowledge.stats();
    console.log(
      `added ${s.added}, updated ${s.updated}, unchanged ${s.unchanged}, failed ${s.failed}, pruned ${s.pruned} ` +
        `in ${s.seconds.toFixed(2)} s; ${s.chunksEmbedded} chunks embedded, ${s.chunksReused} reused, ${s.chunksPerSecond.toFixed(1)} chunks/s. ` +
        `Store: ${stats.documents} documents, ${stats.chunks} chunks.`,
    );
    for (const line of skippedLines(s.skipped)) console.log(line);
    return s.failed > 0 ? 1 : 0;
  } finally {
    await knowledge.close();
    await close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`ingest failed: ${errorMessage(e)}`);
    process.exit(isSobreError(e) && e.code === 'bad_config' ? 2 : 1);
  },
);
