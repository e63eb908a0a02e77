/**
 * Which language a text is in: English, French, or something else (another language, code, a
 * table of numbers). Function words decide; letters and character pairs typical of one language
 * break ties and carry texts with no function word. Built to hold on a five-word question as
 * well as on a chunk, with nothing to load.
 */
import type { StemLanguage } from './tokens';

export type Language = 'en' | 'fr' | 'other';

const set = (words: string): ReadonlySet<string> => new Set(words.split(/\s+/).filter(Boolean));

// Frequent function words that are not words of the other language ("a", "on", "son", "plus",
// "as", "must", "me", "ne"... are left out for that reason).
const ENGLISH = set(`the of and to in is was were are be been being that this these those with for from by at it its
he she they them his her their we our you your what who whom whose when where which why how did does do not but
or if than then there into about after before over under between during while has have had will would can could
should an any all some many much most more other such only also just very so no yes one first new year years
made used called known became become named i am my`);
const FRENCH = set(`le la les des du de un une et est sont dans pour par sur au aux avec qui que quoi quel quelle quels
quelles quand où comment combien pourquoi lequel laquelle lesquels ce cette ces cet il elle ils elles ont été était
étaient sa ses leur leurs pas ne mais ou se à lors fut furent sous entre après avant depuis selon
aussi très tout tous toute toutes être avoir fait faire peut nous vous je tu lui eux dont année ans premier première
comme ainsi alors donc encore même autres autre chez vers contre sans afin`);
// The same for languages close enough to share words with French or English, so that their
// texts are "other" instead of a weak French or English.
const OTHERS = set(`el los las del y por una con como para pero más es esta este fue son der die das und ist nicht
ein eine einer mit von zu den dem im auf sich het een van zijn niet che di della delle degli sono non per nel alla
gli não uma os em foi são também cuál qué dónde cuándo cómo quién qual quale dove quando chi cosa come è wat hoe wie
waar wanneer welche wo wann warum`);

// Letters that are common in French and rare in English; letters of neighbouring languages.
const FRENCH_LETTERS = /[éèêàùçœâîôûëï]/u;
const OTHER_LETTERS = /[ñáíóúäöüßãõ¿¡]/u;
// Character pairs and triples whose frequency differs most between the two languages.
const ENGLISH_GRAMS = /th|wh|sh|ck|ght|ing\b|\bw|y\b|ee|oo/gu;
const FRENCH_GRAMS = /eau|oux|aux\b|ou|qu|ée|ez\b|\bl'|\bd'|\bqu'|\bn'|\bs'|\bc'|\bj'|ion\b|eux\b|ais\b|ait\b|oi/gu;

// A question's first word, when it is an interrogative, names its language.
const QUESTION_START_EN = /^(?:what|who|whom|whose|when|where|which|why|how|is|are|was|were|did|does|do|can)\b/u;
const QUESTION_START_FR = /^(?:qu'|(?:quel|quelle|quels|quelles|qui|quand|où|comment|combien|pourquoi|est-ce|lequel|laquelle|que|quoi|dans quel|en quelle)(?!\p{L}))/u;

const MAX_CHARS = 4000;

interface Scores {
  en: number;
  fr: number;
  other: number;
}

function score(text: string): Scores {
  const s: Scores = { en: 0, fr: 0, other: 0 };
  const lower = text.slice(0, MAX_CHARS).toLowerCase().replace(/[’`]/g, "'").trim();
  if (QUESTION_START_EN.test(lower)) s.en += 2;
  if (QUESTION_START_FR.test(lower)) s.fr += 2;
  for (const w of lower.match(/\p{L}+/gu) ?? []) {
    if (ENGLISH.has(w)) s.en += 1;
    if (FRENCH.has(w)) s.fr += 1;
    if (OTHERS.has(w)) s.other += 1;
    if (FRENCH_LETTERS.test(w)) s.fr += 0.5;
    if (OTHER_LETTERS.test(w)) s.other += 0.5;
  }
  s.other += 0.5 * (lower.match(/[¿¡]/gu) ?? []).length;
  // Elision (l'eau, qu'il) is French (the letter alone is not counted as a word above); 's and n't are English.
  s.fr += (lower.match(/\b[ldjnmcst]'\p{L}|\bqu'\p{L}/gu) ?? []).length;
  s.en += (lower.match(/\p{L}'s\b|n't\b/gu) ?? []).length;
  // Character patterns count a little: they decide only when function words are missing or tied.
  s.en += 0.1 * (lower.match(ENGLISH_GRAMS) ?? []).length;
  s.fr += 0.1 * (lower.match(FRENCH_GRAMS) ?? []).length;
  return s;
}

/**
 * `en`, `fr`, or `other` when the text is in another language or carries too little language to
 * tell (a number, a code line, a name alone).
 */
export function detectLanguage(text: string): Language {
  const s = score(text);
  const best = Math.max(s.en, s.fr, s.other);
  if (best < 0.5 || s.other === best) return 'other';
  return s.fr > s.en ? 'fr' : 'en';
}

/**
 * The language a question is matched in: one Sobre stems (English or French). A question whose
 * language cannot be told (`other`: a few keywords, a name) takes the one most of the corpus's
 * chunks are in (`corpus`: chunks per language); English when that does not decide either.
 */
export function questionLanguage(question: string, corpus: Partial<Record<Language, number>> = {}): StemLanguage {
  const detected = detectLanguage(question);
  if (detected !== 'other') return detected;
  return (corpus.fr ?? 0) > (corpus.en ?? 0) ? 'fr' : 'en';
}
