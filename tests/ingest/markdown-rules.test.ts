import { cleanMarkdown } from '../../src/ingest/clean';
import { latexToText, replaceInlineMath } from '../../src/ingest/latex';
import { markdownTitle } from '../../src/ingest/markdown';
import { tableSentences } from '../../src/ingest/tables';
import { templateReason } from '../../src/ingest/templates';

describe('paragraphs and line breaks', () => {
  it('joins soft line breaks, keeps hard ones (two spaces, backslash), list items and quotes apart', () => {
    expect(cleanMarkdown('One line\nsame paragraph.  \nHard break\\\nand another.')).toBe('One line same paragraph.\nHard break\nand another.');
    expect(cleanMarkdown('- an item that\n  continues\n- next item\n> quoted\ntext lazily continued')).toBe('an item that continues\nnext item\nquoted text lazily continued');
  });

  it('does not join a paragraph to an HTML block line', () => {
    expect(cleanMarkdown('<details>\n<summary>More</summary>\nHidden text.\n</details>')).toBe('More\nHidden text.');
  });
});

describe('admonitions and tabs', () => {
  it('renders nested admonitions, empty titles and content tabs', () => {
    const md = '!!! note ""\n    Outer body.\n\n    !!! tip "Inner"\n        Inner body.\n\n=== "Linux"\n    apt install x\nAfter.';
    expect(cleanMarkdown(md)).toBe('Outer body.\n\nInner\n\nInner body.\n\nLinux\n\napt install x\n\nAfter.');
  });

  it('keeps a code fence inside an admonition as code', () => {
    expect(cleanMarkdown('??? example "Run"\n    ```sh\n    make\n    ```')).toBe('Run\n\n```sh\nmake\n```');
  });
});

describe('code', () => {
  it('marks an indented block as code, but not an indented list continuation', () => {
    expect(cleanMarkdown('Text.\n\n    code line\n    more\n\nAfter.')).toBe('Text.\n\n```code\ncode line\nmore\n```\n\nAfter.');
    expect(cleanMarkdown('- item\n\n    continued item text\n\nAfter.')).toBe('item\n\ncontinued item text\n\nAfter.');
  });

  it('runs an unclosed fence to the end of the document, as renderers do', () => {
    expect(cleanMarkdown('Text.\n```js\nlet x = 1;')).toBe('Text.\n\n```js\nlet x = 1;\n```');
  });
});

describe('LaTeX', () => {
  it('reads commands, fractions, sub- and superscripts', () => {
    expect(latexToText('\\frac{a}{b} \\leq \\sqrt{2} \\cdot 10^{-3}\\,\\text{kg}')).toBe('a/b ≤ √2 · 10⁻³ kg');
    expect(latexToText('\\mathrm{CO_2} \\approx 1{,}5\\ t')).toBe('CO2 ≈ 1,5 t');
  });

  it('leaves money, escaped dollars and escaped brackets alone', () => {
    expect(replaceInlineMath('It costs $5 and $10, or 5$ and 10$.')).toBe('It costs $5 and $10, or 5$ and 10$.');
    expect(cleanMarkdown('Price \\$5 and \\[not a link\\](x) \\(aside\\)')).toBe('Price $5 and [not a link](x) (aside)');
  });

  it('turns display blocks into a paragraph, and an unclosed $$ does not swallow the page', () => {
    expect(cleanMarkdown('Before.\n$$\nE = mc^2\n$$\nAfter.')).toBe('Before.\n\nE = mc²\n\nAfter.');
    expect(cleanMarkdown('\\begin{equation}\nx_i = 1\n\\end{equation}')).toBe('xi = 1');
    expect(cleanMarkdown('$$ is a dollar pair.\n\nNext paragraph.')).toBe('$$ is a dollar pair.\n\nNext paragraph.');
  });
});

describe('shortcodes, attributes, templates', () => {
  it('drops icons and emoji, keeps times and URLs', () => {
    expect(cleanMarkdown('Open :material-open-in-new: it :smile: at 10:30:00 on https://x.y/a:b:')).toBe('Open it at 10:30:00 on https://x.y/a:b:');
    expect(cleanMarkdown('Use `:octicons-x:` literally.')).toBe('Use :octicons-x: literally.');
  });

  it('drops Jinja tags outside code, keeps them in code', () => {
    expect(cleanMarkdown('Hello {{ user.name }}{% if x %}!{% endif %}\n\n```jinja\n{{ kept }}\n```')).toBe('Hello !\n\n```jinja\n{{ kept }}\n```');
  });
});

describe('tables', () => {
  it('writes rows with their header, skipping empty cells and headers', () => {
    expect(tableSentences(['', 'PUE', 'Note'], [['Azure', '1.18', ''], ['AWS', '', 'n/a.']])).toEqual(['Azure; PUE: 1.18.', 'AWS; Note: n/a.']);
    expect(tableSentences(['A', 'B'], [])).toEqual(['A; B.']);
    expect(tableSentences(null, [['x', 'y']])).toEqual(['x; y.']);
  });
});

describe('markdownTitle', () => {
  it('prefers front matter, then the first # heading', () => {
    expect(markdownTitle('---\ntitle: "Quoted *Title*"\n---\n# Heading')).toBe('Quoted Title');
    expect(markdownTitle('---\nauthor: x\n---\n## Sub\n# Heading')).toBe('Heading');
  });
});

describe('templateReason', () => {
  it('recognises theme templates, not pages that show template syntax in code', () => {
    expect(templateReason('/site/base.j2')).toMatch(/template file \(\.j2\)/);
    expect(templateReason('/site/page.html', '<p>{% if user %}Hi{% endif %}</p>')).toMatch(/block/);
    expect(templateReason('/site/page.html', '<p>{{ a }} {{ b }} {{ c }}</p>')).toMatch(/3 \{\{/);
    expect(templateReason('/site/overrides/x.html', '<p>{{ a }}</p>')).toMatch(/1 \{\{/);
    expect(templateReason('/site/page.html', '<p>Jinja:</p><pre><code>{% block x %}{{ a }}{{ b }}{{ c }}{% endblock %}</code></pre>')).toBeNull();
    expect(templateReason('/site/page.md', '{% block x %}')).toBeNull();
  });
});
