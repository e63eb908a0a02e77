/**
 * The content gap: questions Sobre did not answer from its documents (routes generate, passages,
 * abstain), grouped so the most asked missing topics come first. One grouping, the same for the
 * CLI, /v1/report and the dashboard, by words rather than by an embedding model: the CLI loads no
 * model, and an English sentence encoder (USE-lite) puts unrelated questions of another language
 * close together, which merged different French questions into one group.
 *
 * 1. Identical questions (same normalised-text hash) are one unit. A question kept only as a hash
 *    (or whose text expired) is '(hidden)' and groups with its own hash alone.
 * 2. A unit's key is the set of its content-word stems (English and French stopwords dropped,
 *    accents folded, Porter stems: "batteries" = "battery").
 * 3. Greedy leader clustering, most asked first: a unit joins the first group whose leader's key
 *    shares at least `threshold` of the two keys' union (Jaccard); otherwise it leads a new group.
 *    A unit with no content word stays alone.
 * A group's `count` is its questions (ledger rows); `variants`, its distinct question texts.
 */
import type { LedgerRow, Route } from '../ledger/types';
import { contentStems } from '../text/tokens';

export const GAP_ROUTES: readonly Route[] = ['generate', 'passages', 'abstain'];
export const HIDDEN_QUESTION = '(hidden)';

export interface ContentGapGroup {
  /** The most asked question of the group (its most recent text). */
  example: string;
  hidden: boolean;
  /** Questions asked (ledger rows) in the group. */
  count: number;
  /** Distinct questions (after normalisation) in the group. */
  variants: number;
  routes: Partial<Record<Route, number>>;
  lastAt: string;
}

export interface ContentGap {
  method: 'words';
  /** Jaccard similarity of content-word stems at which two questions share a group. */
  threshold: number;
  questions: number;
  groupCount: number;
  /** Most asked first, at most `limit`. */
  groups: ContentGapGroup[];
}

export interface ContentGapOptions {
  threshold: number;
  limit?: number;
}

interface Unit extends ContentGapGroup {
  lastMs: number;
}

function byFrequency(a: Unit, b: Unit): number {
  return b.count - a.count || b.lastMs - a.lastMs || a.example.localeCompare(b.example);
}

/** Group rows by normalised-text hash; the example is the most recent text seen. */
function exactUnits(rows: readonly LedgerRow[]): Unit[] {
  const units = new Map<string, Unit>();
  for (const row of rows) {
    let u = units.get(row.questionSha256);
    if (!u) {
      u = { example: HIDDEN_QUESTION, hidden: true, count: 0, variants: 1, routes: {}, lastAt: '', lastMs: -Infinity };
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

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

function merge(into: Unit, from: Unit): void {
  into.count += from.count;
  into.variants += from.variants;
  for (const [route, n] of Object.entries(from.routes) as [Route, number][]) into.routes[route] = (into.routes[route] ?? 0) + n;
  if (from.lastMs > into.lastMs) {
    into.lastMs = from.lastMs;
    into.lastAt = from.lastAt;
  }
}

export function groupContentGap(rows: readonly LedgerRow[], opts: ContentGapOptions): ContentGap {
  const gapRows = rows.filter((r) => GAP_ROUTES.includes(r.route));
  const leaders: { unit: Unit; key: Set<string> }[] = [];
  const groups: Unit[] = [];
  for (const unit of exactUnits(gapRows)) {
    const key = new Set(unit.hidden ? [] : contentStems(unit.example));
    const leader = key.size === 0 ? undefined : leaders.find((l) => jaccard(key, l.key) >= opts.threshold);
    if (leader) {
      merge(leader.unit, unit);
      continue;
    }
    const group: Unit = { ...unit, routes: { ...unit.routes } };
    if (key.size > 0) leaders.push({ unit: group, key });
    groups.push(group);
  }
  groups.sort(byFrequency);
  return {
    method: 'words',
    threshold: opts.threshold,
    questions: gapRows.length,
    groupCount: groups.length,
    groups: groups.slice(0, opts.limit ?? 20).map(({ lastMs: _lastMs, ...g }) => g),
  };
}
