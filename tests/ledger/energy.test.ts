/** energy.ts against the hand-worked examples of docs/energy-method.md (same numbers, rounded there). */
import {
  cpuTimeWh, datacentreImpact, generationLatencyS, gpuWhPerOutputToken, hostImpact, inferenceFlops, remoteLlmEnergy, requiredGpus,
} from '../../src/ledger/energy';
import { methodFromConfig } from '../../src/ledger/method';
import { testConfig } from './helpers';

const m = methodFromConfig(testConfig());

function near(actual: number, expected: number, rel = 1e-4): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * rel);
}

describe('EcoLogits energy of one LLM call (doc worked examples: 500 prompt + 150 completion tokens)', () => {
  const cases = [
    { p: 0.5, slope: 2.8471e-7, perToken: 4.0814e-5, gpuWh: 6.1221e-3, latPerTok: 0.039777, lat: 5.9665, serverWh: 3.8844e-3, itWh: 1.00065e-2, wh: 1.20078e-2, low: 6.0039e-3, high: 2.40157e-2, g: 5.7037e-3, water: 4.3208e-5, flops: 6.5e11 },
    { p: 7, slope: 3.9859e-6, perToken: 4.4515e-5, gpuWh: 6.6773e-3, latPerTok: 0.044187, lat: 6.628, serverWh: 4.3151e-3, itWh: 1.09924e-2, wh: 1.31909e-2, low: 6.5954e-3, high: 2.63818e-2, g: 6.2657e-3, water: 4.7465e-5, flops: 9.1e12 },
  ];

  test.each(cases)('$p B parameters', (c) => {
    expect(Math.exp(m.gpuWhPerToken.beta * m.batchSize)).toBeCloseTo(0.488127, 6);
    near(m.gpuWhPerToken.alpha * Math.exp(m.gpuWhPerToken.beta * m.batchSize) * c.p, c.slope);
    near(gpuWhPerOutputToken(m, c.p), c.perToken);
    expect(requiredGpus(m, c.p)).toBe(1);
    near(generationLatencyS(m, c.p, 1), c.latPerTok);
    const e = remoteLlmEnergy(m, c.p, 150);
    near(e.gpuWh, c.gpuWh);
    near(e.latencyS, c.lat);
    near(e.serverWh, c.serverWh);
    near(e.itWh, c.itWh);
    near(e.facilityWh, c.wh);
    const impact = datacentreImpact(m, e.itWh);
    near(impact.wh.mid, c.wh);
    near(impact.wh.low, c.low);
    near(impact.wh.high, c.high);
    near(impact.gco2e.mid, c.g);
    near(impact.gco2e.low, c.g / 2);
    near(impact.waterL.mid, c.water);
    expect(inferenceFlops(m, c.p, 650)).toBeCloseTo(c.flops, -3);
  });

  test('per 1,000 avoided 0.5 B calls: 12.0 Wh, 5.70 gCO2e, 0.043 L', () => {
    const one = datacentreImpact(m, remoteLlmEnergy(m, 0.5, 150).itWh);
    near(one.wh.mid * 1000, 12.0078);
    near(one.gco2e.mid * 1000, 5.7037);
    near(one.waterL.mid * 1000, 0.043208);
  });

  test('GPU count rounds up to a power of two (70 B at 16 bit: 168 GB -> 3 -> 4 GPUs)', () => {
    expect(requiredGpus(m, 70)).toBe(4);
    expect(requiredGpus(m, 33)).toBe(1); // 79.2 GB
  });

  test('a measured request latency caps the modelled one', () => {
    expect(generationLatencyS(m, 0.5, 150, 2)).toBe(2);
    expect(generationLatencyS(m, 0.5, 150, 60)).toBeCloseTo(5.9665, 3);
  });
});

describe('measured energy on Sobre host', () => {
  test('the path: 25 ms of CPU at 10 W per core', () => {
    near(cpuTimeWh(25, m.cpuWattsPerCore), 6.9444e-5);
    const h = hostImpact(m, cpuTimeWh(25, m.cpuWattsPerCore));
    near(h.gco2e.mid, 3.2986e-5);
    near(h.waterL.mid, 2.1806e-7);
    expect(h.wh.low).toBe(h.wh.high);
  });

  test('a local generation: 1,800 ms of CPU', () => {
    near(cpuTimeWh(1800, 10), 5.0e-3);
  });

  test('settings change the estimate (grid intensity, PUE, spread)', () => {
    const fr = methodFromConfig(testConfig({ gridIntensity: '56', pue: '1.1', energySpread: '3' }));
    const e = remoteLlmEnergy(fr, 0.5, 150);
    const i = datacentreImpact(fr, e.itWh);
    near(i.wh.mid, 1.00065e-2 * 1.1);
    near(i.gco2e.mid, 1.00065e-2 * 1.1 * 0.056);
    near(i.wh.high / i.wh.mid, 3);
  });
});
