/**
 * The FTS5 query of a question: its terms, the common ones left out at scale (see
 * docs/architecture.md "Common terms").
 */
import { contentStems, contentWords, stems, words, type StemLanguage } from '../../text/tokens';

/**
 * The terms of a question's lexical query: content words (all words if none), at most 64.
 * English: the words, which FTS5 stems itself; French: their French stems, as `chunks_fts_fr`
 * holds them.
 */
export function queryTerms(question: string, language: StemLanguage = 'en'): string[] {
  let terms = language === 'fr' ? contentStems(question, 'fr') : contentWords(question);
  if (terms.length === 0) terms = language === 'fr' ? stems(question, 'fr') : words(question);
  return [...new Set(terms)].slice(0, 64);
}

/** An FTS5 MATCH expression: the terms quoted and OR-ed. */
export function ftsQuery(terms: readonly string[]): string {
  return terms.map((t) => `"${t}"`).join(' OR ');
}

/** Common terms left out of lexical queries (docs/architecture.md "Retrieval"). */
export interface CommonTerms {
  /** A term is common in more than this share of the chunks (1: never). */
  share: number;
  /** … and in at least this many chunks (below it, its doclist is cheap to read anyway). */
  minChunks: number;
}

/**
 * `terms` without the common ones, which cost a long doclist each (FTS5 reads, merges and scores
 * every chunk that has any query term) and weigh little in BM25. If every term is common, the
 * rarest stays.
 */
export function withoutCommonTerms(
  terms: readonly string[], frequencies: ReadonlyMap<string, number>, chunks: number, common: CommonTerms,
): string[] {
  const limit = Math.max(common.share * chunks, common.minChunks - 1);
  const kept = terms.filter((t) => (frequencies.get(t) ?? 0) <= limit);
  if (kept.length > 0 || terms.length === 0) return kept;
  return [terms.reduce((a, b) => ((frequencies.get(b) ?? 0) < (frequencies.get(a) ?? 0) ? b : a))];
}
