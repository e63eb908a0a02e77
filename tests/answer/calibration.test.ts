import { operatingPoint, precisionCurve, seededRandom } from '../../src/answer/calibration';
import { fitLogistic, predict } from '../../src/answer/logistic';

describe('precisionCurve and operatingPoint', () => {
  it('finds the known threshold when correctness switches at p = 0.6', () => {
    const rand = seededRandom(1);
    const examples = Array.from({ length: 2000 }, () => {
      const probability = rand();
      return { probability, correct: probability >= 0.6, answerable: true };
    });
    const curve = precisionCurve(examples, { replicates: 200 });
    const op = operatingPoint(curve, 0.95);
    expect(op.threshold).toBeGreaterThanOrEqual(0.55);
    expect(op.threshold).toBeLessThanOrEqual(0.6);
    expect(op.precision).toBeGreaterThanOrEqual(0.95);
    expect(op.coverage).toBeGreaterThan(0.38);
    expect(op.coverage).toBeLessThan(0.46);
  });

  it('asks a stricter threshold for a higher target, and answers nothing when the target is out of reach', () => {
    const rand = seededRandom(2);
    // Calibrated by construction: correct with probability p.
    const examples = Array.from({ length: 3000 }, () => {
      const probability = rand();
      return { probability, correct: rand() < probability, answerable: true };
    });
    const curve = precisionCurve(examples, { replicates: 200 });
    const t80 = operatingPoint(curve, 0.8).threshold;
    const t90 = operatingPoint(curve, 0.9).threshold;
    expect(t90).toBeGreaterThan(t80);
    expect(operatingPoint(curve, 0.9).coverage).toBeLessThan(operatingPoint(curve, 0.8).coverage);
    const none = operatingPoint([{ threshold: 0.5, answered: 100, precision: 0.7, precisionLower: 0.6, precisionAll: 0.7, coverage: 0.5, unanswerableDirectRate: null }], 0.9);
    expect(none.threshold).toBe(Number.POSITIVE_INFINITY);
    expect(none.coverage).toBe(0);
  });

  it('measures precision on answerable questions and reports the unanswerable direct rate beside it', () => {
    const examples = [
      ...Array.from({ length: 40 }, (_, i) => ({ probability: 0.9 - i * 0.001, correct: true, answerable: true })),
      ...Array.from({ length: 10 }, (_, i) => ({ probability: 0.85 - i * 0.001, correct: false, answerable: false })),
    ];
    const last = precisionCurve(examples, { replicates: 50, unanswerableTotal: 20 }).at(-1);
    expect(last?.precision).toBe(1);
    expect(last?.precisionAll).toBeCloseTo(40 / 50);
    expect(last?.unanswerableDirectRate).toBeCloseTo(10 / 20);
  });

  it('keeps the bootstrap lower bound below the observed precision', () => {
    const rand = seededRandom(3);
    const curve = precisionCurve(Array.from({ length: 500 }, () => ({ probability: rand(), correct: rand() < 0.8, answerable: true })), { replicates: 200 });
    for (const p of curve) expect(p.precisionLower).toBeLessThanOrEqual(p.precision + 1e-12);
  });
});

describe('fitLogistic', () => {
  it('learns which feature matters and gives calibrated probabilities on logistic data', () => {
    const rand = seededRandom(4);
    const xs: number[][] = [];
    const ys: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const a = rand() * 4 - 2;
      const noise = rand();
      xs.push([a, noise]);
      ys.push(rand() < 1 / (1 + Math.exp(-2 * a)) ? 1 : 0);
    }
    const model = fitLogistic(['signal', 'noise'], xs, ys, { l2: 1e-4 });
    expect(Math.abs(model.weights[0])).toBeGreaterThan(5 * Math.abs(model.weights[1]));
    expect(predict(model, [1, 0.5])).toBeCloseTo(1 / (1 + Math.exp(-2)), 1);
    expect(predict(model, [-1, 0.5])).toBeCloseTo(1 / (1 + Math.exp(2)), 1);
  });
});
