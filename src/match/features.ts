/**
 * Features of a pair (a known question, a question asked): what the cosine of two sentence
 * embeddings misses when near-duplicates differ in one word that changes the question — a rare
 * word swapped ("learn Python" / "learn Java"), a negation, a number, a name, the order of the
 * matched words ("Texas to California" / "California to Texas"), the question word or the modal.
 */
import type { QuestionAnalysis } from './analysis';
import type { QuestionTermStats } from './term-stats';

export const MATCH_FEATURES = [
  'cosine',
  'coverage_asked', // IDF-weighted share of the asked question's content words found in the known one
  'coverage_known', // the same the other way
  'unmatched_idf_max', // the rarest content word found in only one of the two, over the largest IDF
  'unmatched_idf_sum', // all such words' IDF, over the largest IDF
  'order_agreement', // Kendall's tau of the matched content words' positions (1: same order)
  'order_loss', // IDF share of the content words matched but out of their common order ("Texas to California")
  'bigram_overlap', // Jaccard of word-stem bigrams, stopwords included ("to texas" ≠ "to california")
  'negation_mismatch',
  'deictic', // either question points at something unsaid ("this circuit"): same words, maybe another thing
  'number_mismatch', // numbers in only one of the two
  'entity_mismatch', // names in one question whose stem is absent from the other
  'question_word_mismatch',
  'modal_mismatch',
  'length_ratio', // shorter over longer, in words
  'same_words', // the same multiset of stems
] as const;

export type MatchFeatureName = (typeof MATCH_FEATURES)[number];
export type MatchFeatures = Record<MatchFeatureName, number>;

function kendallTau(a: readonly string[], b: readonly string[]): number {
  const posB = new Map(b.map((s, i) => [s, i]));
  const order = a.filter((s) => posB.has(s)).map((s) => posB.get(s)!);
  let agree = 0;
  let pairs = 0;
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      pairs++;
      agree += order[i] < order[j] ? 1 : -1;
    }
  }
  return pairs === 0 ? 1 : agree / pairs;
}

/**
 * IDF of the content words both share minus the IDF of their heaviest common subsequence, over
 * the IDF of all their content words: large only when most words match but in another order.
 */
function orderLoss(a: readonly string[], b: readonly string[], idf: ReadonlyMap<string, number>): number {
  const inB = new Set(b);
  const shared = a.filter((t) => inB.has(t)).reduce((s, t) => s + idf.get(t)!, 0);
  const total = [...new Set([...a, ...b])].reduce((s, t) => s + idf.get(t)!, 0);
  if (shared === 0) return 0;
  // Weighted longest common subsequence, one row at a time.
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const t of a) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) row[j] = Math.max(prev[j], row[j - 1], b[j - 1] === t ? prev[j - 1] + idf.get(t)! : 0);
    prev = row;
  }
  return (shared - prev[b.length]) / total;
}

function bigrams(stems: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + 1 < stems.length; i++) out.add(`${stems[i]} ${stems[i + 1]}`);
  return out;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return both / (a.size + b.size - both);
}

function symmetricDifference(a: readonly string[], b: readonly string[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  return a.filter((x) => !sb.has(x)).length + b.filter((x) => !sa.has(x)).length;
}

function mismatch(a: string | null, b: string | null): number {
  return a !== null && b !== null && a !== b ? 1 : 0;
}

export function pairFeatures(known: QuestionAnalysis, asked: QuestionAnalysis, cosine: number, stats: QuestionTermStats): MatchFeatures {
  const idf = stats.idf([...known.content, ...asked.content]);
  const knownStems = new Set(known.stems);
  const askedStems = new Set(asked.stems);
  const coverage = (terms: readonly string[], other: ReadonlySet<string>) => {
    let found = 0;
    let total = 0;
    for (const t of terms) {
      total += idf.get(t)!;
      if (other.has(t)) found += idf.get(t)!;
    }
    return total === 0 ? 1 : found / total;
  };
  const coverageAsked = coverage(asked.content, knownStems);
  const coverageKnown = coverage(known.content, askedStems);
  const unmatched = [...known.content.filter((t) => !askedStems.has(t)), ...asked.content.filter((t) => !knownStems.has(t))].map((t) => idf.get(t)!);
  const entityMissing = [...known.entities.filter((e) => !askedStems.has(e)), ...asked.entities.filter((e) => !knownStems.has(e))];
  const sorted = (s: readonly string[]) => [...s].sort().join(' ');
  return {
    cosine,
    coverage_asked: coverageAsked,
    coverage_known: coverageKnown,
    unmatched_idf_max: Math.max(0, ...unmatched) / stats.maxIdf,
    unmatched_idf_sum: unmatched.reduce((s, x) => s + x, 0) / stats.maxIdf,
    order_agreement: kendallTau(known.content, asked.content),
    order_loss: orderLoss(known.content, asked.content, idf) * Math.min(coverageAsked, coverageKnown),
    bigram_overlap: jaccard(bigrams(known.stems), bigrams(asked.stems)),
    negation_mismatch: known.negations !== asked.negations ? 1 : 0,
    deictic: known.deictic || asked.deictic ? 1 : 0,
    number_mismatch: Math.min(2, symmetricDifference(known.numbers, asked.numbers)),
    entity_mismatch: Math.min(2, entityMissing.length),
    question_word_mismatch: mismatch(known.questionWord, asked.questionWord),
    modal_mismatch: mismatch(known.modal, asked.modal),
    length_ratio: Math.min(known.stems.length, asked.stems.length) / Math.max(1, known.stems.length, asked.stems.length),
    same_words: sorted(known.stems) === sorted(asked.stems) ? 1 : 0,
  };
}

export function featureVector(f: MatchFeatures): number[] {
  return MATCH_FEATURES.map((name) => f[name]);
}
