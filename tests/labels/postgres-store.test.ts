/** The label store contract on PostgreSQL, a fresh schema per test. */
import { describePostgres, dropSchema, freshSchema } from '../helpers/postgres';
import { labelStoreContract } from './store-contract';

describePostgres('PostgreSQL label store', (server) => {
  labelStoreContract('PostgreSQL', {
    location: async () => freshSchema(),
    config: (schema) => ({ dataDir: '/nonexistent', databaseUrl: server(), databaseSchema: schema }),
    dispose: (schema) => dropSchema(server(), schema),
  });
});
