/**
 * The content gap: questions Sobre could not answer from its passages (routes generate, passages,
 * abstain), grouped so the most frequent missing topics come first. Identical questions (same
 * normalised-text hash) always group; with an Embedder, groups whose example questions have
 * cosine >= threshold merge too (greedy leader clustering, most frequent first). Questions kept
 * only as a hash (or whose text expired) appear as '(hidden)' and group by hash alone.
 */
import type { Embedder } from '../embed/types';
import { errorMessage } from '../errors';
import type { LedgerRow, Route } from './types';

export const GAP_ROUTES: readonly Route[] = ['generate', 'passages', 'abstain'];
export const HIDDEN_QUESTION = '(hidden)';

export interface ContentGapGroup {
  example: string;
  hidden: boolean;
  count: number;
  routes: Partial<Record<Route, number>>;
  lastAt: string;
}

export interface ContentGap {
  method: 'embedding' | 'text';
  embedderId: string | null;
  threshold: number | null;
  questions: number;
  groupCount: number;
  /** Most frequent first, at most `limit`. */
  groups: ContentGapGroup[];
  note: string | null;
}

export interface ContentGapOptions {
  embedder?: Embedder;
  threshold: number;
  limit?: number;
  /** At most this many distinct questions are embedded (most frequent first); the rest group by text. */
  maxEmbedded?: number;
}

interface Unit extends ContentGapGroup {
  lastMs: number;
}

function byFrequency(a: Unit, b: Unit): number {
  return b.count - a.count || b.lastMs - a.lastMs;
}

/** Group by normalised-text hash; the example is the most recent text seen. */
function exactGroups(rows: readonly LedgerRow[]): Unit[] {
  const units = new Map<string, Unit>();
  for (const row of rows) {
    let u = units.get(row.questionSha256);
    if (!u) {
      u = { example: HIDDEN_QUESTION, hidden: true, count: 0, routes: {}, lastAt: '', lastMs: -Infinity };
      units.set(row.questionSha256, u);
    }
    u.count++;
    u.routes[row.route] = (u.routes[row.route] ?? 0) + 1;
    const ms = row.at.getTime();
    const newest = ms >= u.lastMs;
    if (newest) {
      u.lastMs = ms;
      u.lastAt = row.at.toISOString();
    }
    if (row.question !== null && (u.hidden || newest)) {
      u.example = row.question;
      u.hidden = false;
    }
  }
  return [...units.values()].sort(byFrequency);
}

function merge(into: Unit, from: Unit): void {
  into.count += from.count;
  for (const [route, n] of Object.entries(from.routes) as [Route, number][]) into.routes[route] = (into.routes[route] ?? 0) + n;
  if (from.lastMs > into.lastMs) {
    into.lastMs = from.lastMs;
    into.lastAt = from.lastAt;
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

async function embedAll(embedder: Embedder, texts: string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 64) out.push(...(await embedder.embed(texts.slice(i, i + 64))));
  return out;
}

/** Greedy leader clustering: each unit joins the first-created leader it is similar enough to. */
async function clusterByEmbedding(units: Unit[], embedder: Embedder, threshold: number, maxEmbedded: number): Promise<Unit[]> {
  const visible = units.filter((u) => !u.hidden).slice(0, maxEmbedded);
  const vectors = await embedAll(embedder, visible.map((u) => u.example));
  const vectorOf = new Map(visible.map((u, i) => [u, vectors[i]]));
  const leaders: { unit: Unit; vector: Float32Array }[] = [];
  const out: Unit[] = [];
  for (const unit of units) {
    const v = vectorOf.get(unit);
    if (!v) {
      out.push(unit);
      continue;
    }
    let best: { unit: Unit; vector: Float32Array } | null = null;
    let bestSim = -Infinity;
    for (const leader of leaders) {
      const sim = dot(v, leader.vector);
      if (sim > bestSim) {
        bestSim = sim;
        best = leader;
      }
    }
    if (best && bestSim >= threshold) merge(best.unit, unit);
    else {
      const copy: Unit = { ...unit, routes: { ...unit.routes } };
      leaders.push({ unit: copy, vector: v });
      out.push(copy);
    }
  }
  return out.sort(byFrequency);
}

export async function groupContentGap(rows: readonly LedgerRow[], opts: ContentGapOptions): Promise<ContentGap> {
  const gapRows = rows.filter((r) => GAP_ROUTES.includes(r.route));
  const units = exactGroups(gapRows);
  let groups = units;
  let method: ContentGap['method'] = 'text';
  let note: string | null = opts.embedder ? null : 'no embedder: grouped by normalised text';
  if (opts.embedder && units.some((u) => !u.hidden)) {
    try {
      groups = await clusterByEmbedding(units, opts.embedder, opts.threshold, opts.maxEmbedded ?? 2000);
      method = 'embedding';
    } catch (e) {
      note = `embedder failed, grouped by normalised text: ${errorMessage(e)}`;
    }
  }
  return {
    method,
    embedderId: method === 'embedding' && opts.embedder ? opts.embedder.id : null,
    threshold: method === 'embedding' ? opts.threshold : null,
    questions: gapRows.length,
    groupCount: groups.length,
    groups: groups.slice(0, opts.limit ?? 20).map(({ lastMs: _lastMs, ...g }) => g),
    note,
  };
}
