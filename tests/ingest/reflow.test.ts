import { keepsHyphen, reflowText, vocabulary } from '../../src/ingest/reflow';

const wrap = (words: string, width: number): string => {
  const lines: string[] = [];
  let line = '';
  for (const w of words.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  return [...lines, line].join('\n');
};

const PARAGRAPH =
  'The International Energy Agency expects the electricity consumed by data centres, cryptocurrencies and artificial intelligence to double between 2022 and 2026, reaching roughly the consumption of Japan. Most of the growth comes from new hyperscale sites.';

describe('reflowText', () => {
  it('undoes a hard wrap at any width and keeps the paragraph break', () => {
    for (const width of [40, 60, 72, 100]) {
      const text = `${wrap(PARAGRAPH, width)}\n\n${wrap(PARAGRAPH, width)}`;
      expect(reflowText(text)).toBe(`${PARAGRAPH}\n\n${PARAGRAPH}`);
    }
  });

  it('leaves text alone that is not hard-wrapped: one line per paragraph, short lines', () => {
    const paragraphs = `${PARAGRAPH}\nA second paragraph on its own line.\n${PARAGRAPH}\n${PARAGRAPH}`;
    expect(reflowText(paragraphs)).toBe(paragraphs);
    const list = 'Apples\nPears\nCherries\nPlums';
    expect(reflowText(list)).toBe(list);
  });

  it('keeps list items and short lines (headings, last lines) on their own', () => {
    const text = `${wrap(PARAGRAPH, 60)}\n- first item of the list, long enough to fill the line\n- second item\nSummary\n${wrap(PARAGRAPH, 60)}`;
    const out = reflowText(text).split('\n');
    expect(out).toEqual([PARAGRAPH, '- first item of the list, long enough to fill the line', '- second item', 'Summary', PARAGRAPH]);
  });

  it('joins a sentence that visibly goes on after a shorter line (lower-case start)', () => {
    const text = `${wrap(PARAGRAPH, 70)}\nla consommation des datacenters pourrait grimper à un\nniveau proche de 1 000 TWh en 2026, soit la consommation du Japon.\n${wrap(PARAGRAPH, 70)}`;
    expect(reflowText(text)).toContain('grimper à un niveau proche');
  });
});

describe('keepsHyphen', () => {
  const none = new Set<string>();
  it('drops a typesetting hyphen, keeps compounds', () => {
    expect(keepsHyphen('omnipré', 'sente', none)).toBe(false);
    expect(keepsHyphen('accel', 'erators', none)).toBe(false);
    expect(keepsHyphen('Jean', 'Pierre', none)).toBe(true);
    expect(keepsHyphen('anti', 'Américain', none)).toBe(true);
    expect(keepsHyphen('lui', 'même', none)).toBe(true);
    expect(keepsHyphen('a', 't', none)).toBe(true);
    expect(keepsHyphen('non', 'violent', none)).toBe(true);
    expect(keepsHyphen('self', 'hosted', none)).toBe(true);
    expect(keepsHyphen('1990', '2000', none)).toBe(true);
  });

  it('lets the document decide first', () => {
    expect(keepsHyphen('long', 'term', vocabulary('a long-term plan'))).toBe(true);
    expect(keepsHyphen('long', 'term', none)).toBe(false);
    expect(keepsHyphen('non', 'obstant', vocabulary('Nonobstant ce qui précède'))).toBe(false);
  });
});
