/**
 * A real PostgreSQL for the tests: SOBRE_TEST_DATABASE_URL (`.ci/run` starts a throwaway cluster
 * and sets it), else a throwaway cluster started here with `scripts/pg-cluster.sh` when
 * PostgreSQL's binaries are installed. With neither, the PostgreSQL suites are skipped with a
 * message — except in CI, where they fail.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const ROOT = path.resolve(__dirname, '../..');
export const PG_CLUSTER = path.join(ROOT, 'scripts/pg-cluster.sh');

export function postgresBinariesInstalled(): boolean {
  if (process.env.PG_BIN) return fs.existsSync(path.join(process.env.PG_BIN, 'pg_ctl'));
  try {
    return fs.readdirSync('/usr/lib/postgresql').some((v) => fs.existsSync(path.join('/usr/lib/postgresql', v, 'bin/pg_ctl')));
  } catch {
    return false;
  }
}

export interface Cluster {
  url: string;
  dir: string;
  /** Stop it at once, as a crash would. */
  kill(): void;
  /** Start it again after `kill` (same folder, same port). */
  restart(): void;
  stop(): void;
}

/** A new throwaway cluster (needs the binaries). */
export function startCluster(): Cluster {
  const out = execFileSync('bash', [PG_CLUSTER, 'start'], { encoding: 'utf8' });
  const vars = Object.fromEntries(out.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
  const dir = vars.SOBRE_TEST_PG_DIR;
  return {
    url: vars.SOBRE_TEST_DATABASE_URL,
    dir,
    kill: () => execFileSync('bash', [PG_CLUSTER, 'kill', dir]),
    restart: () => execFileSync('bash', [PG_CLUSTER, 'restart', dir]),
    stop: () => execFileSync('bash', [PG_CLUSTER, 'stop', dir]),
  };
}

/**
 * `describe` with a PostgreSQL URL: `server()` gives it inside the tests. Skipped with a message
 * when there is none (a failure in CI).
 */
export function describePostgres(name: string, body: (server: () => string) => void): void {
  const given = process.env.SOBRE_TEST_DATABASE_URL;
  if (!given && !postgresBinariesInstalled()) {
    if (process.env.CI) {
      test(`${name}: PostgreSQL is required in CI`, () => {
        throw new Error('No SOBRE_TEST_DATABASE_URL and no PostgreSQL binaries: .ci/run must install and start PostgreSQL');
      });
    } else {
      console.warn(`Skipping "${name}": no PostgreSQL (set SOBRE_TEST_DATABASE_URL, or apt-get install postgresql)`);
      describe.skip(name, () => body(() => ''));
    }
    return;
  }
  describe(name, () => {
    let url = given ?? '';
    let cluster: Cluster | null = null;
    beforeAll(() => {
      if (!given) {
        cluster = startCluster();
        url = cluster.url;
      }
    });
    afterAll(() => cluster?.stop());
    body(() => url);
  });
}

/** A schema name no other test uses. */
export function freshSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}
