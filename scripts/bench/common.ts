/**
 * What every benchmark part shares: the machine and commit each number is recorded with, CPU
 * time (the machine is shared, so wall time alone says little), percentiles, tables, results.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const RESULTS_DIR = path.join(REPO, 'bench', 'results');

export interface Machine {
  at: string;
  commit: string;
  /** Uncommitted changes in the checkout (the commit alone does not describe the code). */
  dirty: boolean;
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  /** 1, 5 and 15-minute load averages when the part started: other work on the machine. */
  loadAverage: [number, number, number];
}

function git(args: string): string {
  try {
    return execSync(`git ${args}`, { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return '';
  }
}

export function machine(): Machine {
  const [l1, l5, l15] = os.loadavg();
  return {
    at: new Date().toISOString(),
    commit: git('rev-parse --short HEAD') || 'unknown',
    dirty: git('status --porcelain --untracked-files=no') !== '',
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: [round(l1, 2), round(l5, 2), round(l15, 2)],
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, commit ${m.commit}${m.dirty ? ' (+ uncommitted changes)' : ''}, load average ${m.loadAverage.join(' / ')}`;
}

/** This process's CPU time (user + system, every thread), in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function round(x: number, digits = 1): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

/** Nearest-rank percentile (p in 0..1) of unsorted values; NaN when empty. */
export function pct(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function median(values: readonly number[]): number {
  return pct(values, 0.5);
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

/** Run `fn` `runs` times; each run returns its value, the median is kept with all of them. */
export async function medianOf(runs: number, fn: (run: number) => Promise<number>): Promise<{ median: number; runs: number[] }> {
  const values: number[] = [];
  for (let r = 0; r < runs; r++) values.push(await fn(r));
  return { median: median(values), runs: values };
}

export function fmt(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return x.toFixed(digits);
}

/** A plain text table: the first column left-aligned, the others right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Every `step`-th item, so a limited run still spans the whole file. */
export function spread<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]);
}

/** Write `bench/results/<name>-<time>-<commit>.json` and `<name>-latest.json`; returns the first path. */
export function writeResult(name: string, result: { machine: Machine }): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = result.machine.at.replace(/[:.]/g, '-').slice(0, 19);
  const file = path.join(RESULTS_DIR, `${name}-${stamp}-${result.machine.commit}.json`);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  fs.writeFileSync(file, text);
  fs.writeFileSync(path.join(RESULTS_DIR, `${name}-latest.json`), text);
  return file;
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
