import { classifyQuestion } from '../../src/answer/question-type';
import { selectSentences } from '../../src/answer/sentence-selector';
import { looksLikeCode, maskCode, splitSentences } from '../../src/answer/sentences';
import type { Passage } from '../../src/retrieve/types';

const texts = (t: string) => splitSentences(t).map((s) => s.text);

describe('splitSentences in French', () => {
  it('does not end a sentence after French abbreviations', () => {
    expect(texts('Rome est fondée en 753 av. J.-C. selon la légende. M. Dupont et Mme Durand, p. ex. Paris, cf. Lyon. Fin.')).toEqual([
      'Rome est fondée en 753 av. J.-C. selon la légende.',
      'M. Dupont et Mme Durand, p. ex. Paris, cf. Lyon.',
      'Fin.',
    ]);
  });

  it('keeps numbers with spaces and decimal commas whole', () => {
    expect(texts('La ville compte 1 900,5 habitants. Elle croît.')).toEqual(['La ville compte 1 900,5 habitants.', 'Elle croît.']);
  });

  it('keeps a closing guillemet with its sentence, and what follows it in lower case', () => {
    expect(texts('Il a dit : « C’est fini. » Puis il est parti.')).toEqual(['Il a dit : « C’est fini. »', 'Puis il est parti.']);
    expect(texts('« Pourquoi ? » demanda-t-il. Personne ne sut.')).toEqual(['« Pourquoi ? » demanda-t-il.', 'Personne ne sut.']);
  });

  it('keeps exact offsets', () => {
    const text = 'Titre\nIl a dit : « C’est fini. » Puis il est parti en 52 av. J.-C. vers Rome.';
    for (const s of splitSentences(text)) expect(text.slice(s.start, s.end)).toBe(s.text);
  });
});

describe('code is never a sentence', () => {
  it('skips fenced blocks, whose fences cleaning writes as ```lang … ```', () => {
    const text = 'Run the client like this.\n```python\nimport asyncio\nasyncio.run(main())\n```\nThen wait for the answer.';
    expect(texts(text)).toEqual(['Run the client like this.', 'Then wait for the answer.']);
    expect(maskCode(text)).toHaveLength(text.length);
  });

  it('treats a passage that starts inside a block (first fence bare) as code up to that fence', () => {
    expect(texts('    await client.close()\nasyncio.run(main())\n```\nThe client then closes its session.')).toEqual(['The client then closes its session.']);
    expect(texts('asyncio.run(main())```')).toEqual([]);
  });

  it('skips lines that are mostly code, keeps prose that mentions code', () => {
    expect(looksLikeCode('const x = foo(bar);')).toBe(true);
    expect(looksLikeCode('sobre --port 8080 --data-dir ./idx')).toBe(true);
    expect(looksLikeCode('Set the PORT variable (flag --port) to change the port.')).toBe(false);
    expect(looksLikeCode('Provider: Azure; PUE: 1.18; WUE: 0.49 L/kWh.')).toBe(false);
    expect(looksLikeCode('It cost $5 million in 2011, or $23,000 a day.')).toBe(false);
  });

  it('never picks a code line as the answer sentence', () => {
    const text = 'To start the loop:\n```python\nasyncio.run(main())  # start the event loop and run main\n```\nThe event loop runs main until it returns.';
    const passage: Passage = { chunkId: 1, documentId: 1, title: 'Asyncio', source: 'x.md', name: 'x.md', start: 0, end: text.length, text, score: 1, bm25: 1, cosine: 0.5, lexicalRank: 1, denseRank: 1 };
    const q = 'How do I start the event loop and run main?';
    const picked = selectSentences(q, classifyQuestion(q), [passage], new Map(), null).map((c) => c.text);
    expect(picked.length).toBeGreaterThan(0);
    expect(picked.some((t) => t.includes('asyncio.run'))).toBe(false);
  });
});

describe('classifyQuestion in French', () => {
  it.each([
    ['Quand le rapport a-t-il été publié ?', 'when', 'date'],
    ['En quelle année la tour a-t-elle été construite ?', 'when', 'date'],
    ['Combien de personnes travaillent au ministère ?', 'how-many', 'number'],
    ['Quelle est la population de Lyon ?', 'how-many', 'number'],
    ['Qui a écrit Les Misérables ?', 'who', 'person'],
    ['À cause de qui Emanuele est-il privé de sa mère ?', 'who', 'person'],
    ['Où est né Victor Hugo ?', 'where', 'place'],
    ['ou habite t il ?', 'where', 'place'],
    ['Dans quel pays a étudié Museveni ?', 'where', 'place'],
    ['Pourquoi le projet a-t-il échoué ?', 'why', 'other'],
    ['Comment fonctionne un datacenter ?', 'how', 'other'],
    ['Comment s’appelle le fleuve qui traverse Paris ?', 'what', 'other'],
    ['Quel est le nom du roi qui a fondé la ville ?', 'which', 'other'],
    ["Qu'est-ce que la photosynthèse ?", 'what', 'other'],
  ])('%s → %s / %s', (q, wh, type) => {
    const t = classifyQuestion(q);
    expect([t.wh, t.answerType, t.needsReasoning]).toEqual([wh, type, false]);
  });

  it.each([
    ['Est-ce que le prêt doit être remboursé ?', 'yes/no question'],
    ['Le frère de Napoléon parvint-il à tenir la capitale ?', 'yes/no question'],
    ['Wilfrid Laurier est il opposé à la conscription ?', 'yes/no question'],
    ['Y a-t-il une classe moyenne ?', 'yes/no question'],
    ['Quel club a remporté plus de titres que l’Inter ?', 'comparison'],
    ['Lequel est le plus ancien, le Louvre ou Orsay ?', 'comparison'],
    ['Ont-ils tous les deux reçu le prix Nobel ?', 'yes/no question'],
    ['Quels films ont-ils tous les deux tournés ?', '"both"'],
  ])('sends "%s" to the generator (%s)', (q, reason) => {
    const t = classifyQuestion(q);
    expect([t.needsReasoning, t.reason]).toEqual([true, reason]);
  });

  it('keeps superlatives and "ne … plus" out of comparisons', () => {
    expect(classifyQuestion('Quel est le plus grand lac que traverse le Rhône ?').needsReasoning).toBe(false);
    expect(classifyQuestion('Comment appelle-t-on le fait que l’on ne voit plus l’astre ?').needsReasoning).toBe(false);
  });
});
