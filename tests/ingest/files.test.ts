import fs from 'node:fs';
import path from 'node:path';
import { describeFsError } from '../../src/ingest/files';
import { listFiles } from '../../src/ingest/load';
import { tempDir } from './fixtures';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

beforeAll(() => {
  tmp.write('corpus/b.md', '# B');
  tmp.write('corpus/a.txt', 'a');
  tmp.write('corpus/sub/c.html', '<p>c</p>');
  tmp.write('corpus/sub/deeper/d.jsonl', '{"id":"1","text":"d"}');
  tmp.write('corpus/sub/e.PDF', '%PDF-');
  tmp.write('corpus/image.png', 'png');
  tmp.write('corpus/theme/base.j2', '{{ x }}');
  tmp.write('corpus/.hidden.md', 'hidden');
  tmp.write('corpus/.git/config.txt', 'git');
  tmp.write('corpus/node_modules/pkg/readme.md', 'dep');
  tmp.write('other/z.txt', 'z');
  tmp.write('other/unsupported.xyz', 'x');
});

describe('listFiles', () => {
  it('walks folders recursively, sorted, supported formats only, skipping dot entries and node_modules', async () => {
    const { files, failures } = await listFiles([path.join(tmp.dir, 'corpus')]);
    expect(failures).toEqual([]);
    expect(files.map((f) => path.relative(tmp.dir, f))).toEqual([
      'corpus/a.txt',
      'corpus/b.md',
      'corpus/sub/c.html',
      'corpus/sub/deeper/d.jsonl',
      'corpus/sub/e.PDF',
    ]);
    expect(files.every((f) => path.isAbsolute(f))).toBe(true);
  });

  it('says why it leaves out the other files a folder holds', async () => {
    const { skipped } = await listFiles([path.join(tmp.dir, 'corpus')]);
    expect(skipped.map((s) => [path.relative(tmp.dir, s.path), s.reason, s.detail])).toEqual([
      ['corpus/image.png', 'unsupported type', 'unsupported format .png'],
      ['corpus/theme/base.j2', 'template', 'template file (.j2), not a document'],
    ]);
  });

  it('keeps files named explicitly even if unsupported or hidden, and reports missing paths', async () => {
    const missing = path.join(tmp.dir, 'nope');
    const { files, failures } = await listFiles([
      path.join(tmp.dir, 'other/unsupported.xyz'),
      path.join(tmp.dir, 'corpus/.hidden.md'),
      missing,
      path.join(tmp.dir, 'other'),
    ]);
    expect(files.map((f) => path.relative(tmp.dir, f))).toEqual(['other/unsupported.xyz', 'corpus/.hidden.md', 'other/z.txt']);
    expect(failures).toEqual([{ path: missing, reason: 'no such file or directory', skip: 'unreadable' }]);
  });

  it('resolves relative paths and lists each file once', async () => {
    const rel = path.relative(process.cwd(), path.join(tmp.dir, 'other'));
    const { files } = await listFiles([rel, path.join(tmp.dir, 'other/z.txt'), path.join(tmp.dir, 'other')]);
    expect(files).toEqual([path.join(tmp.dir, 'other/z.txt')]);
  });

  it('follows folder symlinks without looping and reports broken links', async () => {
    const root = path.join(tmp.dir, 'links');
    tmp.write('links/real/r.txt', 'r');
    fs.symlinkSync(root, path.join(root, 'real/loop'));
    fs.symlinkSync(path.join(root, 'missing-target.txt'), path.join(root, 'dangling.txt'));
    const { files, failures } = await listFiles([root]);
    expect(files.map((f) => path.relative(root, f))).toEqual(['real/r.txt']);
    expect(failures).toHaveLength(1);
    expect(failures[0].path).toBe(path.join(root, 'dangling.txt'));
    expect(failures[0].reason).toMatch(/^broken symbolic link/);
  });

  it('returns nothing for no paths', async () => {
    expect(await listFiles([])).toEqual({ files: [], failures: [], skipped: [] });
  });
});

describe('describeFsError', () => {
  const err = (code: string) => Object.assign(new Error(`${code}: boom`), { code });
  it('turns errno codes into reasons a person can act on', () => {
    expect(describeFsError(err('ENOENT'))).toBe('no such file or directory');
    expect(describeFsError(err('EACCES'))).toBe('unreadable: permission denied');
    expect(describeFsError(err('EPERM'))).toBe('unreadable: permission denied');
    expect(describeFsError(err('EISDIR'))).toBe('is a directory, not a file');
    expect(describeFsError(err('EIO'))).toBe('unreadable: EIO: boom');
    expect(describeFsError('weird')).toBe('unreadable: weird');
  });
});
