/**
 * Small gradient-boosted decision trees for a yes/no probability (logistic loss, second-order
 * leaf values, histogram splits), with no dependency. Chosen over a logistic regression because
 * the matcher's signals interact: a swapped word order or a changed question word matters when
 * every word matches, and says little when few do. A tree is a leaf value or
 * `[feature, threshold, left (x <= threshold), right]`.
 */
export type Tree = number | [number, number, Tree, Tree];

export interface BoostedTrees {
  featureNames: string[];
  /** Log-odds before any tree. */
  bias: number;
  learningRate: number;
  trees: Tree[];
}

export interface BoostOptions {
  rounds?: number;
  depth?: number;
  learningRate?: number;
  /** Candidate split points per feature (quantiles of the examples). */
  bins?: number;
  /** Fewest examples in a leaf. */
  minLeaf?: number;
  /** L2 penalty on leaf values. */
  l2?: number;
}

function leaf(tree: Tree, x: readonly number[]): number {
  let t = tree;
  while (typeof t !== 'number') t = x[t[0]] <= t[1] ? t[2] : t[3];
  return t;
}

export function predictTrees(model: BoostedTrees, x: readonly number[]): number {
  let z = model.bias;
  for (const t of model.trees) z += model.learningRate * leaf(t, x);
  return 1 / (1 + Math.exp(-z));
}

function quantileCuts(values: number[], bins: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const cuts = new Set<number>();
  for (let b = 1; b < bins; b++) cuts.add(sorted[Math.floor((b / bins) * (sorted.length - 1))]);
  cuts.delete(sorted[sorted.length - 1]); // a cut at the maximum splits nothing off
  return [...cuts].sort((a, b) => a - b);
}

export function fitBoostedTrees(
  featureNames: readonly string[],
  xs: readonly (readonly number[])[],
  ys: readonly number[],
  { rounds = 200, depth = 3, learningRate = 0.1, bins = 32, minLeaf = 50, l2 = 1 }: BoostOptions = {},
): BoostedTrees {
  const n = xs.length;
  const d = featureNames.length;
  if (n === 0) throw new Error('fitBoostedTrees: no examples');
  const cuts = featureNames.map((_, j) => quantileCuts(xs.map((x) => x[j]), bins));
  // binned[j][i]: the bin of example i on feature j (bin b holds values in (cut[b-1], cut[b]]).
  const binned = cuts.map((c, j) => Uint8Array.from(xs, (x) => {
    let lo = 0;
    let hi = c.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x[j] <= c[mid]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }));
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, ys.reduce((s, y) => s + y, 0) / n));
  const bias = Math.log(prior / (1 - prior));
  const z = new Float64Array(n).fill(bias);
  const g = new Float64Array(n);
  const h = new Float64Array(n);

  const grow = (rows: Int32Array, level: number): Tree => {
    let G = 0;
    let H = 0;
    for (const i of rows) {
      G += g[i];
      H += h[i];
    }
    const value = -G / (H + l2);
    if (level === depth || rows.length < 2 * minLeaf) return value;
    let best = { gain: 1e-9, feature: -1, bin: -1 };
    for (let j = 0; j < d; j++) {
      const nb = cuts[j].length + 1;
      const gs = new Float64Array(nb);
      const hs = new Float64Array(nb);
      const cs = new Int32Array(nb);
      const col = binned[j];
      for (const i of rows) {
        gs[col[i]] += g[i];
        hs[col[i]] += h[i];
        cs[col[i]]++;
      }
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb - 1; b++) {
        gl += gs[b];
        hl += hs[b];
        cl += cs[b];
        if (cl < minLeaf || rows.length - cl < minLeaf) continue;
        const gain = (gl * gl) / (hl + l2) + ((G - gl) * (G - gl)) / (H - hl + l2) - (G * G) / (H + l2);
        if (gain > best.gain) best = { gain, feature: j, bin: b };
      }
    }
    if (best.feature < 0) return value;
    const col = binned[best.feature];
    const left = rows.filter((i) => col[i] <= best.bin);
    const right = rows.filter((i) => col[i] > best.bin);
    return [best.feature, cuts[best.feature][best.bin], grow(left, level + 1), grow(right, level + 1)];
  };

  const all = Int32Array.from({ length: n }, (_, i) => i);
  const trees: Tree[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-z[i]));
      g[i] = p - ys[i];
      h[i] = Math.max(1e-6, p * (1 - p));
    }
    const tree = grow(all, 0);
    trees.push(tree);
    for (let i = 0; i < n; i++) z[i] += learningRate * leaf(tree, xs[i]);
  }
  return { featureNames: [...featureNames], bias, learningRate, trees };
}
