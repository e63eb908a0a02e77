import fs from 'node:fs';
import path from 'node:path';
import { failureToError, loadFile } from '../../src/ingest/load';
import { tempDir } from './fixtures';

const opts = { maxFileBytes: 1024 * 1024 };
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('loadFile: good files', () => {
  it('loads markdown with its first # heading as title and readable text', async () => {
    const file = tmp.write('guide.md', '# Getting *started*\n\nInstall with `npm ci`.\nSee [the docs](https://x.y).\n\n## Next\nRun **it**.\n');
    const r = await loadFile(file, opts);
    expect(r.failures).toEqual([]);
    expect(r.documents).toEqual([
      { source: file, title: 'Getting started', text: 'Getting started\n\nInstall with npm ci. See the docs.\n\nNext\n\nRun it.', format: 'md' },
    ]);
  });

  it('takes the first heading of any level when there is no # heading, else the file name (.markdown too)', async () => {
    const sub = tmp.write('notes.markdown', '## Sub only\ntext');
    expect((await loadFile(sub, opts)).documents[0]).toMatchObject({ title: 'Sub only', format: 'md', text: 'Sub only\n\ntext' });
    const none = tmp.write('get_started.md', 'Just text.');
    expect((await loadFile(none, opts)).documents[0]).toMatchObject({ title: 'get_started.md', text: 'Just text.' });
  });

  it('loads text files with the file name as title, CRLF normalised', async () => {
    const file = tmp.write('plain.txt', 'Line one.  \r\nLine two.\r\n\r\n\r\n\r\nLine three.\r\n');
    const r = await loadFile(file, opts);
    expect(r.documents).toEqual([{ source: file, title: 'plain.txt', text: 'Line one.\nLine two.\n\nLine three.', format: 'txt' }]);
  });

  it('returns an absolute source for a relative path', async () => {
    const file = tmp.write('rel.txt', 'relative');
    const rel = path.relative(process.cwd(), file);
    const r = await loadFile(rel, opts);
    expect(r.documents[0].source).toBe(file);
  });

  it('keeps French accents from NFD and Latin-1 files, in NFC', async () => {
    const nfd = tmp.write('nfd.txt', 'L\u2019e\u0301te\u0301 a\u0300 Montre\u0301al, c\u0327a va.');
    const latin1 = tmp.write('latin1.txt', Buffer.from('Été à Montréal, ça va très bien.', 'latin1'));
    const bom = tmp.write('bom.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Déjà vu', 'utf8')]));
    const utf16 = tmp.write('utf16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Noël à Paris', 'utf16le')]));
    expect((await loadFile(nfd, opts)).documents[0].text).toBe('L\u2019été à Montréal, ça va.');
    expect((await loadFile(latin1, opts)).documents[0].text).toBe('Été à Montréal, ça va très bien.');
    expect((await loadFile(bom, opts)).documents[0].text).toBe('Déjà vu');
    expect((await loadFile(utf16, opts)).documents[0].text).toBe('Noël à Paris');
  });

  it('loads HTML without markup, scripts, styles, nav, noscript, template, link URLs or images', async () => {
    const html = `<!doctype html><html><head><title>Page &amp; Title</title><style>.secret-style{color:red}</style>
      <script>var SECRET_SCRIPT = 1;</script></head><body>
      <nav>Home | NAVLINK</nav><h1>Main heading</h1><p>First <a href="https://evil.example/url">link text</a> para
      <img src="x.png" alt="IMGALT">with <b>bold</b>.</p><p>Second para.</p>
      <ul><li>item one</li><li>item two</li></ul>
      <noscript>NOSCRIPT</noscript><template>TEMPLATE</template><!-- COMMENT -->
      <script type="module">console.log('SCRIPT2')</script></body></html>`;
    const file = tmp.write('page.html', html);
    const r = await loadFile(file, opts);
    expect(r.failures).toEqual([]);
    const doc = r.documents[0];
    expect(doc.title).toBe('Page & Title');
    expect(doc.format).toBe('html');
    expect(doc.text).toBe('Main heading\n\nFirst link text para with bold.\n\nSecond para.\n\nitem one\nitem two');
    for (const hidden of ['SECRET', 'secret-style', 'NAVLINK', 'NOSCRIPT', 'TEMPLATE', 'COMMENT', 'SCRIPT2', 'evil', 'IMGALT', 'http']) {
      expect(doc.text).not.toContain(hidden);
    }
  });

  it('takes the HTML title from the first <h1> when there is no <title>, else the file name (.htm)', async () => {
    const h1 = tmp.write('h1.htm', '<body><h1>First <em>H1</em></h1><h1>Second</h1><p>x</p></body>');
    const none = tmp.write('none.htm', '<p>Just a paragraph.</p>');
    expect((await loadFile(h1, opts)).documents[0].title).toBe('First H1');
    expect((await loadFile(none, opts)).documents[0]).toMatchObject({ title: 'none.htm', text: 'Just a paragraph.' });
  });

  it('survives pathologically deep HTML nesting (content beyond the depth limit is dropped)', async () => {
    const file = tmp.write('deep.html', '<p>Top text.</p>' + '<div>'.repeat(50_000) + 'deep');
    const r = await loadFile(file, opts);
    expect(r.documents[0].text).toBe('Top text.');
  });

  it('keeps HTML tables as rows of cells, headings not uppercased', async () => {
    const file = tmp.write('table.html', '<h2>Prices</h2><table><tr><th>Item</th><th>Cost</th></tr><tr><td>Tea</td><td>2 €</td></tr></table>');
    const text = (await loadFile(file, opts)).documents[0].text;
    expect(text).toBe('Prices\n\nItem: Tea; Cost: 2 €.');
  });

  it('accepts upper-case extensions', async () => {
    const file = tmp.write('UPPER.TXT', 'shout');
    expect((await loadFile(file, opts)).documents[0]).toMatchObject({ format: 'txt', text: 'shout' });
  });
});

