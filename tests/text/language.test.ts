import { detectLanguage } from '../../src/text/language';

describe('detectLanguage', () => {
  it.each([
    ['When was the first Nobel Prize awarded?', 'en'],
    ['who sings somebody watching me with michael jackson', 'en'],
    ['capital of France', 'en'],
    ['Who was Jean de La Fontaine?', 'en'],
    ['Quand Napoléon est-il mort ?', 'fr'],
    ['Combien d’employeurs', 'fr'],
    ['Où est né Victor Hugo ?', 'fr'],
    ["Qu'est-ce que la photosynthèse ?", 'fr'],
    ['La tour Eiffel', 'fr'],
    ['Questions on first dates?', 'en'],
  ])('%s → %s', (text, lang) => {
    expect(detectLanguage(text)).toBe(lang);
  });

  it('calls other languages, code, numbers and bare names "other", not a weak English or French', () => {
    for (const text of ['¿Cuál es la capital de Francia?', 'Wer ist der Präsident von Frankreich?', 'Qual è la capitale della Francia?', 'Wat is de hoofdstad van Frankrijk?', 'asyncio.run(main())', '42', 'Paris', '']) {
      expect([text, detectLanguage(text)]).toEqual([text, 'other']);
    }
  });

  it('reads a passage by its function words, whatever names it quotes', () => {
    const fr = "La consommation énergétique des centres de données pourrait doubler d'ici 2026, selon l'Agence internationale de l'énergie (IEA), qui publie chaque année un rapport.";
    const en = "According to the International Energy Agency, the electricity consumption of data centres could double by 2026; the agency's report names Électricité de France.";
    expect(detectLanguage(fr)).toBe('fr');
    expect(detectLanguage(en)).toBe('en');
  });
});
