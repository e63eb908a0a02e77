/**
 * A small L2-regularised logistic regression over standardised features: small enough to
 * explain (one weight per named feature), fitted by batch gradient descent with no dependency.
 */
export interface LogisticModel {
  featureNames: string[];
  means: number[];
  scales: number[];
  weights: number[];
  bias: number;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function predict(model: LogisticModel, x: readonly number[]): number {
  let z = model.bias;
  for (let j = 0; j < model.weights.length; j++) z += model.weights[j] * ((x[j] - model.means[j]) / model.scales[j]);
  return sigmoid(z);
}

/** Each feature's contribution to the log-odds, for `?explain=1`. */
export function contributions(model: LogisticModel, x: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  model.featureNames.forEach((name, j) => {
    out[name] = model.weights[j] * ((x[j] - model.means[j]) / model.scales[j]);
  });
  return out;
}

export function fitLogistic(
  featureNames: readonly string[],
  xs: readonly (readonly number[])[],
  ys: readonly number[],
  { l2 = 1e-2, epochs = 3000, learningRate = 0.5 }: { l2?: number; epochs?: number; learningRate?: number } = {},
): LogisticModel {
  const n = xs.length;
  const d = featureNames.length;
  if (n === 0) throw new Error('fitLogistic: no examples');
  const means = new Array<number>(d).fill(0);
  const scales = new Array<number>(d).fill(0);
  for (const x of xs) for (let j = 0; j < d; j++) means[j] += x[j] / n;
  for (const x of xs) for (let j = 0; j < d; j++) scales[j] += (x[j] - means[j]) ** 2 / n;
  for (let j = 0; j < d; j++) scales[j] = Math.sqrt(scales[j]) || 1;
  const z = xs.map((x) => x.map((v, j) => (v - means[j]) / scales[j]));
  const w = new Array<number>(d).fill(0);
  let b = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      let s = b;
      for (let j = 0; j < d; j++) s += w[j] * z[i][j];
      const err = sigmoid(s) - ys[i];
      for (let j = 0; j < d; j++) gw[j] += err * z[i][j];
      gb += err;
    }
    for (let j = 0; j < d; j++) w[j] -= learningRate * (gw[j] / n + l2 * w[j]);
    b -= learningRate * (gb / n);
  }
  return { featureNames: [...featureNames], means, scales, weights: w, bias: b };
}
