/** RAPL detection and the path meter, on a fake powercap tree. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectRaplZones, startPathMeter } from '../../src/ledger/path-meter';

function fakePowercap(zones: Record<string, { energy: number; max: number }>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-powercap-'));
  for (const [name, z] of Object.entries(zones)) {
    fs.mkdirSync(path.join(root, name));
    fs.writeFileSync(path.join(root, name, 'energy_uj'), `${z.energy}\n`);
    fs.writeFileSync(path.join(root, name, 'max_energy_range_uj'), `${z.max}\n`);
  }
  return root;
}

test('no powercap: no zones, raplWh null, CPU time still measured', () => {
  expect(detectRaplZones('/nonexistent/powercap')).toEqual([]);
  const meter = startPathMeter([]);
  let x = 0;
  for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
  const m = meter.stop();
  expect(x).toBeGreaterThan(0);
  expect(m.raplWh).toBeNull();
  expect(m.cpuMs).toBeGreaterThan(0);
  expect(m.wallMs).toBeGreaterThan(0);
});

test('package zones only (not sub-zones), summed, with counter wrap-around', () => {
  const root = fakePowercap({
    'intel-rapl:0': { energy: 1_000_000, max: 10_000_000 },
    'intel-rapl:1': { energy: 9_500_000, max: 10_000_000 },
    'intel-rapl:0:0': { energy: 5, max: 10 },
  });
  const zones = detectRaplZones(root);
  expect(zones.map((z) => path.basename(path.dirname(z.energyFile)))).toEqual(['intel-rapl:0', 'intel-rapl:1']);
  const meter = startPathMeter(zones);
  fs.writeFileSync(path.join(root, 'intel-rapl:0', 'energy_uj'), '4600000');
  fs.writeFileSync(path.join(root, 'intel-rapl:1', 'energy_uj'), '500000'); // wrapped: +1,000,000
  const m = meter.stop();
  expect(m.raplWh).toBeCloseTo((3_600_000 + 1_000_000) / 3.6e9, 12);
  fs.rmSync(root, { recursive: true, force: true });
});

test('an unreadable counter at stop gives null, not a wrong number', () => {
  const root = fakePowercap({ 'intel-rapl:0': { energy: 10, max: 100 } });
  const zones = detectRaplZones(root);
  const meter = startPathMeter(zones);
  fs.rmSync(path.join(root, 'intel-rapl:0', 'energy_uj'));
  expect(meter.stop().raplWh).toBeNull();
  fs.rmSync(root, { recursive: true, force: true });
});
