import { classifyQuestion } from '../../src/answer/question-type';
import { splitSentences } from '../../src/answer/sentences';
import { extractShortAnswer, typedCandidates } from '../../src/answer/short-answer';

describe('classifyQuestion', () => {
  it.each([
    ['When was the first Nobel Prize in Physics awarded?', 'when', 'date'],
    ['In what year did the IEA publish the report?', 'when', 'date'],
    ['How many tonnes of CO2 did LLaMA 2 emit?', 'how-many', 'number'],
    ['Combien de tonnes de CO2 a émis LLaMA 2 ?', 'how-many', 'number'],
    ['Who received the first Nobel Prize in Physics?', 'who', 'person'],
    ['Where is Normandy located?', 'where', 'place'],
    ['What port does Sobre listen on?', 'what', 'other'],
    ['Quand le rapport a-t-il été publié ?', 'when', 'date'],
  ])('%s → %s / %s', (q, wh, type) => {
    const t = classifyQuestion(q);
    expect(t.wh).toBe(wh);
    expect(t.answerType).toBe(type);
    expect(t.needsReasoning).toBe(false);
  });

  it.each([
    ['Are Kiss and Tell and Big Stone Gap both American films?', 'yes/no question'],
    ['Which is older, the Eiffel Tower or the Statue of Liberty?', 'comparison'],
    ['Who was born first, Marie Curie or Albert Einstein?', 'comparison'],
    ['Is the IEA projection higher than 1,000 TWh?', 'yes/no question'],
  ])('sends "%s" to the generator (%s)', (q, reason) => {
    const t = classifyQuestion(q);
    expect(t.needsReasoning).toBe(true);
    expect(t.reason).toBe(reason);
  });
});

describe('splitSentences', () => {
  it('keeps exact offsets and splits headings off', () => {
    const text = 'Title\nSobre listens on port 3000. It binds to 127.0.0.1 by default!  Is that safe? Yes.';
    const sentences = splitSentences(text);
    for (const s of sentences) expect(text.slice(s.start, s.end)).toBe(s.text);
    expect(sentences.map((s) => s.text)).toEqual(['Title', 'Sobre listens on port 3000.', 'It binds to 127.0.0.1 by default!', 'Is that safe?', 'Yes.']);
  });
});

describe('short answers', () => {
  it('finds the year that answers a when-question, not one the question already names', () => {
    const s = 'After the 1990 reform, the first prize was awarded in 1901 to Röntgen.';
    expect(extractShortAnswer(s, 'When was the first prize awarded after the 1990 reform?', 'date')?.text).toBe('1901');
  });

  it('finds quantities with units and keeps offsets', () => {
    const s = 'Training LLaMA 2 70B emitted about 291.42 tCO2eq, according to Meta.';
    const a = extractShortAnswer(s, 'How much CO2 did training LLaMA 2 70B emit?', 'number');
    expect(a?.text).toBe('291.42 tCO2eq');
    expect(s.slice(a?.start, a?.end)).toBe(a?.text);
  });

  it('finds a person name that is not in the question', () => {
    const s = 'The first Nobel Prize in Physics was awarded in 1901 to Wilhelm Conrad Röntgen, of Germany.';
    expect(extractShortAnswer(s, 'Who got the first Nobel Prize in Physics?', 'person')?.text).toBe('Wilhelm Conrad Röntgen');
  });

  it('offers nothing when the sentence only repeats the question', () => {
    expect(typedCandidates('Sobre was created in 2026.', 'Was Sobre created in 2026?', 'date')).toEqual([]);
    expect(extractShortAnswer('No number here.', 'How many?', 'number')).toBeNull();
  });
});

describe('splitSentences and abbreviations', () => {
  it('does not end a sentence after St., Dr. or an initial', () => {
    const text = 'The St. Albans Raid was the northernmost land action. It was led by J. K. Smith and Dr. Brown. Done.';
    expect(splitSentences(text).map((s) => s.text)).toEqual([
      'The St. Albans Raid was the northernmost land action.',
      'It was led by J. K. Smith and Dr. Brown.',
      'Done.',
    ]);
  });
});
