import { buildPrompt, CHAT_OVERHEAD_TOKENS, countTokensApprox, mapCitations, NO_ANSWER, SYSTEM_PROMPT } from '../../src/generate/prompt';
import type { GeneratorPassage } from '../../src/generate/types';

/** One token per whitespace-separated word: makes budgets easy to reason about. */
const words = (t: string) => t.split(/\s+/).filter(Boolean).length;

const passage = (id: number, nWords: number, title = `Doc ${id}`): GeneratorPassage => ({
  id,
  title,
  text: Array.from({ length: nWords }, (_, i) => `w${id}_${i}`).join(' '),
});

describe('countTokensApprox', () => {
  test('is 0 for empty text and grows with length', () => {
    expect(countTokensApprox('')).toBe(0);
    expect(countTokensApprox('Hello')).toBeGreaterThan(0);
    expect(countTokensApprox('word '.repeat(200))).toBeGreaterThan(countTokensApprox('word '.repeat(100)));
  });

  test('is within about a third of a BPE count on English and French prose', () => {
    // cl100k counts (js-tiktoken) of these sentences are 19 and 26.
    const en = 'The router answers directly from a passage when it is confident, and calls a small model otherwise.';
    const fr = "Le routeur répond directement à partir d'un passage lorsqu'il est confiant, et appelle un petit modèle sinon.";
    expect(countTokensApprox(en)).toBeGreaterThanOrEqual(15);
    expect(countTokensApprox(en)).toBeLessThanOrEqual(26);
    expect(countTokensApprox(fr)).toBeGreaterThanOrEqual(19);
    expect(countTokensApprox(fr)).toBeLessThanOrEqual(32);
  });

  test('counts CJK characters about one token each', () => {
    const ja = '東京は日本の首都です';
    expect(countTokensApprox(ja)).toBeGreaterThanOrEqual(ja.length);
  });
});

