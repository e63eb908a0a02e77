/**
 * Word-level text helpers shared by retrieval and routing: tokenisation that folds case and
 * accents (like FTS5's `unicode61 remove_diacritics 2`), and English + French stopwords.
 */
const STOPWORDS_EN = `a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once
only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves
then there these they this those through to too under until up very was we were what when where which while who whom
why will with would you your yours yourself yourselves s t don shall may might must also whose`;
const STOPWORDS_FR = `au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même mes moi
mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l
à m n s t y été est sont quel quelle quels quelles comment combien pourquoi quand où ont fait faut peut cette cet`;

export const STOPWORDS: ReadonlySet<string> = new Set(
  `${STOPWORDS_EN} ${STOPWORDS_FR}`.split(/\s+/).filter(Boolean).map((w) => fold(w)),
);

/** Lower case without diacritics. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** Words (letters/digits runs) of a text, folded. */
export function words(text: string): string[] {
  return fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Words that carry meaning: not stopwords. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => !STOPWORDS.has(w));
}

// Porter's stemmer, the same algorithm as SQLite FTS5's `porter` tokenizer, so IDF look-ups in
// the FTS vocabulary and coverage features compare the same forms ("listens" = "listen").
// eslint-disable-next-line @typescript-eslint/no-require-imports
const porter = require('@stdlib/nlp-porter-stemmer') as (word: string) => string;
// Snowball's French stemmer (Orama's build of it). Loaded by require: the package declares its
// subpaths in "exports", which this project's module resolution does not read for types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snowballFrench = (require('@orama/stemmers/french') as { stemmer: (word: string) => string }).stemmer;

export type StemLanguage = 'en' | 'fr';

/**
 * The stem of one word. English: Porter, on the folded word (today's behaviour). French: Snowball
 * on the lower-case word with its accents (its rules read them: "-ées", "-èrent"), then folded
 * like everything else, so "énergétiques" and "energetique" meet at "energet".
 */
export function stem(word: string, lang: StemLanguage = 'en'): string {
  if (lang === 'fr') return fold(snowballFrench(word.normalize('NFC').toLowerCase()));
  return porter(word);
}

/** Words of a text in lower case with their accents, for stemmers that read accents. */
function lowerWords(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Stems of all the words of a text. */
export function stems(text: string, lang: StemLanguage = 'en'): string[] {
  if (lang === 'fr') return lowerWords(text).map((w) => stem(w, 'fr'));
  return words(text).map((w) => stem(w));
}

/** Stems of the words that carry meaning. */
export function contentStems(text: string, lang: StemLanguage = 'en'): string[] {
  if (lang === 'fr') return lowerWords(text).filter((w) => !STOPWORDS.has(fold(w))).map((w) => stem(w, 'fr'));
  return contentWords(text).map((w) => stem(w));
}
