/**
 * The grounded prompt: numbered passages, answer only from them, cite like [2], answer in the question's
 * language, and a fixed sentence when the passages do not contain the answer. Pure and cheap: the answer
 * pipeline also calls `buildPrompt` to count the prompt tokens of the calls its router avoided.
 */
import type { GeneratorPassage, TokenCounter } from './types';

/** The exact reply asked for when the passages do not contain the answer. */
export const NO_ANSWER = 'The documents do not say.';

/**
 * Tokens a chat template adds around the messages (role markers, separators, the assistant turn prefix):
 * about 5 per message in ChatML-style templates (Qwen, OpenAI) plus 3 to prime the reply.
 */
export const CHAT_OVERHEAD_TOKENS = 2 * 5 + 3;

/** A passage cut shorter than this is left out rather than sent as a stub. */
const MIN_TRUNCATED_PASSAGE_TOKENS = 24;
const TRUNCATION_MARK = ' …';

/** Changes whenever the prompt does: cached answers record the prompt that produced them. */
export const PROMPT_VERSION = 'sobre-prompt/1';

export const SYSTEM_PROMPT = [
  'You answer questions using only the numbered passages given by the user.',
  'Rules:',
  '- Use only facts stated in the passages. Do not use outside knowledge.',
  '- Cite the passage each statement comes from with its number in square brackets, like [2] or [1][3].',
  '- Answer in the same language as the question.',
  `- If the passages do not contain the answer, reply exactly: ${NO_ANSWER}`,
  '- Be concise.',
].join('\n');

/**
 * Token estimate used when no tokenizer is available. Calibrated against OpenAI's cl100k BPE vocabulary on
 * the paragraphs of the English and French corpus: 0.76–1.33 times the real count (mean about 1.15 for
 * English, 0.92 for French; code, numbers, CJK and Cyrillic samples within 0.85–1.15):
 * - CJK characters count one token each;
 * - for the rest, the mean of two estimates: characters / 4 (letters of other non-Latin scripts count
 *   double), and 1.3 tokens per word plus one per punctuation mark.
 */
export function countTokensApprox(text: string): number {
  if (!text) return 0;
  const cjkRe = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;
  const cjk = text.match(cjkRe)?.length ?? 0;
  const rest = cjk > 0 ? text.replace(cjkRe, ' ') : text;
  const nonLatin = rest.match(/[^\p{Script=Latin}\P{L}]/gu)?.length ?? 0;
  const words = rest.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  const punct = rest.match(/[^\s\p{L}\p{N}]/gu)?.length ?? 0;
  const byChars = (rest.length - nonLatin) / 4 + nonLatin / 2;
  const byWords = words * 1.3 + punct + nonLatin / 4;
  return Math.ceil(cjk + (byChars + byWords) / 2);
}

export interface PromptOptions {
  /** Model context window; prompt + maxTokens must fit. */
  contextTokens: number;
  /** Completion tokens reserved for the answer. */
  maxTokens: number;
  /** Default: `countTokensApprox`. */
  countTokens?: TokenCounter;
}

export interface BuiltPrompt {
  system: string;
  user: string;
  /** The passages sent, in rank order; `[n]` in the prompt is `passagesUsed[n - 1]`. The last one may be truncated. */
  passagesUsed: GeneratorPassage[];
  /** system + user + chat-template overhead, counted with `countTokens`. */
  promptTokens: number;
}

function passageBlock(n: number, p: GeneratorPassage): string {
  const title = p.title.trim() || 'Untitled';
  return `[${n}] ${title}\n${p.text.trim()}`;
}

function userMessage(question: string, blocks: readonly string[]): string {
  const passages = blocks.length > 0 ? blocks.join('\n\n') : '(no passages)';
  return (
    `Passages:\n\n${passages}\n\nQuestion: ${question.trim()}\n\n` +
    `Answer in the language of the question, using only the passages above and citing them like [1]. ` +
    `If they do not contain the answer, reply exactly: ${NO_ANSWER}`
  );
}

