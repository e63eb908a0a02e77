/**
 * npm run migrate -- --to postgres://user:password@host:5432/db [--data-dir DIR] [--database-schema NAME]
 *
 * Copies a SQLite data folder (<dataDir>/sobre.db: documents, chunks with their vectors, files,
 * known answers (FAQ pairs, pins, the cache), the ledger, the labels and learned calibrations)
 * into PostgreSQL, ids kept and nothing embedded again, in one transaction. The target schema
 * must hold no document, ledger row, observation or calibration: the copy is refused otherwise,
 * so running it twice changes nothing. Exit codes: 0 copied, 1 refused or failed, 2 bad arguments.
 */
import path from 'node:path';
import { loadConfig, parseSettingFlags } from '../src/config';
import { SobreError, errorMessage, isSobreError } from '../src/errors';
import { copyKnowledge } from '../src/knowledge/postgres/copy-from-sqlite';
import { copyLabels } from '../src/labels/copy-to-postgres';
import { LABEL_PG_MIGRATIONS } from '../src/labels/postgres-schema';
import { KNOWLEDGE_MIGRATIONS } from '../src/knowledge/postgres/schema';
import { copyLedger } from '../src/ledger/copy-to-postgres';
import { LEDGER_PG_MIGRATIONS } from '../src/ledger/postgres-store';
import { PgDatabase } from '../src/postgres/database';
import { migratePg } from '../src/postgres/migrate';
import { DATABASE_FILE, openDatabase } from '../src/sqlite/database';

const USAGE = `Usage: npm run migrate -- --to postgres://user:password@host:5432/db [--data-dir DIR] [--database-schema NAME]
  --to URL   the PostgreSQL database to copy into (default: SOBRE_DATABASE_URL)
Copies <data-dir>/sobre.db into the schema (default sobre), which must hold no document, ledger row, observation or calibration.`;

function parseTo(rest: readonly string[]): { to?: string; help: boolean } {
  const out: { to?: string; help: boolean } = { help: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--to') out.to = rest[++i];
    else if (a.startsWith('--to=')) out.to = a.slice(5);
    else throw new SobreError('bad_request', `Unknown argument ${JSON.stringify(a)}`);
  }
  return out;
}

export async function main(argv: readonly string[], log: (s: string) => void = (s) => process.stdout.write(s + '\n')): Promise<number> {
  let db: PgDatabase | null = null;
  try {
    const { flags, rest } = parseSettingFlags(argv);
    const args = parseTo(rest);
    if (args.help) {
      log(USAGE);
      return 0;
    }
    const url = args.to ?? loadConfig(process.env, flags).databaseUrl;
    if (!url) throw new SobreError('bad_request', 'Say where to copy to: --to postgres://user:password@host:5432/db');
    const config = loadConfig({ ...process.env, SOBRE_DATABASE_URL: url }, flags);
    const source = openDatabase(path.join(config.dataDir, DATABASE_FILE), { readonly: true });
    try {
      // One snapshot of the source for the whole copy, even if a service still writes to it.
      source.exec('BEGIN');
      db = await PgDatabase.open(url, config.databaseSchema);
      await migratePg(db, 'knowledge', KNOWLEDGE_MIGRATIONS);
      await migratePg(db, 'ledger', LEDGER_PG_MIGRATIONS);
      await migratePg(db, 'labels', LABEL_PG_MIGRATIONS);
      const target = db;
      const copied = await target.transaction(async (q) => {
        await q.query('LOCK TABLE knowledge_state, documents, ledger_questions, label_state, label_observations, label_calibrations IN EXCLUSIVE MODE');
        const [held] = await q.query<{ documents: number; rows: number; observations: number; calibrations: number }>(
          `SELECT (SELECT COUNT(*) FROM documents) AS documents, (SELECT COUNT(*) FROM ledger_questions) AS rows,
            (SELECT COUNT(*) FROM label_observations) AS observations, (SELECT COUNT(*) FROM label_calibrations) AS calibrations`,
        );
        if (held.documents + held.rows + held.observations + held.calibrations > 0) return { refused: held };
        const knowledge = await copyKnowledge(source, q, config.databaseSchema);
        return { ...knowledge, ledgerRows: await copyLedger(source, q), labels: await copyLabels(source, q), refused: null };
      });
      if (copied.refused) {
        process.stderr.write(`migrate: refused: ${target.location} already holds ${copied.refused.documents} documents, ${copied.refused.rows} ledger rows, ` +
          `${copied.refused.observations} observations and ${copied.refused.calibrations} calibrations. ` +
          'Copy into an empty schema (--database-schema NAME), or drop this one first (DROP SCHEMA ... CASCADE) if it may go.\n');
        return 1;
      }
      log(`Copied ${config.dataDir} into ${target.location}: ${copied.documents} documents, ${copied.chunks} chunks with their vectors, ` +
        `${copied.references} references, ${copied.files} files, ${copied.knownAnswers} known answers, ${copied.ledgerRows} ledger rows, ` +
        `${copied.labels.observations} observations with ${copied.labels.labels} labels, ${copied.labels.calibrations} calibrations.`);
      return 0;
    } finally {
      source.close();
    }
  } catch (e) {
    const bad = isSobreError(e) && (e.code === 'bad_request' || e.code === 'bad_config');
    process.stderr.write(`migrate: ${errorMessage(e)}\n${bad ? USAGE + '\n' : ''}`);
    return bad ? 2 : 1;
  } finally {
    await db?.close();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
