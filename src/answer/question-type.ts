/**
 * What kind of answer a question asks for, and whether one passage can answer it at all.
 * English and French rules, chosen by the question's language; anything unrecognised is
 * `other` (the sentence is the answer).
 */
import { detectLanguage } from '../text/language';
import { fold } from '../text/tokens';

export type AnswerType = 'date' | 'number' | 'person' | 'place' | 'other';

export interface QuestionType {
  answerType: AnswerType;
  /** Comparisons, yes/no, "both", chained relations: needs reasoning across passages. */
  needsReasoning: boolean;
  reason?: string;
  wh: 'what' | 'which' | 'who' | 'when' | 'where' | 'why' | 'how' | 'how-many' | 'yes-no' | 'other';
}

type Wh = QuestionType['wh'];
const ANSWER_TYPE: Partial<Record<Wh, AnswerType>> = { 'how-many': 'number', when: 'date', who: 'person', where: 'place' };

const YES_NO_START = /^(is|are|was|were|do|does|did|can|could|has|have|had|will|would|should)\b/;
const COMPARISON = /\b(both|either|neither|more|less|fewer|older|younger|larger|smaller|bigger|higher|lower|longer|shorter|earlier|later|first|same|compared?|difference|between)\b/;

function englishType(q: string): QuestionType {
  let wh: Wh = 'other';
  if (/\bhow (many|much|long|old|far|big|large|tall|often)\b/.test(q)) wh = 'how-many';
  else if (/\b(when|what year|which year|what date|in what year)\b/.test(q)) wh = 'when';
  else if (/\b(who|whom|whose)\b/.test(q)) wh = 'who';
  else if (/\bwhere\b/.test(q)) wh = 'where';
  else if (/\bwhy\b/.test(q)) wh = 'why';
  else if (/\bhow\b/.test(q)) wh = 'how';
  else if (/\bwhich\b/.test(q)) wh = 'which';
  else if (/\bwhat\b/.test(q)) wh = 'what';
  else if (YES_NO_START.test(q)) wh = 'yes-no';

  let reason: string | undefined;
  if (wh === 'yes-no' || (YES_NO_START.test(q) && !/\b(what|which|who|when|where|how)\b/.test(q.split(' ').slice(0, 3).join(' ')))) {
    reason = 'yes/no question';
  } else if (COMPARISON.test(q) && /\b(or|than|both|between)\b/.test(q)) {
    reason = 'comparison';
  } else if (/\bboth\b/.test(q)) {
    reason = '"both"';
  }
  return { answerType: ANSWER_TYPE[wh] ?? 'other', needsReasoning: reason !== undefined, reason, wh };
}

// French, on folded text ("où" is told from "ou" before folding; a question that starts with
// "ou" is "où" typed without its accent). "qui" asks for a person at the start, after a
// preposition or a comma: after a noun it is the relative pronoun.
const FR_MEASURE = 'age|population|superficie|surface|taille|hauteur|longueur|largeur|profondeur|altitude|distance|duree|vitesse|temperature|masse|poids|nombre|montant|pourcentage|proportion|part|prix|cout|budget|taux|quantite|somme|score';
const FR_TIME = 'annee|date|jour|mois|siecle|epoque|decennie|periode';
const FR_PLACE = 'pays|ville|region|departement|province|continent|lieu|endroit|commune|quartier|ile|etat';
const FR_WHO = /(^|,|\b(a|de|par|pour|avec|contre|chez|selon|sur|sous|envers|vers|entre|parmi|devant|derriere|apres|avant)) qui\b|^qui\b/;
const FR_INTERROGATIVE = /\b(qui|que|qu|quoi|quel|quelle|quels|quelles|lequel|laquelle|lesquels|lesquelles|quand|comment|combien|pourquoi)\b/;
// Subject-verb inversion ("a-t-il", "peut-on", "est-il", typed "est il") marks a question without an interrogative word.
const FR_INVERSION = /\b\p{L}+-(t-)?(il|elle|ils|elles|on|je|tu|nous|vous|ce)\b|\b(est|sont|a|ont|etait|etaient|fut|furent|peut|peuvent|doit|doivent|va|vont|avait|avaient|sera|seront)[ -]+(t[ -]|t' )?(il|elle|ils|elles|on)\b/u;
// A comparison: a comparative (not a superlative) followed by "que" within a few words ("plus efficaces que"), or a
// comparative word with a choice ("X ou Y", "entre X et Y").
const FR_THAN = /(?<!\b(?:le|la|les|du|des|au|aux) )\b(plus|moins|davantage|meilleure?s?|pire|aine|cadet)\b( [\w'-]+){0,4} qu/;
const FR_COMPARATIVE = '(plus|moins|davantage|meilleure?s?|pire|aine|cadet|compare[esr]?|difference|lequel|laquelle|lesquels|lesquelles)';
const FR_CHOICE = new RegExp(`\\b${FR_COMPARATIVE}\\b.*\\b(ou|entre)\\b|\\b(ou|entre)\\b.*\\b${FR_COMPARATIVE}\\b`);
const WHERE = /(^|[^\p{L}])(d')?où(?!\p{L})/u;

function frenchType(question: string): QuestionType {
  const lower = question.toLowerCase().replace(/’/g, "'");
  const where = WHERE.test(lower);
  const normalise = (t: string): string => fold(t).replace(/'/g, "' ").replace(/\s+/g, ' ').trim();
  const q = normalise(lower);
  let wh: Wh = 'other';
  if (/\bcombien\b/.test(q) || new RegExp(`\\b(quel|quelle)s? (est|etait|sont|etaient)? ?(l' ?|le |la |les )?(${FR_MEASURE})\\b`).test(q)) wh = 'how-many';
  else if (/\b(quand|depuis quand)\b/.test(q) || new RegExp(`\\b(quel|quelle)s? (${FR_TIME})\\b`).test(q)) wh = 'when';
  else if (FR_WHO.test(q) || /\bquelles? personnes?\b/.test(q)) wh = 'who';
  else if (where || /^(d' )?ou\b/.test(q) || new RegExp(`\\b(quel|quelle)s? (${FR_PLACE})\\b`).test(q)) wh = 'where';
  else if (/\bpourquoi\b/.test(q)) wh = 'why';
  else if (/\bcomment\b/.test(q) && !/\bcomment (s' ?appel|appelle|se nomm|nomme)/.test(q)) wh = 'how';
  else if (/\b(quel|quelle|quels|quelles|lequel|laquelle|lesquels|lesquelles)\b/.test(q)) wh = 'which';
  else if (/^est-ce qu/.test(q) || (!FR_INTERROGATIVE.test(q) && FR_INVERSION.test(q))) wh = 'yes-no';
  else if (/\b(que|qu|quoi|comment)\b/.test(q)) wh = 'what';

  let reason: string | undefined;
  if (wh === 'yes-no') reason = 'yes/no question';
  else if (FR_THAN.test(q) || FR_CHOICE.test(normalise(lower.replace(WHERE, '$1 ')))) reason = 'comparison';
  else if (/\b(tous|toutes) (les )?deux\b|\bl' un et l' autre\b/.test(q)) reason = '"both"';
  return { answerType: ANSWER_TYPE[wh] ?? 'other', needsReasoning: reason !== undefined, reason, wh };
}

export function classifyQuestion(question: string): QuestionType {
  return detectLanguage(question) === 'fr' ? frenchType(question) : englishType(fold(question).trim());
}
