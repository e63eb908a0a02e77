/**
 * Opening a SQLite database the way every Sobre component uses it: WAL (readers never wait for
 * the writer), a busy timeout (another process's write waits instead of failing), foreign keys.
 * Several connections to the same file (the knowledge store, the ledger) are fine in WAL mode.
 * `synchronous: 'full'` makes every commit durable (the WAL is fsynced at each commit); the
 * default, NORMAL, may lose the last commits on a power cut, never corrupt the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { SobreError, errorMessage } from '../errors';

export const DATABASE_FILE = 'sobre.db';

export interface OpenOptions {
  readonly?: boolean;
  synchronous?: 'normal' | 'full';
}

/** Why `file` could not be opened, and what to do, from what is on disk. */
function diagnose(file: string, e: unknown): string {
  const dir = path.dirname(file);
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    return `${dir}, or a folder above it, is a file, not a folder. Set SOBRE_DATA_DIR to a folder (it is created if missing).`;
  }
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    return `${file} is a folder, not a database file. Move it away, or set SOBRE_DATA_DIR to another folder.`;
  }
  if (/not a database/i.test(errorMessage(e))) {
    return `${file} is not a SQLite database (${errorMessage(e)}). Restore it from a backup, or set SOBRE_DATA_DIR to another folder.`;
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (denied) {
    return `the folder ${dir} is not writable (${errorMessage(denied)}). Make it writable by the user running Sobre, or set SOBRE_DATA_DIR to a writable folder.`;
  }
  return `${errorMessage(e)}. Check SOBRE_DATA_DIR (${dir}) and the folder's permissions.`;
}

export function openDatabase(file: string, { readonly = false, synchronous = 'normal' }: OpenOptions = {}): Db {
  if (readonly && !fs.existsSync(file)) {
    throw new SobreError('not_found', `No Sobre store at ${file}: run npm run ingest first, or set SOBRE_DATA_DIR`);
  }
  let db: Db | undefined;
  try {
    if (!readonly) fs.mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file, { readonly, fileMustExist: readonly });
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (e) {
    db?.close();
    throw new SobreError('bad_config', `Cannot open the database ${file}: ${diagnose(file, e)}`, { file }, { cause: e });
  }
}
