/**
 * `npm run migrate`: a SQLite data folder copied into PostgreSQL answers the same (same ids,
 * same BM25, vectors not recomputed), the ledger and the labels come along, and a second run is
 * refused.
 */
import { main } from '../../scripts/migrate';
import { openKnowledge } from '../../src/knowledge';
import { ComputeLedger } from '../../src/ledger/ledger';
import { PostgresLedgerStore } from '../../src/ledger/postgres-store';
import { SqliteLedgerStore } from '../../src/ledger/sqlite-store';
import { openLabelStore } from '../../src/labels/open-store';
import { SqliteLabelStore } from '../../src/labels/sqlite-store';
import type { LabelStore, Observation } from '../../src/labels/types';
import { HashEmbedder } from '../helpers/hash-embedder';
import { describePostgres, dropSchema, freshSchema } from '../helpers/postgres';
import { makeTempDir, removeDir } from '../helpers/temp';
import { generated, outcome, testConfig } from '../ledger/helpers';

const hnsw = { hnswM: 16, hnswEfConstruction: 200, hnswEfSearch: 64 };

function observation(n: number, extra: Partial<Observation> = {}): Observation {
  return {
    answerId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, at: new Date(Date.UTC(2024, 4, 1, 0, 0, n)), question: `question ${n}?`, questionSha256: `sha-${n}`,
    route: 'direct', ruledOut: null, probability: 0.95, threshold: 0.9, calibrationId: 0, audit: n % 2 === 0, features: { sentence_plain_coverage: n / 10 },
    candidate: { chunkId: 1, documentId: 1, title: 't', source: 's', passage: 'p', passageStart: 0, sentenceStart: 0, sentenceEnd: 1, answer: 'a', shortAnswer: null },
    language: n % 3 === 0 ? 'fr' : 'en', ...extra,
  };
}

/** Everything a label store says, for comparing two of them. */
async function labelState(store: LabelStore) {
  return {
    observations: await Promise.all([1, 2, 3, 4].map((n) => store.observation(observation(n).answerId))),
    labelled: await store.labelled(),
    labels: await store.labelCount(),
    audit: await store.auditCounts(0),
    calibrations: await store.calibrations(),
    stored: await store.calibration(2),
    active: await store.activeState(),
    review: await store.unreviewed('bob', 10),
  };
}

