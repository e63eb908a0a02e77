import { analyseQuestion } from '../../src/match/analysis';
import { MATCH_FEATURES, featureVector, pairFeatures, type MatchFeatures } from '../../src/match/features';
import { QuestionTermStats, countDocumentFrequencies } from '../../src/match/term-stats';

// A small question vocabulary: "learn" and "love" are common, "python" and "java" rare.
const VOCABULARY = [
  'How do I learn to cook?', 'How can I learn to draw?', 'What should I learn first?', 'How do I learn guitar?',
  'How do you know you are in love?', 'Is love real?', 'Why do we fall in love?', 'How do I get a visa?',
  'Where can I get a visa?', 'How to learn Python?', 'What is Java used for?', 'How far is Texas from California?',
];
const stats = new QuestionTermStats(countDocumentFrequencies(VOCABULARY.map((q) => analyseQuestion(q).content), 1));

function features(known: string, asked: string, cosine = 0.9): MatchFeatures {
  return pairFeatures(analyseQuestion(known), analyseQuestion(asked), cosine, stats);
}

describe('question analysis', () => {
  it('folds case and accents and stems, like the rest of Sobre', () => {
    const a = analyseQuestion('Où ÉTUDIER les Mathématiques?');
    expect(a.content).toEqual(['etudi', 'mathematiqu']);
    expect(a.questionWord).toBe('where');
  });

  it('counts negations, contracted ones included, without making "don" a content word', () => {
    expect(analyseQuestion("Why don't cats like water?").negations).toBe(1);
    expect(analyseQuestion("Why won't my phone charge?").content).toEqual(['phone', 'charg']);
    expect(analyseQuestion('Why is there no water on Mars and never any rain?').negations).toBe(2);
    expect(analyseQuestion('Pourquoi ne pleut-il pas ?').negations).toBe(2);
  });

  it('reads "What\'s" as "What is" but leaves a possessive alone', () => {
    expect(analyseQuestion("What's Sobre's port?").stems).toEqual(analyseQuestion("What is Sobre's port?").stems);
    expect(analyseQuestion("What's Sobre's port?").modal).toBe('be');
  });

  it('notices a question pointing at something it does not say', () => {
    expect(analyseQuestion('What does this error mean?').deictic).toBe(true);
    expect(analyseQuestion('How do I solve the equation below?').deictic).toBe(true);
    expect(analyseQuestion('What does the error E42 mean?').deictic).toBe(false);
  });

  it('finds numbers, names after the first word, the question word and the modal', () => {
    const a = analyseQuestion('Where can I buy an iPhone 7 for 3,000 rupees in India?');
    expect(a.numbers).toEqual(['7', '3000']);
    expect(a.entities).toEqual(['india']);
    expect(a.questionWord).toBe('where');
    expect(a.modal).toBe('can');
    expect(analyseQuestion('How many people live in the USA?')).toMatchObject({ questionWord: 'quantity', entities: ['usa'] });
  });
});

describe('pair features', () => {
  it('lists every feature in the declared order', () => {
    const f = features('How do I learn Python?', 'How can I learn Python?');
    expect(featureVector(f)).toEqual(MATCH_FEATURES.map((n) => f[n]));
  });

  it('a paraphrase keeps its content words and order', () => {
    const f = features('How do I learn Python?', 'How can I learn Python quickly?');
    expect(f.coverage_known).toBe(1);
    expect(f.order_agreement).toBe(1);
    expect(f.negation_mismatch + f.number_mismatch + f.question_word_mismatch).toBe(0);
  });

  it('a rare word swapped leaves a rare unmatched word and lowers coverage', () => {
    const swap = features('How do I learn Python?', 'How do I learn Java?');
    const common = features('How do I learn Python?', 'How do I learn Python too?');
    expect(swap.unmatched_idf_max).toBeGreaterThan(0.5);
    expect(swap.coverage_asked).toBeLessThan(0.5);
    expect(common.unmatched_idf_max).toBe(0);
  });

  it('flags a negation, a number, a name, a question word and a modal that differ', () => {
    expect(features('How do you know if you are in love?', 'How do you know you are not in love?').negation_mismatch).toBe(1);
    expect(features('What was life like in 1990?', 'What was life like in 1980?').number_mismatch).toBe(2);
    expect(features('Is it safe to travel to France?', 'Is it safe to travel to Spain?').entity_mismatch).toBe(2);
    expect(features('Where do I get a visa?', 'How can I get a visa?')).toMatchObject({ question_word_mismatch: 1, modal_mismatch: 1 });
    expect(features('How do I get a visa?', 'How do I get a visa?')).toMatchObject({ question_word_mismatch: 0, modal_mismatch: 0, same_words: 1 });
    expect(features('What does this error mean?', 'What does the error mean?').deictic).toBe(1);
  });

  it('sees matched words in the opposite order', () => {
    const f = features('How do I move from Texas to California?', 'How do I move from California to Texas?');
    expect(f.coverage_asked).toBe(1);
    expect(f.same_words).toBe(1);
    expect(f.order_agreement).toBeCloseTo(1 / 3); // move < texas, move < california agree; texas < california does not
    expect(f.order_loss).toBeGreaterThan(0.2); // texas or california falls out of the common order
    expect(f.bigram_overlap).toBeLessThan(1);
    expect(features('How do I move from Texas to California?', 'How can I move from Texas to California?').order_loss).toBe(0);
  });

  it('passes the cosine through', () => {
    expect(features('a b', 'a b', 0.42).cosine).toBe(0.42);
  });
});
