/**
 * LaTeX math as it reads in a sentence: "$1,900\ tCO_2eq$" → "1,900 tCO2eq", "\frac{a}{b}" →
 * "a/b", "\times" → "×". Commands it does not know are dropped, keeping their arguments.
 */

const SYMBOLS: Readonly<Record<string, string>> = {
  times: '×', cdot: '·', div: '÷', pm: '±', mp: '∓', approx: '≈', simeq: '≃', sim: '~', equiv: '≡', propto: '∝',
  leq: '≤', le: '≤', geq: '≥', ge: '≥', neq: '≠', ne: '≠', ll: '≪', gg: '≫', infty: '∞', degree: '°', circ: '°',
  to: '→', rightarrow: '→', Rightarrow: '⇒', leftarrow: '←', Leftarrow: '⇐', leftrightarrow: '↔', mapsto: '↦',
  in: '∈', notin: '∉', subset: '⊂', subseteq: '⊆', cup: '∪', cap: '∩', forall: '∀', exists: '∃', emptyset: '∅',
  sum: 'Σ', prod: 'Π', int: '∫', partial: '∂', nabla: '∇', sqrt: '√', ldots: '…', cdots: '…', dots: '…',
  percent: '%', euro: '€', textdegree: '°', prime: '′',
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ε', varepsilon: 'ε', zeta: 'ζ', eta: 'η', theta: 'θ',
  iota: 'ι', kappa: 'κ', lambda: 'λ', mu: 'μ', nu: 'ν', xi: 'ξ', pi: 'π', rho: 'ρ', sigma: 'σ', tau: 'τ',
  upsilon: 'υ', phi: 'φ', varphi: 'φ', chi: 'χ', psi: 'ψ', omega: 'ω', Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ',
  Lambda: 'Λ', Xi: 'Ξ', Pi: 'Π', Sigma: 'Σ', Phi: 'Φ', Psi: 'Ψ', Omega: 'Ω',
};
const SPACES = new Set(['quad', 'qquad', 'enspace', 'thinspace', 'medspace', 'thickspace', 'space']);
const SUPERSCRIPT: Readonly<Record<string, string>> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻', '+': '⁺' };

// One level of braces inside a group is enough for what documentation writes.
const GROUP = '\\{((?:[^{}]|\\{[^{}]*\\})*)\\}';

function superscript(s: string): string {
  return /^[-+]?\d+$/.test(s) ? [...s].map((c) => SUPERSCRIPT[c]).join('') : `^${s}`;
}

/** Readable text of a LaTeX math expression (the part between the `$`). */
export function latexToText(math: string): string {
  let s = math
    .replace(new RegExp(`\\\\d?frac\\s*${GROUP}\\s*${GROUP}`, 'g'), '$1/$2')
    .replace(new RegExp(`\\\\sqrt\\s*${GROUP}`, 'g'), '√$1')
    .replace(/\\(?:left|right|big|Big|bigg|Bigg)(?![a-zA-Z])\s*([()[\]|.]|\\[{}])?/g, (_m, d: string | undefined) => (d === '.' || d === undefined ? '' : d.replace('\\', '')))
    .replace(/\\([%$&#_{}])/g, '$1')
    .replace(/\\[ ,;:>]|~/g, ' ')
    .replace(/\\!/g, '');
  s = s.replace(/\\([a-zA-Z]+)\s*/g, (m, name: string) => {
    if (SYMBOLS[name] !== undefined) return `${SYMBOLS[name]}${/\s$/.test(m) ? ' ' : ''}`;
    return SPACES.has(name) ? ' ' : ''; // \text{...}, \mathrm{...}: the argument stays, braces go below
  });
  s = s
    .replace(new RegExp(`\\^\\s*${GROUP}`, 'g'), (_m, g: string) => superscript(g.trim()))
    .replace(/\^\s*([\w+-])/g, (_m, g: string) => superscript(g))
    .replace(new RegExp(`_\\s*${GROUP}`, 'g'), '$1')
    .replace(/_(\w)/g, '$1')
    .replace(/[{}]/g, '');
  return s.replace(/\s+/g, ' ').trim();
}

// Inline math: $…$ opened by a non-space and closed by a non-space not followed by a digit, so
// "costs $5 and $10" stays money (and "$10, or 5$" too: math that starts with a digit must hold
// a command, ^, _ or braces); \(…\) when it holds a command, ^ or _ (Markdown also writes
// "\(" for an escaped parenthesis, and "\[" for an escaped bracket: \[…\] is math only as a block).
const INLINE_MATH = /(?<![\\$\w])\$(?!\s)((?:[^$\\\n]|\\.)+?)(?<!\s)\$(?![\d$])|\\\(((?:[^\\\n]|\\(?![()]))+?)\\\)/g;
const DISPLAY_INLINE = /\$\$(.+?)\$\$/g;

/** Every math span of one line turned into text. */
export function replaceInlineMath(line: string): string {
  return line
    .replace(DISPLAY_INLINE, (_m, a: string) => latexToText(a))
    .replace(INLINE_MATH, (m, a: string | undefined, b: string | undefined) => {
      const math = a ?? b ?? '';
      const marked = /[\\^_{}]/.test(math);
      return (a !== undefined && (marked || !/^\d/.test(math))) || (b !== undefined && marked) ? latexToText(math) : m;
    });
}
