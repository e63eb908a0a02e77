/** The label store contract on SQLite, in a temporary data folder. */
import path from 'node:path';
import { DATABASE_FILE, openDatabase } from '../../src/sqlite/database';
import { makeTempDir, removeDir } from '../helpers/temp';
import { labelStoreContract } from './store-contract';

labelStoreContract('SQLite', {
  location: async () => makeTempDir(),
  config: (dir) => ({ dataDir: dir, databaseUrl: '', databaseSchema: 'sobre' }),
  // A read-only open needs the file: as the report CLI finds it after the ledger created it.
  beforeReadOnly: (dir) => openDatabase(path.join(dir, DATABASE_FILE)).close(),
  dispose: async (dir) => removeDir(dir),
});
