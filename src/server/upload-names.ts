/**
 * Uploaded file names are the client's. A name with a NUL or control character, an absolute
 * path (`/x`, `\x`, `C:x`) or a `..` segment is refused; otherwise each folder and the file
 * name are kept, with unusual characters replaced, so `sub/x.md` and `other/x.md` are two
 * documents and the stored path is always inside the uploads folder.
 */
import path from 'node:path';

const MAX_NAME_BYTES = 200;
const MAX_FOLDERS = 8;

export type SafeName = { ok: true; name: string } | { ok: false; reason: string };

function segment(part: string): string | null {
  const s = part.normalize('NFC').replace(/[^\p{L}\p{N}._ ()+-]/gu, '_').trim().replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  return s === '' || /^[._ ]*$/.test(s) ? null : s;
}

/** `folder/…/file`, `/`-separated, relative to the uploads folder. */
export function safeUploadName(original: string): SafeName {
  if (original === '') return { ok: false, reason: 'empty file name' };
  if (/[\u0000-\u001f\u007f]/.test(original)) return { ok: false, reason: 'file name contains a NUL or control character' };
  if (/^[/\\]/.test(original) || /^[a-zA-Z]:/.test(original)) return { ok: false, reason: 'file name is an absolute path' };
  const parts = original.split(/[/\\]+/);
  if (parts.some((p) => p === '..')) return { ok: false, reason: 'file name contains a .. segment' };
  const file = segment(parts[parts.length - 1] ?? '');
  if (file === null) return { ok: false, reason: 'file name has no usable characters' };
  const folders = parts.slice(0, -1).filter((p) => p !== '' && p !== '.').map(segment);
  if (folders.some((f) => f === null)) return { ok: false, reason: 'a folder name has no usable characters' };
  if (folders.length > MAX_FOLDERS) return { ok: false, reason: `more than ${MAX_FOLDERS} folders` };
  const prefix = folders.map((f) => truncateName(f as string, 64) + '/').join('');
  return { ok: true, name: prefix + truncateName(file, MAX_NAME_BYTES) };
}

/** At most `max` bytes of UTF-8, cutting the stem (whole code points) and keeping a short extension. */
function truncateName(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  const ext = path.extname(name);
  const keep = Buffer.byteLength(ext) <= 16 ? ext : '';
  const stem = Array.from(name.slice(0, name.length - keep.length));
  while (stem.length > 1 && Buffer.byteLength(stem.join('') + keep) > max) stem.pop();
  return stem.join('') + keep;
}

/**
 * The file name multer stores an upload under (in a folder of its own), so the loader sees the
 * format and titles an untitled document as `npm run ingest` would: by the file's name.
 */
export function incomingName(original: string): string {
  const safe = safeUploadName(original);
  if (safe.ok) return path.posix.basename(safe.name);
  const ext = path.extname(original).toLowerCase();
  return `upload${/^\.[a-z0-9]{1,10}$/.test(ext) ? ext : ''}`;
}