describe('loadFile: JSONL', () => {
  it('makes one document per line with source path#id and title (or id)', async () => {
    const file = tmp.write(
      'corpus.jsonl',
      [
        JSON.stringify({ id: 'a-1', title: 'Alpha', text: 'First text.' }),
        '',
        JSON.stringify({ id: 'b-2', text: 'Second text, no title.', extra: 42 }),
        JSON.stringify({ id: 'c-3', title: '  ', text: 'Blank title.' }),
      ].join('\r\n') + '\n',
    );
    const r = await loadFile(file, opts);
    expect(r.failures).toEqual([]);
    expect(r.documents).toEqual([
      { source: `${file}#a-1`, title: 'Alpha', text: 'First text.', format: 'jsonl' },
      { source: `${file}#b-2`, title: 'b-2', text: 'Second text, no title.', format: 'jsonl' },
      { source: `${file}#c-3`, title: 'c-3', text: 'Blank title.', format: 'jsonl' },
    ]);
  });

  it('reports bad lines as path:line with a reason and keeps the good lines', async () => {
    const lines = [
      JSON.stringify({ id: 'ok1', title: 'T', text: 'good one' }), // 1
      '{"id": "broken", "text": ', // 2 invalid JSON
      JSON.stringify({ id: 'notext', title: 'x' }), // 3 missing text
      JSON.stringify({ id: 'emptytext', text: '  \n ' }), // 4 empty text
      JSON.stringify({ id: 'ok1', text: 'duplicate' }), // 5 duplicate id
      '[1, 2, 3]', // 6 not an object
      '"just a string"', // 7 not an object
      JSON.stringify({ id: 7, text: 'numeric id' }), // 8 non-string id
      JSON.stringify({ id: 'numtext', text: 12 }), // 9 non-string text
      JSON.stringify({ id: 'badtitle', title: ['x'], text: 'y' }), // 10 non-string title
      JSON.stringify({ text: 'no id' }), // 11 missing id
      'null', // 12
      JSON.stringify({ id: 'ok2', text: 'good two' }), // 13
    ];
    const file = tmp.write('mixed.jsonl', lines.join('\n'));
    const r = await loadFile(file, opts);
    expect(r.documents.map((d) => d.source)).toEqual([`${file}#ok1`, `${file}#ok2`]);
    expect(r.documents[0].text).toBe('good one');
    const byLine = Object.fromEntries(r.failures.map((f) => [f.path.slice(file.length + 1), f.reason]));
    expect(r.failures.every((f) => f.path.startsWith(`${file}:`) && f.code === 'bad_file')).toBe(true);
    expect(Object.keys(byLine)).toEqual(['2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
    expect(byLine['2']).toMatch(/^invalid JSON/);
    expect(byLine['3']).toBe('missing "text"');
    expect(byLine['4']).toBe('"text" is empty');
    expect(byLine['5']).toBe('duplicate id "ok1" (first on line 1), skipped');
    expect(byLine['6']).toBe('expected a JSON object, got an array');
    expect(byLine['7']).toBe('expected a JSON object, got a string');
    expect(byLine['8']).toBe('"id" must be a non-empty string, got a number');
    expect(byLine['9']).toBe('"text" must be a string, got a number');
    expect(byLine['10']).toBe('"title" must be a string, got an array');
    expect(byLine['11']).toBe('missing "id"');
    expect(byLine['12']).toBe('expected a JSON object, got null');
  });

  it('reads a shared dataset corpus file when present', async () => {
    const corpus = '/work/shared/datasets/squad2/corpus.jsonl';
    if (!fs.existsSync(corpus)) return;
    const r = await loadFile(corpus, { maxFileBytes: 512 * 1024 * 1024 });
    expect(r.failures).toEqual([]);
    expect(r.documents.length).toBeGreaterThan(10);
    expect(r.documents[0].source).toMatch(/corpus\.jsonl#\S+$/);
    expect(new Set(r.documents.map((d) => d.source)).size).toBe(r.documents.length);
  });
});

describe('loadFile: bad files never throw', () => {
  const only = async (file: string, max = opts.maxFileBytes) => {
    const r = await loadFile(file, { maxFileBytes: max });
    expect(r.documents).toEqual([]);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0].path).toBe(path.resolve(file));
    return r.failures[0];
  };

  it('binary content in a text format (NUL bytes)', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const f = await only(tmp.write('image.txt', png));
    expect(f).toMatchObject({ code: 'bad_file', reason: 'binary content (contains NUL bytes) in a .txt file' });
  });

  it('binary content without NUL bytes (control bytes)', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = 1 + ((i * 37) % 255);
    const f = await only(tmp.write('noise.md', bytes));
    expect(f.reason).toMatch(/^binary content/);
  });

  it('empty file', async () => {
    const f = await only(tmp.write('empty.txt', ''));
    expect(f).toMatchObject({ code: 'bad_file', reason: 'empty file' });
  });

  it('whitespace-only files, and markup without text', async () => {
    expect((await only(tmp.write('blank.txt', ' \n\t\r\n \u00A0 '))).reason).toBe('no text after cleaning (empty or whitespace only)');
    expect((await only(tmp.write('blank.md', '# \n\n---\n<!-- nothing -->'))).reason).toBe('no text after cleaning (empty or whitespace only)');
    expect((await only(tmp.write('blank.html', '<html><head><title>T</title><script>x()</script></head><body> </body></html>'))).reason).toBe(
      'no text after cleaning (empty or whitespace only)',
    );
    expect((await only(tmp.write('blank.jsonl', '\n \n\n'))).reason).toBe('no text after cleaning (empty or whitespace only)');
  });

  it('unsupported extension, naming the supported ones', async () => {
    const f = await only(tmp.write('data.xyz', 'text'));
    expect(f).toMatchObject({
      code: 'unsupported_format',
      reason: 'unsupported format .xyz (supported: .md, .markdown, .txt, .html, .htm, .pdf, .jsonl)',
    });
    expect((await only(tmp.write('Makefile', 'all:'))).reason).toMatch(/^unsupported format \(no extension\)/);
  });

  it('too large, checked before reading', async () => {
    const f = await only(tmp.write('big.txt', 'x'.repeat(101)), 100);
    expect(f).toMatchObject({ code: 'too_large', reason: 'too large: 101 bytes, the limit is 100 bytes' });
    expect((await loadFile(tmp.write('fits.txt', 'x'.repeat(100)), { maxFileBytes: 100 })).documents).toHaveLength(1);
  });

  it('a directory passed as a file', async () => {
    fs.mkdirSync(path.join(tmp.dir, 'folder.md'), { recursive: true });
    const f = await only(path.join(tmp.dir, 'folder.md'));
    expect(f).toMatchObject({ code: 'bad_file', reason: 'is a directory, not a file' });
  });

  it('a nonexistent path', async () => {
    const f = await only(path.join(tmp.dir, 'missing.txt'));
    expect(f).toMatchObject({ code: 'bad_file', reason: 'no such file or directory' });
  });

  it('a FIFO is refused instead of blocking', async () => {
    if (process.platform === 'win32') return;
    const fifo = path.join(tmp.dir, 'pipe.txt');
    require('node:child_process').execFileSync('mkfifo', [fifo]);
    expect((await only(fifo)).reason).toBe('not a regular file');
  });

  it('an unreadable file (permission denied), when not running as root', async () => {
    if (process.platform === 'win32' || process.getuid?.() === 0) return; // root reads anything
    const file = tmp.write('secret.txt', 'secret');
    fs.chmodSync(file, 0o000);
    try {
      expect((await only(file)).reason).toBe('unreadable: permission denied');
    } finally {
      fs.chmodSync(file, 0o600);
    }
  });

  it('an unreadable file (read error after stat), simulated so it also runs as root', async () => {
    const file = tmp.write('locked.txt', 'locked');
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const spy = jest.spyOn(fs.promises, 'readFile').mockRejectedValueOnce(denied);
    try {
      expect((await only(file)).reason).toBe('unreadable: permission denied');
    } finally {
      spy.mockRestore();
    }
  });

  it('failureToError maps a failure to a SobreError with its code', async () => {
    const r = await loadFile(tmp.write('x.bin', 'x'), opts);
    const err = failureToError(r.failures[0]);
    expect(err.code).toBe('unsupported_format');
    expect(err.message).toContain('x.bin: unsupported format .bin');
  });
});
