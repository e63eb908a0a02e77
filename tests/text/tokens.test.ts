import { contentStems, stem, stems } from '../../src/text/tokens';

describe('stem', () => {
  it('stems English with Porter by default, as FTS5 does', () => {
    expect(['listens', 'listening', 'listened'].map((w) => stem(w))).toEqual(['listen', 'listen', 'listen']);
    expect(stems('The data centres consume energy')).toEqual(['the', 'data', 'centr', 'consum', 'energi']);
  });

  it('stems French with Snowball: inflections meet, accents are read then folded', () => {
    expect(new Set(['consommation', 'consommations', 'consommer', 'consommé'].map((w) => stem(w, 'fr')))).toEqual(new Set(['consomm']));
    expect(stem('énergétiques', 'fr')).toBe(stem('energetique', 'fr'));
    expect(stem('Omniprésente', 'fr')).toBe('omnipresent');
    // Porter does not know French plurals in -aux: Snowball joins them to the singular.
    expect(stem('nationaux', 'fr')).toBe(stem('nationale', 'fr'));
    expect(stem('nationaux')).not.toBe(stem('nationale'));
  });

  it('splits French elisions and drops stopwords in contentStems', () => {
    const [article, energy] = stems("l'énergie", 'fr');
    expect(article).toBe('l');
    expect(energy).toBe(stem('énergies', 'fr'));
    expect(contentStems("Quelle est la consommation d'énergie des centres ?", 'fr')).toEqual(stems('consommations énergie centre', 'fr'));
  });
});
