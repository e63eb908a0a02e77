/**
 * The confidence model refitted on a corpus's own labels, with the calibration it starts from
 * as the prior (docs/learning.md):
 *
 *   z(x) = a + s · z₀(x) + Σⱼ δⱼ x̃ⱼ
 *
 * z₀ is the prior model's log-odds and x̃ the features standardised as it standardises them.
 * (a, s) recalibrate the prior's score (Platt scaling, prior a = 0, s = 1); δ lets each weight
 * move away from the prior's, under a Gaussian prior δ ~ N(0, 1/λ). λ = ∞ is recalibration
 * alone; as labels grow, cross-validation picks a smaller λ and the weights move more.
 * Fitted by Newton's method on the weighted log-likelihood plus the prior (a convex problem).
 */
import { sigmoid, type LogisticModel } from './logistic';

export interface WeightedExample {
  /** Features in the prior model's order. */
  x: readonly number[];
  /** 1 correct, 0 wrong (a soft value when weak labels disagree). */
  y: number;
  weight: number;
}

/** Prior precision on a and s − 1: a weak pull toward the prior's own calibration. */
const PLATT_PRIOR = 1;
const MAX_NEWTON_STEPS = 50;

export interface Recalibration {
  /** `Infinity`: recalibration alone (δ = 0). */
  lambda: number;
  a: number;
  s: number;
  delta: number[];
}

function basis(prior: LogisticModel, x: readonly number[], withDelta: boolean): number[] {
  const std = x.map((v, j) => (v - prior.means[j]) / prior.scales[j]);
  let z0 = prior.bias;
  for (let j = 0; j < std.length; j++) z0 += prior.weights[j] * std[j];
  return withDelta ? [1, z0, ...std] : [1, z0];
}

/** Solve H v = g for a symmetric positive definite H (Cholesky). */
function solve(h: number[][], g: number[]): number[] {
  const n = g.length;
  const l = h.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = h[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      l[i][j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j][j];
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = g[i];
    for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
    y[i] = sum / l[i][i];
  }
  const v = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k][i] * v[k];
    v[i] = sum / l[i][i];
  }
  return v;
}

function logLoss(p: number, y: number): number {
  const e = 1e-12;
  return -(y * Math.log(Math.max(p, e)) + (1 - y) * Math.log(Math.max(1 - p, e)));
}

/** Fit (a, s, δ) for one λ. */
export function fitRecalibration(prior: LogisticModel, examples: readonly WeightedExample[], lambda: number): Recalibration {
  const withDelta = Number.isFinite(lambda);
  const phi = examples.map((e) => basis(prior, e.x, withDelta));
  const d = withDelta ? 2 + prior.weights.length : 2;
  const center = [0, 1, ...new Array<number>(d - 2).fill(0)];
  const precision = [PLATT_PRIOR, PLATT_PRIOR, ...new Array<number>(d - 2).fill(lambda)];
  const theta = [...center];
  const objective = (t: number[]): number => {
    let f = 0;
    for (let j = 0; j < d; j++) f += 0.5 * precision[j] * (t[j] - center[j]) ** 2;
    phi.forEach((row, i) => {
      let z = 0;
      for (let j = 0; j < d; j++) z += t[j] * row[j];
      f += examples[i].weight * logLoss(sigmoid(z), examples[i].y);
    });
    return f;
  };
  let current = objective(theta);
  for (let step = 0; step < MAX_NEWTON_STEPS; step++) {
    const g = theta.map((t, j) => precision[j] * (t - center[j]));
    const h = precision.map((p, i) => precision.map((_, j) => (i === j ? p : 0)));
    phi.forEach((row, i) => {
      let z = 0;
      for (let j = 0; j < d; j++) z += theta[j] * row[j];
      const p = sigmoid(z);
      const w = examples[i].weight;
      const r = w * (p - examples[i].y);
      const c = w * p * (1 - p);
      for (let j = 0; j < d; j++) {
        g[j] += r * row[j];
        for (let k = 0; k <= j; k++) h[j][k] += c * row[j] * row[k];
      }
    });
    for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) h[k][j] = h[j][k];
    const v = solve(h, g);
    // Damped: halve the step until the objective does not rise.
    let scale = 1;
    let next = theta.map((t, j) => t - v[j]);
    let value = objective(next);
    while (value > current + 1e-12 && scale > 1e-4) {
      scale /= 2;
      next = theta.map((t, j) => t - scale * v[j]);
      value = objective(next);
    }
    const moved = Math.max(...next.map((t, j) => Math.abs(t - theta[j])));
    theta.splice(0, d, ...next);
    const done = current - value < 1e-10 * Math.max(1, Math.abs(current)) || moved < 1e-9;
    current = value;
    if (done) break;
  }
  return { lambda, a: theta[0], s: theta[1], delta: withDelta ? theta.slice(2) : new Array<number>(prior.weights.length).fill(0) };
}

/** The refitted model in the usual form (the prior's standardisation, new weights and bias). */
export function toModel(prior: LogisticModel, r: Recalibration): LogisticModel {
  return {
    featureNames: [...prior.featureNames],
    means: [...prior.means],
    scales: [...prior.scales],
    weights: prior.weights.map((w, j) => r.s * w + r.delta[j]),
    bias: r.a + r.s * prior.bias,
  };
}

export function meanLogLoss(probabilities: readonly number[], examples: readonly WeightedExample[]): number {
  let loss = 0;
  let weight = 0;
  examples.forEach((e, i) => {
    loss += e.weight * logLoss(probabilities[i], e.y);
    weight += e.weight;
  });
  return weight > 0 ? loss / weight : 0;
}
