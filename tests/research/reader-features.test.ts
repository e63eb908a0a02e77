import { questionTerms } from '../../src/answer/features';
import { classifyQuestion } from '../../src/answer/question-type';
import { selectSentences } from '../../src/answer/sentence-selector';
import type { Passage } from '../../src/retrieve/types';
import { readerFeatures } from '../../scripts/research/reader-features';

function passage(text: string, title = 'Nobel Prize in Physics'): Passage {
  return { chunkId: 1, documentId: 1, title, source: '/x.md', name: 'x.md', text, start: 0, end: text.length, score: 1, bm25: 10, cosine: 0.5, lexicalRank: 1, denseRank: 1 };
}

function features(question: string, passages: Passage[]) {
  const qtype = classifyQuestion(question);
  const terms = questionTerms(question);
  const idf = new Map(terms.map((t) => [t, 1]));
  return readerFeatures(question, qtype, terms, idf, passages, selectSentences(question, qtype, passages, idf, null));
}

const ANSWER = 'The first Nobel Prize in Physics was awarded in 1901 to Wilhelm Röntgen.';

describe('reader features (research)', () => {
  it('see a short answer that other passages repeat, next to the question words', () => {
    const q = 'When was the first Nobel Prize in Physics awarded?';
    const agreeing = features(q, [passage(ANSWER), passage('Röntgen received the prize in 1901 for the discovery of X-rays.', 'Wilhelm Röntgen')]);
    const alone = features(q, [passage(ANSWER), passage('X-rays are a form of electromagnetic radiation used in medicine.', 'X-ray')]);
    expect(agreeing.short_in_sentence).toBe(1);
    expect(agreeing.short_support).toBe(1);
    expect(alone.short_support).toBe(0);
    expect(agreeing.window_coverage).toBe(1);
    expect(agreeing.missing_terms).toBe(0);
  });

  it('count the question words the sentence lacks and those no passage holds', () => {
    const q = 'When was the last Nobel Prize in Chemistry awarded?';
    const f = features(q, [passage(ANSWER)]);
    expect(f.missing_terms).toBe(2);
    expect(f.missing_everywhere_idf).toBe(1);
    expect(f.entities_absent_everywhere).toBe(1);
  });

  it('are all zero without a candidate sentence', () => {
    const f = features('Who discovered X-rays?', []);
    expect(Object.values(f).every((v) => v === 0)).toBe(true);
  });
});
