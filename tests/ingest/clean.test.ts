import { cleanMarkdown, cleanPlainText, cleanText } from '../../src/ingest/clean';
import { markdownTitle, stripMarkdown } from '../../src/ingest/markdown';

describe('cleanText', () => {
  it('normalises to NFC so French accents compare equal', () => {
    const nfd = 'Le cafe\u0301 de l\u2019e\u0301te\u0301 a\u0300 Montre\u0301al';
    const out = cleanText(nfd);
    expect(out).toBe('Le café de l\u2019été à Montréal');
    expect(out).toBe(out.normalize('NFC'));
  });

  it('converts CRLF and CR to LF', () => {
    expect(cleanText('a\r\nb\rc\nd')).toBe('a\nb\nc\nd');
  });

  it('removes control characters except newline, and tabs become spaces', () => {
    expect(cleanText('a\u0000b\u0007c\u001Bd\u007Fe\u0085f')).toBe('abcd\nf'.replace('d\nf', 'de\nf'));
    expect(cleanText('col1\tcol2\t\tcol3')).toBe('col1 col2 col3');
  });

  it('turns form feeds and line separators into line breaks rather than gluing words', () => {
    expect(cleanText('page one\fpage two\u2028next')).toBe('page one\npage two\nnext');
  });

  it('collapses tab and non-breaking space runs to one space', () => {
    expect(cleanText('a\u00A0\u00A0b \t c\u202Fd')).toBe('a b c d');
  });

  it('keeps ordinary double spaces and leading indentation', () => {
    expect(cleanText('a  b\n  indented')).toBe('a  b\n  indented');
  });

  it('drops BOM, zero-width spaces and soft hyphens', () => {
    expect(cleanText('\uFEFFin\u00ADcred\u200Bible')).toBe('incredible');
  });

  it('trims trailing spaces per line, collapses 3+ newlines to 2, trims the whole', () => {
    expect(cleanText('  \n\nline one   \nline two \n\n\n\n\nline three\n\n  ')).toBe('line one\nline two\n\nline three');
  });

  it('treats whitespace-only lines as blank when collapsing', () => {
    expect(cleanText('a\n   \n \t \n\nb')).toBe('a\n\nb');
  });

  it('returns empty for whitespace only', () => {
    expect(cleanText(' \n\t\u00A0\r\n ')).toBe('');
  });

  it('is idempotent', () => {
    const once = cleanText('A\r\n\r\n\r\nB\t\tC  \u0000');
    expect(cleanText(once)).toBe(once);
  });
});

describe('cleanMarkdown', () => {
  it('keeps headings as their own paragraphs, without # marks', () => {
    const out = cleanMarkdown('# Title\nFirst sentence.\n## Section two ##\nMore text.');
    expect(out).toBe('Title\n\nFirst sentence.\n\nSection two\n\nMore text.');
  });

  it('handles setext headings', () => {
    expect(cleanMarkdown('Big title\n=========\nBody.\n\nSub\n---\nMore.')).toBe('Big title\n\nBody.\n\nSub\n\nMore.');
  });

  it('strips emphasis, code spans, links and images', () => {
    const md = 'Some **bold**, *italic*, __strong__, _em_, ~~gone~~ and `npm test` with [the docs](https://x.y/a_(b) "T") ![logo](l.png).';
    expect(cleanMarkdown(md)).toBe('Some bold, italic, strong, em, gone and npm test with the docs.');
  });

  it('does not touch underscores inside words or arithmetic', () => {
    expect(cleanMarkdown('Call snake_case_name with 2*3*4 and a_b.')).toBe('Call snake_case_name with 2*3*4 and a_b.');
  });

  it('keeps code span content literally', () => {
    expect(cleanMarkdown('Use `*ptr*` and `` a ` b ``.')).toBe('Use *ptr* and a ` b.');
  });

  it('honours backslash escapes', () => {
    expect(cleanMarkdown('Price \\*not italic\\* and \\[not a link\\](x)')).toBe('Price *not italic* and [not a link](x)');
  });

  it('removes list bullets, task boxes and quote markers, keeps numbered items', () => {
    expect(cleanMarkdown('- one\n  * two\n+ three\n- [x] done\n1. first\n> quoted\n> > nested')).toBe(
      'one\ntwo\nthree\ndone\n1. first\nquoted\nnested',
    );
  });

  it('turns each table row into a sentence carrying the header', () => {
    expect(cleanMarkdown('| Name | Age |\n|------|:---:|\n| Bob | 42 |\n\nAfter.')).toBe('Name: Bob; Age: 42.\n\nAfter.');
  });

  it('drops HTML comments, tags, reference definitions and front matter', () => {
    const md = '---\ntitle: Front\n---\nText <!-- hidden\nacross lines --> here<br>and <b>bold</b> [ref][1].\n\n[1]: https://example.com';
    expect(cleanMarkdown(md)).toBe('Text here and bold ref.');
  });

  it('keeps fenced code content verbatim between fences: "```lang" opens, a bare "```" closes', () => {
    const md = 'Before.\n```bash\n# a comment, not a heading\nrm *.tmp*\n```\nAfter.\n~~~\nplain\n~~~';
    expect(cleanMarkdown(md)).toBe('Before.\n\n```bash\n# a comment, not a heading\nrm *.tmp*\n```\n\nAfter.\n\n```code\nplain\n```');
  });

  it('keeps autolinks as their URL and horizontal rules as paragraph breaks', () => {
    expect(cleanMarkdown('See <https://example.com>.\n\n***\n\nNext')).toBe('See https://example.com.\n\nNext');
  });

  it('stripMarkdown alone leaves whitespace cleaning to cleanText', () => {
    expect(stripMarkdown('# T\ntext')).toBe('\nT\n\ntext');
  });
});

describe('markdownTitle', () => {
  it('is the first level-1 heading outside code, without markup', () => {
    expect(markdownTitle('```\n# not this\n```\n## Not h2\n# The *Real* Title\n# Second')).toBe('The Real Title');
    expect(markdownTitle('Setext Title\n===\n')).toBe('Setext Title');
  });

  it('is else the first heading of any level, and null without a heading', () => {
    expect(markdownTitle('## only h2\ntext\n### h3')).toBe('only h2');
    expect(markdownTitle('#hashtag is not a heading')).toBeNull();
  });
});

describe('hostile input stays linear', () => {
  // Each of these took seconds to minutes at this size with the naive regexes (quadratic backtracking).
  const lines = ['![', '[a ', '~~x ', '** a', '` ', ' ', '\t ', '| ', '$x ', ':ab', '{ .a', '{ a=', '{{ a ', '\\(a ', '$$a ', '==a ', '++a', 'a-'].map((unit) => unit.repeat(Math.ceil(200_000 / unit.length)) + 'x');
  it.each(lines.map((l) => [JSON.stringify(l.slice(0, 4)), l]))('cleanMarkdown and cleanText on a 200 kB line of %s', (_name, line) => {
    const started = Date.now();
    cleanMarkdown(line);
    cleanText(line);
    markdownTitle(`# ${line}`);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  const documents = ['$$\n', '```\n', '!!! note\n    ', '| a | b |\n|---|---|\n', 'word-\nword ', '    code\n\n', '- item\n  more\n'].map((unit) => unit.repeat(Math.ceil(200_000 / unit.length)));
  it.each(documents.map((d) => [JSON.stringify(d.slice(0, 12)), d]))('cleanMarkdown and cleanPlainText on 200 kB of %s', (_name, doc) => {
    const started = Date.now();
    cleanMarkdown(doc);
    cleanPlainText(doc);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