/** The longest prefix of `p.text` (cut at a space when possible) whose block fits `budget` tokens, or null. */
function truncatePassage(n: number, p: GeneratorPassage, budget: number, count: TokenCounter): GeneratorPassage | null {
  if (budget < MIN_TRUNCATED_PASSAGE_TOKENS) return null;
  const text = p.text.trim();
  const fits = (len: number) => count(passageBlock(n, { ...p, text: text.slice(0, len) + TRUNCATION_MARK }) + '\n\n') <= budget;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  const space = text.lastIndexOf(' ', lo);
  const cut = space > lo * 0.8 ? space : lo;
  if (cut <= 0) return null;
  return { ...p, text: text.slice(0, cut).trimEnd() + TRUNCATION_MARK };
}

/**
 * Build the grounded prompt. Passages are kept in rank order while they fit whole; the first one that does
 * not fit is truncated to the remaining budget (or left out when too little room remains), and the rest are
 * dropped. If even the question alone does not fit, `passagesUsed` is empty and `promptTokens` is over budget:
 * the caller decides.
 */
export function buildPrompt(question: string, passages: readonly GeneratorPassage[], opts: PromptOptions): BuiltPrompt {
  const count = opts.countTokens ?? countTokensApprox;
  const budget = opts.contextTokens - opts.maxTokens;
  const base = CHAT_OVERHEAD_TOKENS + count(SYSTEM_PROMPT) + count(userMessage(question, []));
  const used: GeneratorPassage[] = [];
  let total = base;
  for (const p of passages) {
    const n = used.length + 1;
    const cost = count(passageBlock(n, p) + '\n\n');
    if (total + cost <= budget) {
      used.push(p);
      total += cost;
      continue;
    }
    const cut = truncatePassage(n, p, budget - total, count);
    if (cut) used.push(cut);
    break;
  }
  // Token counts are not exactly additive across joins: check the assembled prompt, shrink if needed.
  for (;;) {
    const user = userMessage(question, used.map((p, i) => passageBlock(i + 1, p)));
    const promptTokens = CHAT_OVERHEAD_TOKENS + count(SYSTEM_PROMPT) + count(user);
    if (promptTokens <= budget || used.length === 0) return { system: SYSTEM_PROMPT, user, passagesUsed: used, promptTokens };
    used.pop();
  }
}

/**
 * Passage ids cited in `text` by markers `[n]`, `[n, m]`, `[n][m]` or `[n-m]` (n is 1-based into
 * `passagesUsed`), in order of first appearance, without duplicates; out-of-range numbers are ignored.
 */
const MARKER = /\[\s*(\d+(?:\s*[-–]\s*\d+)?(?:\s*[,;]\s*\d+(?:\s*[-–]\s*\d+)?)*)\s*\]/g;

/** The numbers a marker's inside (`2`, `1, 3`, `2-4`) stands for; a range longer than `max` stands for none. */
function markerNumbers(inside: string, max: number): number[] {
  const out: number[] = [];
  for (const part of inside.split(/[,;]/)) {
    const [a, b] = part.split(/[-–]/).map((s) => Number(s.trim()));
    if (b === undefined) out.push(a);
    else if (b >= a && b - a < max) for (let n = a; n <= b; n++) out.push(n);
  }
  return out;
}

export function mapCitations(text: string, passagesUsed: readonly GeneratorPassage[]): number[] {
  const ids: number[] = [];
  for (const m of text.matchAll(MARKER)) {
    for (const n of markerNumbers(m[1], passagesUsed.length)) {
      const p = passagesUsed[n - 1];
      if (Number.isInteger(n) && n >= 1 && p !== undefined && !ids.includes(p.id)) ids.push(p.id);
    }
  }
  return ids;
}

/**
 * The same answer with its markers numbered by `cited` (the ids `mapCitations` returned), so it
 * reads right next to those passages alone: `[3]` becomes `[1]` when passage 3 was cited first.
 * Markers that cite nothing are left as written.
 */
export function renumberCitations(text: string, passagesUsed: readonly GeneratorPassage[], cited: readonly number[]): string {
  return text.replace(MARKER, (whole, inside: string) => {
    const numbers = markerNumbers(inside, passagesUsed.length)
      .map((n) => cited.indexOf(passagesUsed[n - 1]?.id ?? -1) + 1)
      .filter((n, i, all) => n > 0 && all.indexOf(n) === i);
    return numbers.length > 0 ? `[${numbers.join(', ')}]` : whole;
  });
}