describePostgres('npm run migrate', (server) => {
  const embedder = new HashEmbedder(64);
  let dir: string;
  let replicaDir: string;
  let schema: string;

  beforeEach(() => {
    dir = makeTempDir();
    replicaDir = makeTempDir();
    schema = freshSchema();
  });
  afterEach(async () => {
    removeDir(dir);
    removeDir(replicaDir);
    await dropSchema(server(), schema);
  });

  async function fillSqlite() {
    const k = await openKnowledge({ dataDir: dir, ...hnsw }, embedder);
    const texts = ['Heat pumps move heat from outside air.', 'A shared sentence about insulation.'];
    const vectors = await embedder.embed([...texts, 'Solar water heaters need sun.']);
    const chunk = (text: string, i: number) => ({ ordinal: i, hash: `h:${text}`, text, start: i * 50, end: i * 50 + text.length });
    await k.commitDocument({ source: '/docs/a.md', name: 'a.md', title: 'Heating', format: 'md', contentHash: 'ca', size: 80 }, texts.map(chunk), new Map(texts.map((t, i) => [`h:${t}`, vectors[i]])));
    await k.commitDocument(
      { source: '/docs/b.md', name: 'b.md', title: 'Water', format: 'md', contentHash: 'cb', size: 60 },
      ['Solar water heaters need sun.', texts[1]].map(chunk),
      new Map([['h:Solar water heaters need sun.', vectors[2]]]),
    );
    await k.recordFile('/docs/a.md', 'raw-a', 1);
    const [insulation] = (await k.candidates({ text: 'insulation', vector: vectors[1] }, 5)).filter((c) => c.bm25 > 0);
    await k.known.put({ kind: 'cache', namespace: 'alice', question: 'What about insulation?', vector: vectors[1], answer: 'It is shared [1].', citedChunkIds: [insulation.chunkId] });
    const ledger = await ComputeLedger.open(SqliteLedgerStore.open(dir), testConfig(), { now: () => new Date('2024-05-08T00:00:00Z') });
    await ledger.record(outcome());
    await ledger.record(generated(90));
    await ledger.close();
    const labels = SqliteLabelStore.open(dir);
    for (const n of [1, 2, 3, 4]) await labels.addObservation(observation(n, n === 3 ? { threshold: Infinity, route: 'generate', audit: false } : {}));
    await labels.addLabel({ answerId: observation(2).answerId, correct: true, source: 'reviewer', weight: 1, by: 'alice', at: new Date(Date.UTC(2024, 4, 2)) });
    await labels.addLabel({ answerId: observation(3).answerId, correct: false, source: 'generator', weight: 0.25, by: null, at: new Date(Date.UTC(2024, 4, 2)) });
    await labels.addSkip(observation(4).answerId, 'alice', new Date(Date.UTC(2024, 4, 2)));
    await labels.addSkip(observation(1).answerId, 'bob', new Date(Date.UTC(2024, 4, 2)));
    const record = { createdAt: new Date(Date.UTC(2024, 4, 3)), origin: 'labels', labels: 2, baseSha256: 'base' };
    await labels.addCalibration({ ...record, note: 'first' }, '{"first":true}', false);
    await labels.addCalibration({ ...record, note: 'second' }, '{"second":true}', true);
    await labels.raiseGuard(2, 0.95);
    await labels.raiseGuard(0, 0.93);
    expect(await labels.claimRefit(2)).toBe(true);
    await labels.close();
    return k;
  }

  test('copies documents, chunks with their vectors, files, known answers, the ledger and the labels; a second run is refused', async () => {
    const sqlite = await fillSqlite();
    const [vectors1] = await embedder.embed(['A shared sentence about insulation.']);
    const [vector] = await embedder.embed(['insulation heat']);
    const before = await sqlite.candidates({ text: 'insulation heat', vector }, 10);
    const docsBefore = await sqlite.listDocuments();
    await sqlite.close();
    const embeddedBefore = embedder.embedded;

    const lines: string[] = [];
    expect(await main(['--to', server(), '--data-dir', dir, '--database-schema', schema], (s) => lines.push(s))).toBe(0);
    expect(lines.join('\n')).toMatch(/2 documents, 3 chunks with their vectors, 4 references, 1 files, 1 known answers, 2 ledger rows, 4 observations with 2 labels, 2 calibrations/);

    const pg = await openKnowledge({ dataDir: replicaDir, ...hnsw, databaseUrl: server(), databaseSchema: schema }, embedder);
    try {
      expect((await pg.listDocuments()).map(({ id, source, title, contentHash, chunks, createdAt }) => ({ id, source, title, contentHash, chunks, createdAt })))
        .toEqual(docsBefore.map(({ id, source, title, contentHash, chunks, createdAt }) => ({ id, source, title, contentHash, chunks, createdAt })));
      const after = await pg.candidates({ text: 'insulation heat', vector }, 10);
      const byId = (cs: typeof before) => [...cs].sort((a, b) => a.chunkId - b.chunkId);
      expect(byId(after)).toEqual(byId(before)); // same ids, same BM25, same cosines
      expect(await pg.unchangedFile('/docs/a.md', 'raw-a')).toHaveLength(1);
      expect(await pg.check()).toEqual({ consistent: true, storeChunks: 3, indexVectors: 3 });
      const [cached] = await pg.known.list({ kind: 'cache' }, { limit: 5, offset: 0 });
      expect(cached).toMatchObject({ namespace: 'alice', question: 'What about insulation?', citations: [{ text: 'A shared sentence about insulation.' }] });
      expect((await pg.known.nearest(vectors1, ['alice'], 1))[0]?.id).toBe(cached.id);
      expect(embedder.embedded).toBe(embeddedBefore);
      // New ids continue after the copied ones.
      const [v] = await embedder.embed(['new text']);
      const r = await pg.commitDocument({ source: '/docs/c.md', name: 'c.md', title: 'C', format: 'md', contentHash: 'cc', size: 8 }, [{ ordinal: 0, hash: 'h:new', text: 'new text', start: 0, end: 8 }], new Map([['h:new', v]]));
      expect(r.documentId).toBeGreaterThan(Math.max(...docsBefore.map((d) => d.id)));
    } finally {
      await pg.close();
    }
    const store = await PostgresLedgerStore.open(server(), schema, { readonly: true });
    try {
      const rows = await store.rows(0, Date.now());
      expect(rows.map((r) => r.route)).toEqual(['direct', 'generate']);
      expect(await store.completionStats()).toEqual({ calls: 1, tokens: 90 });
    } finally {
      await store.close();
    }

    const sqliteLabels = SqliteLabelStore.open(dir);
    const pgLabels = await openLabelStore({ dataDir: replicaDir, databaseUrl: server(), databaseSchema: schema });
    try {
      const copied = await labelState(pgLabels);
      expect(copied).toEqual(await labelState(sqliteLabels));
      expect(copied.active).toEqual({ id: 2, guardTarget: 0.95 });
      expect(copied.observations[2]?.threshold).toBeGreaterThan(1e300);
      expect(await pgLabels.claimRefit(1)).toBe(false); // the refit counter came along
      await pgLabels.activate(0);
      expect(await pgLabels.activeState()).toEqual({ id: 0, guardTarget: 0.93 });
      expect(await pgLabels.addCalibration({ createdAt: new Date(), origin: 'labels', labels: 2, baseSha256: 'base', note: 'new' }, '{}', true)).toBe(3);
    } finally {
      await sqliteLabels.close();
      await pgLabels.close();
    }

    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--to', server(), '--data-dir', dir, '--database-schema', schema], () => undefined)).toBe(1);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/refused: .* already holds 3 documents, 2 ledger rows, 4 observations and 3 calibrations/);
    } finally {
      stderr.mockRestore();
    }
  });

  test('bad arguments exit 2 and a missing data folder exits 1, each with a message', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--data-dir', dir, '--bogus'], () => undefined)).toBe(2);
      expect(await main(['--data-dir', dir], () => undefined)).toBe(process.env.SOBRE_DATABASE_URL ? 1 : 2);
      expect(await main(['--to', server(), '--data-dir', `${dir}/nothing-here`, '--database-schema', schema], () => undefined)).toBe(1);
      const said = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(said).toMatch(/Unknown argument "--bogus"/);
      expect(said).toMatch(/No Sobre store at .*nothing-here/);
    } finally {
      stderr.mockRestore();
    }
  });
});
