/** energy.ts against the hand-worked examples of docs/energy-method.md (same numbers, rounded there). */
import {
  cpuTimeWh, generationLatencyS, gpuWhPerOutputToken, hostImpact, inferenceFlops, remoteLlmEstimate, requiredGpus,
} from '../../src/ledger/energy';
import { methodFromConfig } from '../../src/ledger/method';
import { SobreError } from '../../src/errors';
import { testConfig } from './helpers';

const m = methodFromConfig(testConfig());

function near(actual: number, expected: number, rel = 1e-4): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * rel);
}

describe('EcoLogits energy of one LLM call (doc worked examples: 500 prompt + 150 completion tokens)', () => {
  const cases = [
    {
      p: 0.5, slope: 2.8471e-7, perToken: 4.0814e-5, gpuWh: 6.1221e-3, latPerTok: 0.039777, lat: 5.9665, serverWh: 3.8844e-3, itWh: 1.00065e-2,
      wh: [1.09071e-2, 1.14575e-2, 1.20078e-2], g: 5.4195e-3, water: [4.7443e-5, 5.7875e-5, 6.8308e-5], embodiedG: 8.637e-4, flops: 6.5e11,
    },
    {
      p: 7, slope: 3.9859e-6, perToken: 4.4515e-5, gpuWh: 6.6773e-3, latPerTok: 0.044187, lat: 6.628, serverWh: 4.3151e-3, itWh: 1.09924e-2,
      wh: [1.19817e-2, 1.25863e-2, 1.31909e-2], g: 5.9535e-3, water: [5.2117e-5, 6.3577e-5, 7.5038e-5], embodiedG: 9.5946e-4, flops: 9.1e12,
    },
  ];

  test.each(cases)('$p B parameters', (c) => {
    const at = methodFromConfig(testConfig({ llmParamsB: String(c.p) }));
    expect(Math.exp(at.gpuWhPerToken.beta * at.batchSize)).toBeCloseTo(0.488127, 6);
    near(at.gpuWhPerToken.alpha * Math.exp(at.gpuWhPerToken.beta * at.batchSize) * c.p, c.slope);
    near(gpuWhPerOutputToken(at, c.p), c.perToken);
    expect(requiredGpus(at, c.p)).toBe(1);
    near(generationLatencyS(at, c.p, 1), c.latPerTok);
    const e = remoteLlmEstimate(at, 150);
    for (const point of [e.low, e.high]) {
      near(point.gpuWh, c.gpuWh);
      near(point.latencyS, c.lat);
      near(point.serverWh, c.serverWh);
      near(point.itWh, c.itWh);
    }
    near(e.low.wh, c.itWh * 1.09);
    near(e.high.wh, c.itWh * 1.2);
    near(e.impact.wh.low, c.wh[0]);
    near(e.impact.wh.mid, c.wh[1]);
    near(e.impact.wh.high, c.wh[2]);
    near(e.impact.gco2e.mid, c.g);
    near(e.impact.waterL.low, c.water[0]);
    near(e.impact.waterL.mid, c.water[1]);
    near(e.impact.waterL.high, c.water[2]);
    near(e.embodied?.gco2e.mid ?? NaN, c.embodiedG);
    expect(e.embodied?.gco2e.low).toBe(e.embodied?.gco2e.high); // no parameter range: the latency is one value
    expect(inferenceFlops(at, c.p, 650)).toBeCloseTo(c.flops, -3);
  });

  test('embodied carbon is 13.7 % (0.5 B) and 13.9 % (7 B) of usage + embodied', () => {
    for (const [p, share] of [[0.5, 0.137], [7, 0.139]]) {
      const e = remoteLlmEstimate(methodFromConfig(testConfig({ llmParamsB: String(p) })), 150);
      const embodied = e.embodied?.gco2e.mid ?? NaN;
      expect(embodied / (embodied + e.impact.gco2e.mid)).toBeCloseTo(share, 3);
    }
  });

  test('per 1,000 avoided 0.5 B calls: 11.5 Wh, 5.42 gCO2e of usage plus 0.864 g embodied, 0.058 L', () => {
    const one = remoteLlmEstimate(m, 150);
    near(one.impact.wh.mid * 1000, 11.4575);
    near(one.impact.gco2e.mid * 1000, 5.4195);
    near((one.embodied?.gco2e.mid ?? NaN) * 1000, 0.8637);
    near(one.impact.waterL.mid * 1000, 0.057875);
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

describe('settings', () => {
  test('a parameter range: low at its low end, high at its high end, mid their mean', () => {
    const r = methodFromConfig(testConfig({ llmParamsB: '0.5-7', pue: '1.2', wueOnSite: '0.5' }));
    const e = remoteLlmEstimate(r, 150);
    near(e.impact.wh.low, 1.00065e-2 * 1.2);
    near(e.impact.wh.high, 1.09924e-2 * 1.2);
    near(e.impact.wh.mid, ((1.00065e-2 + 1.09924e-2) / 2) * 1.2);
    expect(e.embodied?.gco2e.high).toBeGreaterThan(e.embodied?.gco2e.low ?? Infinity);
  });

  test('point values give no range; the electricity mix and overrides set carbon and water', () => {
    const fr = methodFromConfig(testConfig({ electricityMix: 'FRA', pue: '1.1', wueOnSite: '0.2' }));
    const i = remoteLlmEstimate(fr, 150).impact;
    expect(i.wh.low).toBe(i.wh.high);
    near(i.wh.mid, 1.00065e-2 * 1.1);
    near(i.gco2e.mid, 1.00065e-2 * 1.1 * 0.04418);
    near(i.waterL.mid, ((1.00065e-2 * 1.1) / 1000) * (0.2 + 1.1 * 3.6737));
    const own = methodFromConfig(testConfig({ electricityMix: 'FRA', gridIntensity: '56', wueOffSite: '1' }));
    expect(own.gridGco2PerKwh).toBe(56);
    expect(own.wueOffSiteLPerKwh).toBe(1);
  });

  test('embodied impacts can be switched off', () => {
    const off = methodFromConfig(testConfig({ embodied: 'false' }));
    expect(off.embodied).toBeNull();
    expect(remoteLlmEstimate(off, 150).embodied).toBeNull();
  });

  test('an unknown zone is a bad_config naming the setting', () => {
    expect(() => methodFromConfig(testConfig({ electricityMix: 'XYZ' }))).toThrow(SobreError);
    expect(() => methodFromConfig(testConfig({ electricityMix: 'XYZ' }))).toThrow(/SOBRE_ELECTRICITY_MIX="XYZ".*WOR/);
  });
});

describe('measured energy on Sobre host', () => {
  test('the path: 25 ms of CPU at 10 W per core, world mix', () => {
    near(cpuTimeWh(25, m.cpuWattsPerCore), 6.9444e-5);
    const h = hostImpact(m, cpuTimeWh(25, m.cpuWattsPerCore));
    near(h.gco2e.mid, 3.2848e-5);
    near(h.waterL.mid, 2.7139e-7);
    expect(h.wh.low).toBe(h.wh.high);
  });

  test('a local generation: 1,800 ms of CPU', () => {
    near(cpuTimeWh(1800, 10), 5.0e-3);
  });
});