describe('buildPrompt', () => {
  const question = 'Quelle est la capitale ?';

  test('numbers passages with titles and asks for grounded, cited answers in the question language', () => {
    const p = buildPrompt(question, [passage(10, 5, 'Alpha'), passage(20, 5, 'Beta')], { contextTokens: 4096, maxTokens: 256 });
    expect(p.system).toBe(SYSTEM_PROMPT);
    expect(p.system).toMatch(/only the numbered passages/);
    expect(p.system).toMatch(/\[2\]/);
    expect(p.system).toMatch(/same language as the question/);
    expect(p.system).toContain(`reply exactly: ${NO_ANSWER}`);
    expect(NO_ANSWER).toBe('The documents do not say.');
    expect(p.user).toContain('[1] Alpha\nw10_0 w10_1');
    expect(p.user).toContain('[2] Beta\nw20_0');
    expect(p.user.indexOf('[1] Alpha')).toBeLessThan(p.user.indexOf('[2] Beta'));
    expect(p.user).toContain(`Question: ${question}`);
    expect(p.passagesUsed.map((x) => x.id)).toEqual([10, 20]);
    expect(p.promptTokens).toBe(CHAT_OVERHEAD_TOKENS + countTokensApprox(p.system) + countTokensApprox(p.user));
  });

  test('drops the lowest-ranked whole passages, then truncates the last one kept, to fit the budget', () => {
    const passages = [passage(1, 100), passage(2, 100), passage(3, 100), passage(4, 100)];
    const base = buildPrompt(question, [], { contextTokens: 100_000, maxTokens: 0, countTokens: words }).promptTokens;
    // Room for passage 1 whole (~102 words with its header) and about half of passage 2.
    const contextTokens = base + 102 + 55 + 50;
    const p = buildPrompt(question, passages, { contextTokens, maxTokens: 50, countTokens: words });
    expect(p.passagesUsed.map((x) => x.id)).toEqual([1, 2]);
    expect(p.passagesUsed[0].text).toBe(passages[0].text);
    expect(p.passagesUsed[1].text.endsWith(' …')).toBe(true);
    expect(passages[1].text.startsWith(p.passagesUsed[1].text.slice(0, -2))).toBe(true);
    expect(words(p.passagesUsed[1].text)).toBeGreaterThan(40);
    expect(p.promptTokens + 50).toBeLessThanOrEqual(contextTokens);
    expect(p.user).not.toContain('w3_0');
  });

  test('leaves out a passage when only a stub would fit', () => {
    const passages = [passage(1, 100), passage(2, 100)];
    const base = buildPrompt(question, [], { contextTokens: 100_000, maxTokens: 0, countTokens: words }).promptTokens;
    const p = buildPrompt(question, passages, { contextTokens: base + 102 + 10 + 20, maxTokens: 20, countTokens: words });
    expect(p.passagesUsed.map((x) => x.id)).toEqual([1]);
  });

  test('with the approximate counter, prompt + maxTokens always fits contextTokens', () => {
    const passages = Array.from({ length: 12 }, (_, i) => passage(i + 1, 150));
    for (const contextTokens of [600, 1000, 1500, 2500, 4096]) {
      const p = buildPrompt(question, passages, { contextTokens, maxTokens: 256 });
      expect(p.promptTokens + 256).toBeLessThanOrEqual(contextTokens);
      expect(p.passagesUsed.length).toBeGreaterThan(0);
      expect(p.promptTokens).toBe(CHAT_OVERHEAD_TOKENS + countTokensApprox(p.system) + countTokensApprox(p.user));
    }
  });

  test('when even the question does not fit, sends no passages and reports the real size', () => {
    const p = buildPrompt(question, [passage(1, 50)], { contextTokens: 100, maxTokens: 90 });
    expect(p.passagesUsed).toEqual([]);
    expect(p.user).toContain('(no passages)');
    expect(p.promptTokens).toBeGreaterThan(10);
  });

  test('is pure: same input, same output; inputs untouched', () => {
    const passages = [passage(1, 300), passage(2, 300)];
    const copy = JSON.parse(JSON.stringify(passages));
    const a = buildPrompt(question, passages, { contextTokens: 700, maxTokens: 100 });
    const b = buildPrompt(question, passages, { contextTokens: 700, maxTokens: 100 });
    expect(a).toEqual(b);
    expect(passages).toEqual(copy);
  });

  test('is cheap enough for counterfactual accounting on every question', () => {
    const passages = Array.from({ length: 10 }, (_, i) => passage(i + 1, 250));
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) buildPrompt(question, passages, { contextTokens: 2048, maxTokens: 256 });
    expect((performance.now() - t0) / 50).toBeLessThan(20);
  });
});

describe('mapCitations', () => {
  const used: GeneratorPassage[] = [passage(11, 1), passage(22, 1), passage(33, 1)];

  test('maps [n], [n, m] and [n][m] to passage ids in order of first appearance', () => {
    expect(mapCitations('Paris [2]. Also [1, 3] and [3][2].', used)).toEqual([22, 11, 33]);
    expect(mapCitations('a [3][1]', used)).toEqual([33, 11]);
    expect(mapCitations('a [ 2 ; 1 ]', used)).toEqual([22, 11]);
  });

  test('expands ranges [1-3]', () => {
    expect(mapCitations('see [1-3]', used)).toEqual([11, 22, 33]);
    expect(mapCitations('see [2–3]', used)).toEqual([22, 33]);
  });

  test('ignores out-of-range numbers and non-citation brackets', () => {
    expect(mapCitations('x [0] [4] [12] [2]', used)).toEqual([22]);
    expect(mapCitations('[1, 9]', used)).toEqual([11]);
    expect(mapCitations('array[i] and [a] and [] and [1.5]', used)).toEqual([]);
    expect(mapCitations(NO_ANSWER, used)).toEqual([]);
  });

  test('works on the trimmed list: numbers refer to passages actually sent', () => {
    expect(mapCitations('[2]', used.slice(0, 1))).toEqual([]);
  });
});
