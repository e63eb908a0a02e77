/**
 * What the matcher reads in one question, computed once per text: its word stems (case and
 * accents folded like `text/tokens`), content stems in order, numbers, names, negations, the
 * question word and the first auxiliary or modal verb. English and French.
 */
import { STOPWORDS, fold, stem, words } from '../text/tokens';

export interface QuestionAnalysis {
  /** Stems of every word, in order. */
  stems: string[];
  /** Stems of the content words (no stopwords), in order of first occurrence, distinct. */
  content: string[];
  /** Numbers written with digits, normalised ("3,000" = "3000"). */
  numbers: string[];
  /** Stems of capitalised words after the first and of acronyms: likely names. */
  entities: string[];
  negations: number;
  /** Points at something the words do not say ("this circuit", "the code below"): the same words may ask about another thing. */
  deictic: boolean;
  /** Class of the first question word (`what`, `how`, `quantity`, `why`, `where`, `when`, `who`, `which`) or null. */
  questionWord: string | null;
  /** Class of the first auxiliary or modal verb (`can`, `should`, `will`, `do`, `past`, `be`, `have`, `may`) or null. */
  modal: string | null;
}

const QUESTION_WORDS: Record<string, string> = {
  what: 'what', how: 'how', why: 'why', where: 'where', when: 'when', who: 'who', whom: 'who', whose: 'who', which: 'which',
  quoi: 'what', comment: 'how', pourquoi: 'why', ou: 'where', quand: 'when', qui: 'who', combien: 'quantity',
  quel: 'which', quelle: 'which', quels: 'which', quelles: 'which', lequel: 'which', laquelle: 'which',
};
const QUANTITY_AFTER_HOW = new Set(['many', 'much', 'long', 'old', 'far', 'often', 'big', 'large', 'tall']);

const MODALS: Record<string, string> = {
  can: 'can', could: 'can', should: 'should', must: 'should', ought: 'should', shall: 'should', will: 'will', would: 'will',
  do: 'do', does: 'do', did: 'past', was: 'past', were: 'past', is: 'be', are: 'be', am: 'be', have: 'have', has: 'have',
  had: 'past', may: 'may', might: 'may',
  peut: 'can', peux: 'can', peuvent: 'can', pouvez: 'can', pourrait: 'can', dois: 'should', doit: 'should', devrait: 'should',
  devrais: 'should', faut: 'should', sera: 'will', seront: 'will', est: 'be', sont: 'be', etait: 'past', etaient: 'past',
};

const DEICTIC = new Set(['this', 'these', 'below', 'attached', 'pictured', 'ceci', 'cette', 'voici']);

const NEGATIONS = new Set(['not', 'no', 'never', 'without', 'cannot', 'nobody', 'nothing', 'none', 'neither', 'nor', 'nowhere', 'ne', 'pas', 'jamais', 'sans', 'aucun', 'aucune', 'rien']);

/** "don't" folds to `don` + `t`: the `t` after a word ending in n is a negation. */
function isContractedNegation(prev: string | undefined, w: string): boolean {
  return w === 't' && prev !== undefined && prev.endsWith('n');
}

function isContentWord(ws: readonly string[], i: number): boolean {
  return !STOPWORDS.has(ws[i]) && !isContractedNegation(ws[i], ws[i + 1] ?? '');
}

// "What's" and "What is" are one question; the possessive 's ("Sobre's") is left alone.
const CONTRACTIONS: [RegExp, string][] = [
  [/\b(what|who|where|when|why|how|that|it|there|here|he|she)['’]s\b/giu, '$1 is'],
  [/['’]re\b/giu, ' are'],
  [/['’]m\b/giu, ' am'],
  [/['’]ve\b/giu, ' have'],
  [/['’]ll\b/giu, ' will'],
];

export function analyseQuestion(text: string): QuestionAnalysis {
  for (const [pattern, expansion] of CONTRACTIONS) text = text.replace(pattern, expansion);
  const ws = words(text);
  const stems = ws.map((w) => stem(w));
  const content = [...new Set(ws.filter((_, i) => isContentWord(ws, i)).map((w) => stem(w)))];
  let negations = 0;
  let deictic = false;
  let questionWord: string | null = null;
  let modal: string | null = null;
  ws.forEach((w, i) => {
    if (NEGATIONS.has(w) || isContractedNegation(ws[i - 1], w)) negations++;
    if (DEICTIC.has(w)) deictic = true;
    if (questionWord === null && QUESTION_WORDS[w]) {
      questionWord = w === 'how' && QUANTITY_AFTER_HOW.has(ws[i + 1] ?? '') ? 'quantity' : QUESTION_WORDS[w];
    }
    if (modal === null && MODALS[w]) modal = MODALS[w];
  });
  const numbers = (fold(text).match(/\d+(?:[.,]\d+)*/g) ?? []).map((n) => n.replace(/,(?=\d{3}\b)/g, '').replace(',', '.'));
  const entities: string[] = [];
  // Capitalised words after the first word (the first is capitalised by writing convention).
  const raw = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  raw.forEach((w, i) => {
    const acronym = w.length >= 2 && /^\p{Lu}+$/u.test(w);
    if ((i > 0 && /^\p{Lu}/u.test(w)) || acronym) {
      const f = fold(w);
      if (!STOPWORDS.has(f) && !QUESTION_WORDS[f]) entities.push(stem(f));
    }
  });
  return { stems, content, numbers: [...new Set(numbers)], entities: [...new Set(entities)], negations, deictic, questionWord, modal };
}
