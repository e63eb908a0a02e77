/**
 * `npm run calibrate -- --from-labels [--out FILE]`, `--list`, `--restore ID|file`: the calibration
 * learned from the stored labels (the data folder's, or PostgreSQL's with SOBRE_DATABASE_URL: every
 * instance's), with the same `Learner.refit` the service runs.
 * A calibration put in force here reaches a running service within SOBRE_CALIBRATION_POLL_SECONDS.
 */
import fs from 'node:fs';
import { DEFAULT_CALIBRATION_FILE, loadCalibration } from '../src/answer/calibration';
import { Learner } from '../src/answer/learner';
import type { SobreConfig } from '../src/config';
import { openLabelStore } from '../src/labels/open-store';

export type LabelsCommand = { kind: 'refit'; out: string } | { kind: 'list' } | { kind: 'restore'; id: number };

/** The command, or null when argv asks for none of them; throws on a bad --restore value. */
export function parseLabelsCommand(args: readonly string[]): LabelsCommand | null {
  const at = (flag: string) => args.indexOf(flag);
  if (at('--list') >= 0) return { kind: 'list' };
  const r = at('--restore');
  if (r >= 0) {
    const v = args[r + 1];
    if (v !== 'file' && !/^\d+$/.test(v ?? '')) throw new Error('--restore takes a calibration id (see --list) or `file`');
    return { kind: 'restore', id: v === 'file' ? 0 : Number(v) };
  }
  if (at('--from-labels') >= 0) return { kind: 'refit', out: at('--out') >= 0 ? args[at('--out') + 1] ?? '' : '' };
  return null;
}

export async function runLabelsCommand(config: SobreConfig, cmd: LabelsCommand): Promise<number> {
  const store = await openLabelStore(config);
  try {
    const learner = new Learner({ store, base: loadCalibration(config.calibrationFile || DEFAULT_CALIBRATION_FILE), settings: config });
    await learner.refresh();
    if (cmd.kind === 'list') {
      const active = learner.router.calibrationId;
      console.log(`${active === 0 ? '*' : ' '} file  the calibration file (${config.calibrationFile || 'shipped'})`);
      for (const c of await learner.calibrations()) {
        console.log(`${c.active ? '*' : ' '} ${String(c.id).padEnd(4)}  ${c.createdAt.toISOString()}  ${c.origin}, ${c.labels} labels${c.guardTarget !== null ? `, guard ${c.guardTarget.toFixed(3)}` : ''}${c.baseSha256 === learner.baseSha256 ? '' : ' (stale: another calibration file)'}  ${c.note}`);
      }
      return 0;
    }
    if (cmd.kind === 'restore') {
      await learner.restore(cmd.id);
      console.log(`in force: ${cmd.id === 0 ? 'the calibration file' : `calibration ${cmd.id}`} (threshold ${learner.router.point.threshold.toFixed(3)} for target ${config.targetPrecision})`);
      return 0;
    }
    const outcome = await learner.refit();
    if (outcome.status === 'fitted') {
      console.log(`calibration ${outcome.calibrationId} fitted and put in force: ${outcome.note}`);
      if (cmd.out) fs.writeFileSync(cmd.out, `${JSON.stringify(learner.router.calibration, null, 1)}\n`);
    } else {
      console.log(`kept the calibration in force: ${outcome.note}`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
