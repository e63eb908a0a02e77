import fs from 'node:fs/promises';
import path from 'node:path';
import { TEMPLATE_EXTENSIONS } from './templates';
import type { DocumentFormat, LoadFailure, SkippedFile, SkippedGroup, SkipReason } from './types';

/** Extension (lowercase, with the dot) → format. */
export const FORMAT_BY_EXTENSION: Readonly<Record<string, DocumentFormat>> = Object.freeze({
  '.md': 'md',
  '.markdown': 'md',
  '.txt': 'txt',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
  '.jsonl': 'jsonl',
});

export function formatOf(filePath: string): DocumentFormat | null {
  return FORMAT_BY_EXTENSION[path.extname(filePath).toLowerCase()] ?? null;
}

/** A file system error as a short reason a person can act on. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'unreadable: permission denied';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'ENOTDIR') return 'no such file or directory (a parent is not a folder)';
  if (code === 'ELOOP') return 'unreadable: too many symbolic links';
  return `unreadable: ${e instanceof Error ? e.message : String(e)}`;
}

const hidden = (name: string): boolean => name.startsWith('.') || name === 'node_modules';

interface Found {
  files: string[];
  failures: LoadFailure[];
  skipped: SkippedFile[];
}

/** A file a folder holds that is not a document: why it is left out. */
function notADocument(file: string): SkippedFile {
  const ext = path.extname(file).toLowerCase();
  if (TEMPLATE_EXTENSIONS.includes(ext)) return { path: file, reason: 'template', detail: `template file (${ext}), not a document` };
  return { path: file, reason: 'unsupported type', detail: `unsupported format ${ext || '(no extension)'}` };
}

async function walk(dir: string, found: Found, visited: Set<string>): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    found.failures.push({ path: dir, reason: describeFsError(e), skip: 'unreadable' });
    return;
  }
  for (const entry of entries) {
    if (hidden(entry.name)) continue;
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const st = await fs.stat(full);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch (e) {
        found.failures.push({ path: full, reason: `broken symbolic link (${describeFsError(e)})`, skip: 'unreadable' });
        continue;
      }
    }
    if (isDir) {
      // Symbolic links can make cycles, and two links can reach one folder: visit each real folder once.
      const real = await fs.realpath(full).catch(() => full);
      if (visited.has(real)) continue;
      visited.add(real);
      await walk(full, found, visited);
    } else if (isFile) {
      if (formatOf(full) !== null) found.files.push(full);
      else found.skipped.push(notADocument(full));
    }
  }
}

/**
 * Expand paths into absolute file paths. Folders are walked recursively (supported formats only,
 * no dotfiles, dot-folders or node_modules, sorted by path; the other files they hold are
 * `skipped` with why); files named explicitly are kept even if unsupported so that the loader
 * reports them; missing paths are failures. No duplicates.
 */
export async function listFiles(paths: string[]): Promise<Found> {
  const files: string[] = [];
  const failures: LoadFailure[] = [];
  const skipped: SkippedFile[] = [];
  const seen = new Set<string>();
  const visited = new Set<string>();
  const add = (file: string): void => {
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };
  for (const p of paths) {
    const abs = path.resolve(p);
    let stat;
    try {
      stat = await fs.stat(abs);
    } catch (e) {
      failures.push({ path: abs, reason: describeFsError(e), skip: 'unreadable' });
      continue;
    }
    if (!stat.isDirectory()) {
      add(abs);
      continue;
    }
    const found: Found = { files: [], failures, skipped: [] };
    visited.add(await fs.realpath(abs).catch(() => abs));
    await walk(abs, found, visited);
    found.files.sort().forEach(add);
    skipped.push(...found.skipped.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)));
  }
  return { files, failures, skipped };
}

/** Files grouped by why they were left out, the largest group first. */
export function groupSkipped(entries: readonly { path: string; reason: SkipReason }[]): SkippedGroup[] {
  const groups = new Map<SkipReason, string[]>();
  for (const e of entries) {
    const files = groups.get(e.reason) ?? [];
    files.push(e.path);
    groups.set(e.reason, files);
  }
  return [...groups].map(([reason, files]) => ({ reason, files })).sort((a, b) => b.files.length - a.files.length);
}
