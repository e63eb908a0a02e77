/**
 * Opening a SQLite database the way every Sobre component uses it: WAL (readers never wait for
 * the writer), a busy timeout (another process's write waits instead of failing), foreign keys.
 * Several connections to the same file (the knowledge store, the ledger) are fine in WAL mode.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { SobreError, errorMessage } from '../errors';

export const DATABASE_FILE = 'sobre.db';

export function openDatabase(file: string, { readonly = false }: { readonly?: boolean } = {}): Db {
  if (readonly && !fs.existsSync(file)) {
    throw new SobreError('not_found', `No Sobre store at ${file}: run npm run ingest first, or set SOBRE_DATA_DIR`);
  }
  let db: Db;
  try {
    if (!readonly) fs.mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file, { readonly, fileMustExist: readonly });
  } catch (e) {
    throw new SobreError('bad_config', `Cannot open the database ${file}: ${errorMessage(e)}. Check SOBRE_DATA_DIR and the folder's permissions.`, { file }, { cause: e });
  }
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
