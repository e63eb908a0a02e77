import { computeEvidence, normalizeAnswer, questionTerms } from '../../src/answer/features';
import { classifyQuestion } from '../../src/answer/question-type';
import { selectSentences } from '../../src/answer/sentence-selector';
import type { Passage } from '../../src/retrieve/types';

/** Every question term equally informative. */
const flatIdf = (question: string) => new Map(questionTerms(question).map((t) => [t, 1]));

function passage(text: string, over: Partial<Passage> = {}): Passage {
  return {
    chunkId: 1, documentId: 1, title: 'Nobel Prize in Physics', source: '/x.md', name: 'x.md', text, start: 100, end: 100 + text.length,
    score: 1, bm25: 10, cosine: 0.5, lexicalRank: 1, denseRank: 1, ...over,
  };
}

const NOBEL = 'The prize is awarded every year. The first Nobel Prize in Physics was awarded in 1901 to Wilhelm Röntgen. It came with a medal.';

describe('sentence selection', () => {
  it('picks the sentence that covers the question and holds an answer of the expected type', () => {
    const q = 'When was the first Nobel Prize in Physics awarded?';
    const [best] = selectSentences(q, classifyQuestion(q), [passage(NOBEL)], new Map(), null);
    expect(best.text).toBe('The first Nobel Prize in Physics was awarded in 1901 to Wilhelm Röntgen.');
    expect(best.shortAnswer?.text).toBe('1901');
    expect(best.features.typed_found).toBe(1);
    expect(NOBEL.slice(best.start, best.end)).toBe(best.text);
  });

  it('never picks a question as the answer (FAQ pages restate the question)', () => {
    const text = 'What port does Sobre listen on by default? Sobre listens on port 3000 by default.';
    const q = 'What port does Sobre listen on by default?';
    const [best] = selectSentences(q, classifyQuestion(q), [passage(text)], new Map(), null);
    expect(best.text).toBe('Sobre listens on port 3000 by default.');
  });

  it('counts coverage on stems, and the title as context', () => {
    const q = 'Which physicist received the first Nobel prize?';
    const [best] = selectSentences(q, classifyQuestion(q), [passage('Röntgen, a physicist, received it first in 1901.')], new Map(), null);
    expect(best.features.coverage_with_title).toBeGreaterThan(best.features.coverage);
    expect(best.features.plain_coverage).toBeCloseTo(3 / 5);
  });
});

describe('computeEvidence', () => {
  it('measures coverage, agreement and margins for a well-supported answer', () => {
    const q = 'When was the first Nobel Prize in Physics awarded?';
    const e = computeEvidence(q, [passage(NOBEL), passage('Unrelated text about rivers and lakes.', { chunkId: 2, bm25: 2, cosine: 0.1, lexicalRank: 2, denseRank: 2 })], flatIdf(q), null);
    expect(e.features.sentence_coverage).toBe(1);
    expect(e.features.passage_coverage).toBe(1);
    expect(e.features.retrievers_agree).toBe(1);
    expect(e.features.bm25_log_ratio).toBeCloseTo(Math.log(11 / 3));
    expect(e.features.cosine_margin).toBeCloseTo(0.4);
    expect(e.features.typed_match).toBe(1);
    expect(e.features.wh_when).toBe(1);
    expect(e.features.missing_entities).toBe(0);
  });

  it('flags a name or number of the question that the sentence lacks, and a negation mismatch', () => {
    const q = 'When was the first Nobel Prize in Chemistry not awarded in 1999?';
    const e = computeEvidence(q, [passage(NOBEL)], flatIdf(q), null);
    expect(e.features.missing_entities).toBeGreaterThanOrEqual(2); // Chemistry, 1999
    expect(e.features.question_negation).toBe(1);
    expect(e.features.negation_mismatch).toBe(1);
    expect(e.features.sentence_missing_idf_max).toBe(1);
  });

  it('has no best sentence and zero coverage without passages', () => {
    const e = computeEvidence('Who won?', [], flatIdf('Who won?'), null);
    expect(e.best).toBeNull();
    expect(e.features.passage_coverage).toBe(0);
  });
});

describe('normalizeAnswer (SQuAD)', () => {
  it('lower-cases, drops punctuation and articles', () => {
    expect(normalizeAnswer('The  Eiffel Tower!')).toBe('eiffel tower');
    expect(normalizeAnswer('a 291.42 tCO2eq')).toBe('291 42 tco2eq');
  });
});

describe('the answer span', () => {
  it('adds the next sentence of the same paragraph, never one after a line break', () => {
    const text = 'Avatar is an animated series. It first aired on February 21, 2005.\nA heading line here';
    const q = 'When did Avatar first air?';
    const [best] = selectSentences(q, classifyQuestion(q), [passage(text)], new Map(), null);
    const span = text.slice(best.start, best.answerEnd);
    expect(span).toBe(best.start === 0 ? 'Avatar is an animated series. It first aired on February 21, 2005.' : 'It first aired on February 21, 2005.');
    expect(span).not.toContain('\n');
  });
});
