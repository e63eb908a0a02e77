/**
 * Question pairs (`pairs.jsonl`: `{id, question1, question2, duplicate}`, Quora Question Pairs'
 * layout) for the question matcher: the connected groups of questions, the fit/validation split
 * by group, and which known question counts as a right answer to a looked-up one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SobreError } from '../errors';
import { words } from '../text/tokens';
import { isValidationGroup } from './dataset';

export interface QuestionPair {
  id: string;
  question1: string;
  question2: string;
  duplicate: boolean;
}

export interface PairSet {
  file: string;
  pairs: QuestionPair[];
  /** Per pair: in the validation part (30% of the connected groups, by hash). */
  validation: boolean[];
  /** Per question (case, accents and punctuation ignored): its duplicate class, the questions joined by duplicate labels. */
  duplicateClass: Map<string, number>;
  /** Pairs of duplicate classes some pair labelled "not duplicate" joins. */
  judgedDifferent: Set<string>;
}

/** Texts that differ only in spacing are one question (and are embedded once). */
export function pairKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/** Every distinct question text of the pairs (spacing aside): what the simulation embeds. */
export function pairTexts(pairs: readonly QuestionPair[]): string[] {
  return [...new Set(pairs.flatMap((p) => [pairKey(p.question1), pairKey(p.question2)]))];
}

/** Texts that differ only in case, accents, punctuation or spacing are one node of the duplicate graph. */
export function nodeKey(text: string): string {
  return words(text).join(' ');
}

export function readPairs(dir: string): QuestionPair[] {
  const file = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? path.join(dir, 'pairs.jsonl') : dir;
  if (!fs.existsSync(file)) throw new SobreError('not_found', `No pairs file: ${file} (expected a folder holding pairs.jsonl)`);
  const pairs: QuestionPair[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    let p: Partial<QuestionPair>;
    try {
      p = JSON.parse(lines[i]) as Partial<QuestionPair>;
    } catch {
      throw new SobreError('bad_file', `${file}:${i + 1}: not JSON`);
    }
    if (typeof p.question1 !== 'string' || typeof p.question2 !== 'string' || typeof p.duplicate !== 'boolean') {
      throw new SobreError('bad_file', `${file}:${i + 1}: needs question1, question2 (strings) and duplicate (boolean)`);
    }
    pairs.push({ id: String(p.id ?? i + 1), question1: p.question1, question2: p.question2, duplicate: p.duplicate });
  }
  return pairs;
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    if (!this.parent.has(x)) this.parent.set(x, x);
    while (x !== root) {
      const next = this.parent.get(x)!;
      this.parent.set(x, root);
      x = next;
    }
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller text is the root, so a group's name does not depend on the pairs' order.
    if (ra !== rb) ra < rb ? this.parent.set(rb, ra) : this.parent.set(ra, rb);
  }
}

/**
 * The first `limit` pairs, split by connected group (every pair links its two texts, duplicate
 * or not), so no question is in both parts; duplicate classes link only pairs labelled duplicate.
 */
export function loadPairSet(dir: string, limit = Infinity): PairSet {
  // Groups and classes come from every pair, so `limit` keeps the full file's split and labels.
  const pairs = readPairs(dir);
  const groups = new UnionFind();
  const classes = new UnionFind();
  for (const p of pairs) {
    const a = nodeKey(p.question1);
    const b = nodeKey(p.question2);
    groups.union(a, b);
    classes.find(a);
    classes.find(b);
    if (p.duplicate) classes.union(a, b);
  }
  const duplicateClass = new Map<string, number>();
  const ids = new Map<string, number>();
  for (const p of pairs) {
    for (const t of [nodeKey(p.question1), nodeKey(p.question2)]) {
      const root = classes.find(t);
      if (!ids.has(root)) ids.set(root, ids.size);
      duplicateClass.set(t, ids.get(root)!);
    }
  }
  const judgedDifferent = new Set<string>();
  for (const p of pairs) {
    if (!p.duplicate) judgedDifferent.add(classPair(duplicateClass.get(nodeKey(p.question1))!, duplicateClass.get(nodeKey(p.question2))!));
  }
  const kept = pairs.slice(0, limit);
  const validation = kept.map((p) => isValidationGroup(groups.find(nodeKey(p.question1))));
  return { file: path.resolve(fs.statSync(dir).isDirectory() ? path.join(dir, 'pairs.jsonl') : dir), pairs: kept, validation, duplicateClass, judgedDifferent };
}

function classPair(a: number, b: number): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

export type HitVerdict = 'right' | 'labelled_different' | 'unlabelled';

/**
 * A hit on `known` for the looked-up `asked` is right when both are in one duplicate class; it is
 * wrong by a label when a pair labelled "not duplicate" joins their two classes; otherwise no
 * label decides (Quora never compared them), and the evaluation counts it as wrong.
 */
export function hitVerdict(set: Pick<PairSet, 'duplicateClass' | 'judgedDifferent'>, asked: string, known: string): HitVerdict {
  const a = set.duplicateClass.get(nodeKey(asked));
  const b = set.duplicateClass.get(nodeKey(known));
  if (a === undefined || b === undefined) return 'unlabelled';
  if (a === b) return 'right';
  return set.judgedDifferent.has(classPair(a, b)) ? 'labelled_different' : 'unlabelled';
}

export function isRightHit(set: Pick<PairSet, 'duplicateClass' | 'judgedDifferent'>, asked: string, known: string): boolean {
  return hitVerdict(set, asked, known) === 'right';
}

/** The duplicate class of a text (undefined when the set does not hold it). */
export function duplicateClassOf(set: Pick<PairSet, 'duplicateClass'>, text: string): number | undefined {
  return set.duplicateClass.get(nodeKey(text));
}

/**
 * Pairs whose two questions are the same text (case, accents and punctuation aside), and how
 * many of them are labelled "not duplicate": a floor under the label noise every measured
 * wrong-hit rate carries.
 */
export function identicalPairs(set: Pick<PairSet, 'pairs'>): { identical: number; labelledDifferent: number } {
  const same = set.pairs.filter((p) => nodeKey(p.question1) === nodeKey(p.question2));
  return { identical: same.length, labelledDifferent: same.filter((p) => !p.duplicate).length };
}
