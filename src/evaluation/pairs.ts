/**
 * Question pairs (`pairs.jsonl`: `{id, question1, question2, duplicate}`, Quora Question Pairs'
 * layout) for the question matcher: the connected groups of questions, the fit/validation split
 * by group, and which known question counts as a right answer to a looked-up one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SobreError } from '../errors';
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
  /** Per distinct text (see `pairKey`): its duplicate class, the texts joined by duplicate labels. */
  duplicateClass: Map<string, number>;
}

/** Texts that differ only in spacing are one question. */
export function pairKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

export function readPairs(dir: string, limit = Infinity): QuestionPair[] {
  const file = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? path.join(dir, 'pairs.jsonl') : dir;
  if (!fs.existsSync(file)) throw new SobreError('not_found', `No pairs file: ${file} (expected a folder holding pairs.jsonl)`);
  const pairs: QuestionPair[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length && pairs.length < limit; i++) {
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
 * Splits pairs by connected group (every pair links its two texts, duplicate or not), so no
 * question text is in both parts; duplicate classes link only pairs labelled duplicate.
 */
export function loadPairSet(dir: string, limit = Infinity): PairSet {
  const pairs = readPairs(dir, limit);
  const groups = new UnionFind();
  const classes = new UnionFind();
  for (const p of pairs) {
    const a = pairKey(p.question1);
    const b = pairKey(p.question2);
    groups.union(a, b);
    classes.find(a);
    classes.find(b);
    if (p.duplicate) classes.union(a, b);
  }
  const duplicateClass = new Map<string, number>();
  const ids = new Map<string, number>();
  for (const p of pairs) {
    for (const t of [pairKey(p.question1), pairKey(p.question2)]) {
      const root = classes.find(t);
      if (!ids.has(root)) ids.set(root, ids.size);
      duplicateClass.set(t, ids.get(root)!);
    }
  }
  const validation = pairs.map((p) => isValidationGroup(groups.find(pairKey(p.question1))));
  return { file: dir, pairs, validation, duplicateClass };
}

/** A hit on `known` for the looked-up `asked` is right when both texts are in one duplicate class. */
export function isRightHit(set: Pick<PairSet, 'duplicateClass'>, asked: string, known: string): boolean {
  const a = set.duplicateClass.get(pairKey(asked));
  return a !== undefined && a === set.duplicateClass.get(pairKey(known));
}
