/** Small statistics helpers for tests: estimates with their standard errors. */

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Sample mean of f(x) and its standard error sd(f) / sqrt(n). */
export function meanWithSE(xs: ArrayLike<number>, f: (x: number, i: number) => number = (x) => x) {
  const n = xs.length;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const y = f(xs[i], i);
    s += y;
    s2 += y * y;
  }
  const m = s / n;
  const variance = Math.max(s2 / n - m * m, 0);
  return { mean: m, se: Math.sqrt(variance / n) };
}

/** Projections x . dir for rows of x [n, d]. */
export function project(x: Float64Array, d: number, dir: ArrayLike<number>): Float64Array {
  const n = x.length / d;
  const out = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    let acc = 0;
    for (let i = 0; i < d; i++) acc += x[s * d + i] * dir[i];
    out[s] = acc;
  }
  return out;
}

/** Expects |estimate - expected| <= z * se, with a message that shows all three. */
export function withinSE(estimate: number, expected: number, se: number, z = 5): { ok: boolean; text: string } {
  const ok = Math.abs(estimate - expected) <= z * se;
  return { ok, text: `estimate ${estimate}, expected ${expected}, ${z} SE = ${z * se}` };
}
