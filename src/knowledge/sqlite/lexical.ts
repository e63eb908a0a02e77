/**
 * The store's lexical indexes, one per stemming language. English: `chunks_fts`, FTS5's Porter
 * tokenizer (what the router was calibrated on). French: `chunks_fts_fr`, over the same title
 * and text stemmed here by Snowball's French stemmer (FTS5 has no French stemmer), tokenized
 * without stemming. Every chunk is in both, whatever its language: a French question can still
 * match a name in an English chunk.
 */
import { detectLanguage, type Language } from '../../text/language';
import { stems, type StemLanguage } from '../../text/tokens';

export const LEXICAL_TABLES: Readonly<Record<StemLanguage, { fts: string; vocab: string }>> = {
  en: { fts: 'chunks_fts', vocab: 'chunks_vocab' },
  fr: { fts: 'chunks_fts_fr', vocab: 'chunks_vocab_fr' },
};

/** The language stored with a chunk, detected from its text at ingest. */
export function chunkLanguage(text: string): Language {
  return detectLanguage(text);
}

/** What `chunks_fts_fr` indexes for a title or text: its French stems. */
export function frenchIndexText(text: string): string {
  return stems(text, 'fr').join(' ');
}
