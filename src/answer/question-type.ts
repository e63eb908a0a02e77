/**
 * What kind of answer a question asks for, and whether one passage can answer it at all.
 * English and French cues; anything unrecognised is `other` (the sentence is the answer).
 */
import { fold } from '../text/tokens';

export type AnswerType = 'date' | 'number' | 'person' | 'place' | 'other';

export interface QuestionType {
  answerType: AnswerType;
  /** Comparisons, yes/no, "both", chained relations: needs reasoning across passages. */
  needsReasoning: boolean;
  reason?: string;
  wh: 'what' | 'which' | 'who' | 'when' | 'where' | 'why' | 'how' | 'how-many' | 'yes-no' | 'other';
}

const YES_NO_START = /^(is|are|was|were|do|does|did|can|could|has|have|had|will|would|should|est-ce|peut-on|y a-t-il)\b/;
const COMPARISON = /\b(both|either|neither|more|less|fewer|older|younger|larger|smaller|bigger|higher|lower|longer|shorter|earlier|later|first|same|compared?|difference|between|plus|moins|davantage|meme|lequel|laquelle|les deux)\b/;

export function classifyQuestion(question: string): QuestionType {
  const q = fold(question).trim();
  let wh: QuestionType['wh'] = 'other';
  let answerType: AnswerType = 'other';
  if (/\b(how (many|much|long|old|far|big|large|tall|often)|combien)\b/.test(q)) {
    wh = 'how-many';
    answerType = 'number';
  } else if (/\b(when|what year|which year|what date|in what year|quand|en quelle annee|quelle annee|a quelle date)\b/.test(q)) {
    wh = 'when';
    answerType = 'date';
  } else if (/\b(who|whom|whose|qui)\b/.test(q)) {
    wh = 'who';
    answerType = 'person';
  } else if (/\b(where|ou se|ou est|dans quel pays|dans quelle ville)\b/.test(q)) {
    wh = 'where';
    answerType = 'place';
  } else if (/\b(why|pourquoi)\b/.test(q)) wh = 'why';
  else if (/\b(how|comment)\b/.test(q)) wh = 'how';
  else if (/\b(which|quel|quelle|quels|quelles)\b/.test(q)) wh = 'which';
  else if (/\b(what|que|quoi|qu)\b/.test(q)) wh = 'what';
  else if (YES_NO_START.test(q)) wh = 'yes-no';

  let reason: string | undefined;
  if (wh === 'yes-no' || (YES_NO_START.test(q) && !/\b(what|which|who|when|where|how)\b/.test(q.split(' ').slice(0, 3).join(' ')))) {
    reason = 'yes/no question';
  } else if (COMPARISON.test(q) && /\b(or|ou|than|que|both|between|entre)\b/.test(q)) {
    reason = 'comparison';
  } else if (/\bboth\b|\bles deux\b/.test(q)) {
    reason = '"both"';
  }
  return { answerType, needsReasoning: reason !== undefined, reason, wh };
}
