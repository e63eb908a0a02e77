/**
 * Measuring Sobre's own path (embedding + search + routing) for the ledger: process CPU time
 * always, and package energy from Linux RAPL (`/sys/class/powercap/intel-rapl:N/energy_uj`) when
 * those files are readable (usually root only, and absent in most containers and VMs).
 * RAPL counts the whole CPU package, every process on it, so it is an upper bound for the path.
 */
import fs from 'node:fs';
import path from 'node:path';

const POWERCAP = '/sys/class/powercap';
const UJ_PER_WH = 3.6e9;

export interface RaplZone {
  energyFile: string;
  /** The counter wraps to 0 past this value. */
  maxUj: number;
}

/** Top-level RAPL package zones (`intel-rapl:N`, not their `:N:M` sub-zones) whose counters can be read. */
export function detectRaplZones(root: string = POWERCAP): RaplZone[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const zones: RaplZone[] = [];
  for (const name of names.filter((n) => /^intel-rapl:\d+$/.test(n)).sort()) {
    const energyFile = path.join(root, name, 'energy_uj');
    if (readCounter(energyFile) === null) continue;
    const maxUj = readCounter(path.join(root, name, 'max_energy_range_uj')) ?? Number.MAX_SAFE_INTEGER;
    zones.push({ energyFile, maxUj });
  }
  return zones;
}

function readCounter(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

export interface PathMeasurement {
  cpuMs: number;
  wallMs: number;
  /** Package energy over the interval, Wh; null when RAPL is not readable. */
  raplWh: number | null;
}

export interface PathMeter {
  stop(): PathMeasurement;
}

/**
 * Start measuring; call `stop()` when routing is done and pass `cpuMs` as `AskOutcome.pathCpuMs`
 * and `raplWh` (when not null) as `AskOutcome.pathRaplWh`. Concurrent questions overlap in RAPL.
 */
export function startPathMeter(zones: readonly RaplZone[] = detectRaplZones()): PathMeter {
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  const e0 = zones.map((z) => readCounter(z.energyFile));
  return {
    stop(): PathMeasurement {
      const cpu = process.cpuUsage(cpu0);
      const wallMs = Number(process.hrtime.bigint() - wall0) / 1e6;
      let uj: number | null = zones.length > 0 ? 0 : null;
      for (let i = 0; i < zones.length && uj !== null; i++) {
        const before = e0[i];
        const after = readCounter(zones[i].energyFile);
        if (before === null || after === null) uj = null;
        else uj += after >= before ? after - before : zones[i].maxUj - before + after;
      }
      return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs, raplWh: uj === null ? null : uj / UJ_PER_WH };
    },
  };
}
