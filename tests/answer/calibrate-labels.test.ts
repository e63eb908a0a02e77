/** `npm run calibrate -- --from-labels | --list | --restore`: on a data folder's real label store. */
import fs from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../src/answer/calibration';
import { FEATURE_NAMES } from '../../src/answer/features';
import { SqliteLabelStore } from '../../src/labels/sqlite-store';
import { parseLabelsCommand, runLabelsCommand } from '../../scripts/calibrate-labels';
import { testConfig } from '../server/helpers';
import { makeTempDir, removeDir } from '../helpers/temp';

async function captured(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    return { code: await fn(), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

test('refits from the stored labels, lists, restores the file, and refuses a bad --restore', async () => {
  const root = makeTempDir('sobre-cal-labels-');
  try {
    const config = testConfig(root);
    fs.mkdirSync(config.dataDir, { recursive: true });
    const store = SqliteLabelStore.open(config.dataDir);
    const rand = seededRandom(5);
    for (let i = 0; i < 400; i++) {
      const coverage = rand();
      const answerId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      await store.addObservation({
        answerId, at: new Date(), question: `q${i}`, questionSha256: `q${i}`, route: 'generate', ruledOut: null, probability: 0.5, threshold: 0.9, calibrationId: 0, audit: false,
        candidate: { chunkId: 1, documentId: 1, title: 't', source: 's', passage: 'p', passageStart: 0, sentenceStart: 0, sentenceEnd: 1, answer: 'a', shortAnswer: null },
        features: Object.fromEntries(FEATURE_NAMES.map((n) => [n, n === 'sentence_plain_coverage' ? coverage : 0])), language: 'en',
      });
      await store.addLabel({ answerId, correct: coverage > 0.6 ? rand() < 0.98 : rand() < 0.1, source: 'reviewer', weight: 1, by: 'r', at: new Date() });
    }
    await store.close();
    const out = path.join(root, 'learned.json');
    const refit = await captured(() => runLabelsCommand(config, parseLabelsCommand(['--from-labels', '--out', out])!));
    expect(refit).toMatchObject({ code: 0, out: expect.stringMatching(/^calibration 1 fitted and put in force: 400 labelled questions/) });
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ learned: { labels: 400 } });
    const list = await captured(() => runLabelsCommand(config, { kind: 'list' }));
    expect(list.out).toMatch(/^ {2}file .*\n\* 1 {4}/);
    const restored = await captured(() => runLabelsCommand(config, parseLabelsCommand(['--restore', 'file'])!));
    expect(restored.out).toMatch(/in force: the calibration file/);
    expect((await captured(() => runLabelsCommand(config, { kind: 'list' }))).out).toMatch(/^\* file/);
    expect(() => parseLabelsCommand(['--restore', 'x'])).toThrow(/--restore takes/);
    await expect(runLabelsCommand(config, { kind: 'restore', id: 9 })).rejects.toThrow(/No stored calibration 9/);
  } finally {
    removeDir(root);
  }
});
