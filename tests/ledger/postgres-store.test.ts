/** The ledger store contract on PostgreSQL, a fresh schema per test. */
import { PostgresLedgerStore } from '../../src/ledger/postgres-store';
import { describePostgres, dropSchema, freshSchema } from '../helpers/postgres';
import { ledgerStoreContract } from './store-contract';

describePostgres('PostgreSQL ledger store', (server) => {
  ledgerStoreContract('PostgreSQL', {
    location: async () => freshSchema(),
    open: (schema, opts) => PostgresLedgerStore.open(server(), schema, opts),
    dispose: (schema) => dropSchema(server(), schema),
  });
});
