/**
 * Question vectors kept on disk between evaluation runs, keyed by a hash of the text, so that
 * re-running `eval:cache` or `fit:matcher` embeds only texts it has not seen. One append-only
 * file per embedder: each record is the text's SHA-1 (20 bytes) then the vector (float32).
 * A record cut short by a crash is ignored on the next read.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Embedder } from '../embed/types';

function textHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export function vectorCacheFile(dataDir: string, embedderId: string): string {
  return path.join(dataDir, 'eval', 'question-vectors', `${embedderId.replace(/[^\w.-]+/g, '_')}.bin`);
}

function readCache(file: string, dimension: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  if (!fs.existsSync(file)) return out;
  const buf = fs.readFileSync(file);
  const size = 20 + dimension * 4;
  for (let at = 0; at + size <= buf.length; at += size) {
    const v = new Float32Array(dimension);
    for (let j = 0; j < dimension; j++) v[j] = buf.readFloatLE(at + 20 + j * 4);
    out.set(buf.subarray(at, at + 20).toString('hex'), v);
  }
  return out;
}

/** Vectors of `texts` (deduplicated), embedding and appending the missing ones in batches. */
export async function cachedVectors(
  embedder: Embedder,
  file: string,
  texts: readonly string[],
  log: (m: string) => void = () => {},
): Promise<Map<string, Float32Array>> {
  const cached = readCache(file, embedder.dimension);
  const missing = [...new Set(texts)].filter((t) => !cached.has(textHash(t)));
  if (missing.length > 0) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Drop a partial record a crash may have left, so appends stay aligned.
    if (fs.existsSync(file)) fs.truncateSync(file, cached.size * (20 + embedder.dimension * 4));
    log(`embedding ${missing.length} questions not in ${file}`);
    const started = Date.now();
    const batch = 256;
    for (let i = 0; i < missing.length; i += batch) {
      const part = missing.slice(i, i + batch);
      const vectors = await embedder.embed(part, 'query');
      const records = part.map((t, k) => {
        const rec = Buffer.alloc(20 + embedder.dimension * 4);
        Buffer.from(textHash(t), 'hex').copy(rec, 0);
        vectors[k].forEach((x, j) => rec.writeFloatLE(x, 20 + j * 4));
        cached.set(textHash(t), vectors[k]);
        return rec;
      });
      fs.appendFileSync(file, Buffer.concat(records));
      const done = Math.min(missing.length, i + batch);
      if (done % 5120 < batch || done === missing.length) log(`  ${done}/${missing.length} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  const out = new Map<string, Float32Array>();
  for (const t of texts) out.set(t, cached.get(textHash(t))!);
  return out;
}
