/** FAQ pairs found in cleaned text: question paragraphs, Q:/A: blocks, JSON Lines fields; the answer cut at a sentence. */
import { extractFaq, sentenceCut } from '../../src/ingest/faq';
import { parseJsonl } from '../../src/ingest/jsonl';

const faqPage = [
  'Sobre: frequently asked questions',
  '',
  'What port does Sobre listen on?',
  '',
  'Sobre listens on port 3000 by default.',
  '',
  'The port can be changed with PORT.',
  '',
  'Installation',
  '',
  'Run npm install first.',
  '',
  'How do I add documents?',
  '',
  'Run npm run ingest.',
].join('\n');

describe('extractFaq', () => {
  test('a question paragraph takes the paragraphs after it, up to the next question or heading, with exact offsets', () => {
    const pairs = extractFaq({ text: faqPage });
    expect(pairs.map((p) => p.question)).toEqual(['What port does Sobre listen on?', 'How do I add documents?']);
    expect(pairs[0].answer).toBe('Sobre listens on port 3000 by default. The port can be changed with PORT.');
    expect(faqPage.slice(pairs[0].answerStart, pairs[0].answerEnd)).toBe('Sobre listens on port 3000 by default.\n\nThe port can be changed with PORT.');
    expect(pairs[1].answer).toBe('Run npm run ingest.');
  });

  test('Q:/A: blocks, French questions, and no pair without an answer', () => {
    const text = 'Q: Can I run it offline\n\nA: Yes, with the bundled model.\n\nQuel port utilise Sobre ?\n\nLe port 3000.\n\nWhat is left?';
    const pairs = extractFaq({ text });
    expect(pairs.map((p) => [p.question, p.answer])).toEqual([
      ['Can I run it offline', 'Yes, with the bundled model.'],
      ['Quel port utilise Sobre ?', 'Le port 3000.'],
    ]);
    expect(text.slice(pairs[0].answerStart, pairs[0].answerEnd)).toBe('Yes, with the bundled model.');
  });

  test('two phrasings before one answer share it; a quoted message under a question is not its answer nor a heading', () => {
    const text = [
      'Q. I upgraded to testing and /etc/issue says trixie/sid. Should it not read testing?', '',
      'Q. I upgraded to unstable and /etc/issue says trixie/sid. Should it not read unstable?', '',
      'A. That would be nice, but it is not possible.', '',
      'What does “version conflict” mean?', '',
      '> failed to select a version for x', '',
      'Have you seen the error message above?', '',
      'This is one of the most annoying error messages.', '',
      'Why Cargo.toml?', '',
      'Because it is the manifest.',
    ].join('\n');
    const pairs = extractFaq({ text });
    expect(pairs.map((p) => [p.question, p.answer])).toEqual([
      ['I upgraded to testing and /etc/issue says trixie/sid. Should it not read testing?', 'That would be nice, but it is not possible.'],
      ['I upgraded to unstable and /etc/issue says trixie/sid. Should it not read unstable?', 'That would be nice, but it is not possible.'],
      ['What does “version conflict” mean?', 'This is one of the most annoying error messages.'],
      ['Have you seen the error message above?', 'This is one of the most annoying error messages.'],
      ['Why Cargo.toml?', 'Because it is the manifest.'],
    ]);
    expect(text.slice(pairs[2].answerStart, pairs[2].answerEnd)).toBe('This is one of the most annoying error messages.');
  });

  test('a paragraph of running text with a question inside is not a question', () => {
    expect(extractFaq({ text: 'Why does it matter? Because energy costs money.\n\nMore text follows here.' })).toEqual([]);
  });

  test('a long answer is cut at the last sentence end within 300 characters', () => {
    const sentence = 'This sentence is exactly about fifty characters!! ';
    const long = sentence.repeat(10).trim();
    const [pair] = extractFaq({ text: `Is it long?\n\n${long}` });
    expect(pair.answer.length).toBeLessThanOrEqual(300);
    expect(pair.answer.endsWith('!!')).toBe(true);
    expect(`Is it long?\n\n${long}`.slice(pair.answerStart, pair.answerEnd)).toBe(pair.answer);
    expect(sentenceCut('word '.repeat(100))).toMatchObject({ ellipsis: true });
  });
});

describe('JSON Lines question/answer records', () => {
  test('become a document whose text is the question and the answer, with its FAQ pair', () => {
    const { documents, failures } = parseJsonl('{"id":"q1","question":"How to reset a key","answer":"Ask an admin to issue a new one."}\n', '/f.jsonl');
    expect(failures).toEqual([]);
    const [d] = documents;
    expect(d.title).toBe('How to reset a key');
    expect(d.text).toBe('How to reset a key\n\nAsk an admin to issue a new one.');
    expect(extractFaq(d)).toEqual([{ question: 'How to reset a key', answer: 'Ask an admin to issue a new one.', answerStart: 20, answerEnd: 52 }]);
  });

  test('with a text of its own, the pair counts only where that text holds the answer', () => {
    const { documents } = parseJsonl([
      '{"id":"a","text":"Intro. Ask an admin to issue a new one.","question":"How to reset a key","answer":"Ask an admin to issue a new one."}',
      '{"id":"b","text":"Something else entirely.","question":"How to reset a key","answer":"Ask an admin."}',
    ].join('\n'), '/f.jsonl');
    expect(documents[0].faq).toEqual([{ question: 'How to reset a key', answerStart: 7, answerEnd: 39 }]);
    expect(documents[1].faq).toBeUndefined();
  });
});
