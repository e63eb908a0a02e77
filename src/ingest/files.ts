import fs from 'node:fs/promises';
import path from 'node:path';
import type { DocumentFormat, LoadFailure } from './types';

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

const skipped = (name: string): boolean => name.startsWith('.') || name === 'node_modules';

async function walk(dir: string, out: string[], failures: LoadFailure[], visited: Set<string>): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    failures.push({ path: dir, reason: describeFsError(e) });
    return;
  }
  for (const entry of entries) {
    if (skipped(entry.name)) continue;
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const st = await fs.stat(full);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch (e) {
        failures.push({ path: full, reason: `broken symbolic link (${describeFsError(e)})` });
        continue;
      }
    }
    if (isDir) {
      // Symbolic links can make cycles, and two links can reach one folder: visit each real folder once.
      const real = await fs.realpath(full).catch(() => full);
      if (visited.has(real)) continue;
      visited.add(real);
      await walk(full, out, failures, visited);
    } else if (isFile && formatOf(full) !== null) {
      out.push(full);
    }
  }
}

/**
 * Expand paths into absolute file paths. Folders are walked recursively (supported formats only,
 * no dotfiles, dot-folders or node_modules, sorted by path); files named explicitly are kept even
 * if unsupported so that the loader reports them; missing paths are failures. No duplicates.
 */
export async function listFiles(paths: string[]): Promise<{ files: string[]; failures: LoadFailure[] }> {
  const files: string[] = [];
  const failures: LoadFailure[] = [];
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
      failures.push({ path: abs, reason: describeFsError(e) });
      continue;
    }
    if (!stat.isDirectory()) {
      add(abs);
      continue;
    }
    const found: string[] = [];
    visited.add(await fs.realpath(abs).catch(() => abs));
    await walk(abs, found, failures, visited);
    found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    found.forEach(add);
  }
  return { files, failures };
}
