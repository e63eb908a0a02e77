/** The ledger store contract on SQLite, in a temporary data folder. */
import { SqliteLedgerStore } from '../../src/ledger/sqlite-store';
import { openDatabase, DATABASE_FILE } from '../../src/sqlite/database';
import { makeTempDir, removeDir } from '../helpers/temp';
import { ledgerStoreContract } from './store-contract';
import path from 'node:path';

ledgerStoreContract('SQLite', {
  location: async () => makeTempDir(),
  open: async (dir, opts) => {
    // A read-only open needs the file: as the report CLI finds it after `npm start` created it.
    if (opts?.readonly) openDatabase(path.join(dir, DATABASE_FILE)).close();
    return SqliteLedgerStore.open(dir, opts);
  },
  dispose: async (dir) => removeDir(dir),
});
