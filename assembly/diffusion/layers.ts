// The elementwise and normalisation layers of the diffusion U-Net, f32 [N, C, H * W] tensors. Their
// reductions run in one fixed order (f64 accumulators where a sum spans a whole group), identical in the
// SIMD and the scalar build. Backward passes overwrite dx unless their comment says "added to".

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Group normalisation (Wu & He 2018): per sample and group of C / G channels, y = (x - mean) / sqrt(var +
 * eps) * gamma[c] + beta[c]; stats [N * G * 2] keeps (mean, rstd) for the backward pass. */
export function groupNormForward(
  x: usize, gamma: usize, beta: usize, y: usize, stats: usize, N: i32, C: i32, HW: i32, G: i32, eps: f32,
): void {
  const cg = C / G;
  const m = cg * HW;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const base = (n * C + g * cg) * HW;
      let s: f64 = 0;
      for (let i = 0; i < m; i++) s += <f64>load<f32>(at(x, base + i));
      const mean = s / <f64>m;
      let v: f64 = 0;
      for (let i = 0; i < m; i++) {
        const c = <f64>load<f32>(at(x, base + i)) - mean;
        v += c * c;
      }
      const rstd = <f32>(1.0 / Math.sqrt(v / <f64>m + <f64>eps));
      const meanF = <f32>mean;
      store<f32>(at(stats, 2 * (n * G + g)), meanF);
      store<f32>(at(stats, 2 * (n * G + g) + 1), rstd);
      for (let cc = 0; cc < cg; cc++) {
        const c = g * cg + cc;
        const ga = load<f32>(at(gamma, c));
        const be = load<f32>(at(beta, c));
        const o = base + cc * HW;
        for (let i = 0; i < HW; i++) store<f32>(at(y, o + i), (load<f32>(at(x, o + i)) - meanF) * rstd * ga + be);
      }
    }
  }
}

/** Gradients of groupNormForward; dgamma and dbeta are added to. */
export function groupNormBackward(
  x: usize, gamma: usize, dy: usize, dx: usize, dgamma: usize, dbeta: usize, stats: usize,
  N: i32, C: i32, HW: i32, G: i32,
): void {
  const cg = C / G;
  const m = cg * HW;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const base = (n * C + g * cg) * HW;
      const mean = load<f32>(at(stats, 2 * (n * G + g)));
      const rstd = load<f32>(at(stats, 2 * (n * G + g) + 1));
      let sd: f64 = 0; // sum of dxhat
      let sdx: f64 = 0; // sum of dxhat * xhat
      for (let cc = 0; cc < cg; cc++) {
        const c = g * cg + cc;
        const ga = load<f32>(at(gamma, c));
        const o = base + cc * HW;
        let dgs: f64 = 0;
        let dbs: f64 = 0;
        for (let i = 0; i < HW; i++) {
          const xh = (load<f32>(at(x, o + i)) - mean) * rstd;
          const d = load<f32>(at(dy, o + i));
          dgs += <f64>(d * xh);
          dbs += <f64>d;
          const dxh = d * ga;
          sd += <f64>dxh;
          sdx += <f64>(dxh * xh);
        }
        store<f32>(at(dgamma, c), load<f32>(at(dgamma, c)) + <f32>dgs);
        store<f32>(at(dbeta, c), load<f32>(at(dbeta, c)) + <f32>dbs);
      }
      const a = <f32>(sd / <f64>m);
      const b = <f32>(sdx / <f64>m);
      for (let cc = 0; cc < cg; cc++) {
        const ga = load<f32>(at(gamma, g * cg + cc));
        const o = base + cc * HW;
        for (let i = 0; i < HW; i++) {
          const xh = (load<f32>(at(x, o + i)) - mean) * rstd;
          store<f32>(at(dx, o + i), rstd * (load<f32>(at(dy, o + i)) * ga - a - xh * b));
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function sigmoid(v: f32): f32 {
  return <f32>1 / (<f32>1 + Mathf.exp(-v));
}

/** y = x sigmoid(x) (SiLU). */
export function siluForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(at(x, i));
    store<f32>(at(y, i), v * sigmoid(v));
  }
}

/** dx = dy (s + x s (1 - s)), s = sigmoid(x). */
export function siluBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(at(x, i));
    const s = sigmoid(v);
    store<f32>(at(dx, i), load<f32>(at(dy, i)) * (s + v * s * (<f32>1 - s)));
  }
}

/** y[n, c, :] += v[n, c]: a per-sample channel shift (the time embedding's projection). */
export function addChannel(y: usize, v: usize, N: i32, C: i32, HW: i32): void {
  for (let nc = 0; nc < N * C; nc++) {
    const s = load<f32>(at(v, nc));
    const o = nc * HW;
    for (let i = 0; i < HW; i++) store<f32>(at(y, o + i), load<f32>(at(y, o + i)) + s);
  }
}

/** out[nc] (+)= sum_i dy[nc, i] over rows of HW: the adjoint of addChannel (acc = 1 adds). */
export function rowSums(dy: usize, out: usize, rows: i32, HW: i32, acc: i32): void {
  for (let r = 0; r < rows; r++) {
    let s: f32 = 0;
    const o = r * HW;
    for (let i = 0; i < HW; i++) s += load<f32>(at(dy, o + i));
    store<f32>(at(out, r), acc ? load<f32>(at(out, r)) + s : s);
  }
}

/** y[n, j] += b[j] for y [N, M]. */
export function addRowBias(y: usize, b: usize, N: i32, M: i32): void {
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < M; j++) store<f32>(at(y, n * M + j), load<f32>(at(y, n * M + j)) + load<f32>(at(b, j)));
  }
}

/** db[j] += sum_n dy[n, j]. */
export function colSums(dy: usize, db: usize, N: i32, M: i32): void {
  for (let j = 0; j < M; j++) {
    let s: f32 = 0;
    for (let n = 0; n < N; n++) s += load<f32>(at(dy, n * M + j));
    store<f32>(at(db, j), load<f32>(at(db, j)) + s);
  }
}

/** y = a + b over n floats (y may alias either). */
export function addInto(y: usize, a: usize, b: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(at(y, i), load<f32>(at(a, i)) + load<f32>(at(b, i)));
}

/** 2 x 2 average pooling of rows [NC, H, W] (H, W even) to [NC, H / 2, W / 2]. */
export function avgPool2(x: usize, y: usize, NC: i32, H: i32, W: i32): void {
  const h = H >> 1;
  const w = W >> 1;
  for (let r = 0; r < NC; r++) {
    const xr = r * H * W;
    const yr = r * h * w;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const p = xr + 2 * i * W + 2 * j;
        const s = load<f32>(at(x, p)) + load<f32>(at(x, p + 1)) + load<f32>(at(x, p + W)) + load<f32>(at(x, p + W + 1));
        store<f32>(at(y, yr + i * w + j), s * <f32>0.25);
      }
    }
  }
}

/** The adjoint of avgPool2: dx [NC, H, W] from dy [NC, H / 2, W / 2]. */
export function avgPool2Backward(dy: usize, dx: usize, NC: i32, H: i32, W: i32): void {
  const h = H >> 1;
  const w = W >> 1;
  for (let r = 0; r < NC; r++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        store<f32>(at(dx, r * H * W + i * W + j), load<f32>(at(dy, r * h * w + (i >> 1) * w + (j >> 1))) * <f32>0.25);
      }
    }
  }
}

/** Nearest-neighbour 2x upsampling of rows [NC, h, w] to [NC, 2h, 2w]. */
export function upsample2(x: usize, y: usize, NC: i32, h: i32, w: i32): void {
  const H = 2 * h;
  const W = 2 * w;
  for (let r = 0; r < NC; r++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) store<f32>(at(y, r * H * W + i * W + j), load<f32>(at(x, r * h * w + (i >> 1) * w + (j >> 1))));
    }
  }
}

/** The adjoint of upsample2: dx [NC, h, w] sums its 2 x 2 block of dy [NC, 2h, 2w]. */
export function upsample2Backward(dy: usize, dx: usize, NC: i32, h: i32, w: i32): void {
  const W = 2 * w;
  const H = 2 * h;
  for (let r = 0; r < NC; r++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const p = r * H * W + 2 * i * W + 2 * j;
        const s = load<f32>(at(dy, p)) + load<f32>(at(dy, p + 1)) + load<f32>(at(dy, p + W)) + load<f32>(at(dy, p + W + 1));
        store<f32>(at(dx, r * h * w + i * w + j), s);
      }
    }
  }
}

/** Sinusoidal embedding of times t [N] (f32) into out [N, dim]: sin and cos of 1000 t / 10000^(i / half). */
export function timeEmbedding(t: usize, N: i32, dim: i32, out: usize): void {
  const half = dim >> 1;
  for (let n = 0; n < N; n++) {
    const tn = <f64>load<f32>(at(t, n)) * 1000.0;
    for (let i = 0; i < half; i++) {
      const f = Math.exp((-Math.log(10000.0) * <f64>i) / <f64>half);
      store<f32>(at(out, n * dim + i), <f32>Math.sin(tn * f));
      store<f32>(at(out, n * dim + half + i), <f32>Math.cos(tn * f));
    }
  }
}

/** Adam (Kingma & Ba 2015) on n parameters; c1 = 1 / (1 - beta1^t), c2 = 1 / (1 - beta2^t). */
export function adamStep(
  p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, c1: f32, c2: f32,
): void {
  for (let i = 0; i < n; i++) {
    const gi = load<f32>(at(g, i));
    const mi = b1 * load<f32>(at(m, i)) + (<f32>1 - b1) * gi;
    const vi = b2 * load<f32>(at(v, i)) + (<f32>1 - b2) * gi * gi;
    store<f32>(at(m, i), mi);
    store<f32>(at(v, i), vi);
    store<f32>(at(p, i), load<f32>(at(p, i)) - (lr * (mi * c1)) / (Mathf.sqrt(vi * c2) + eps));
  }
}

/** e = decay e + (1 - decay) p: the exponential moving average of the weights. */
export function emaStep(e: usize, p: usize, n: i32, decay: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(e, i), decay * load<f32>(at(e, i)) + (<f32>1 - decay) * load<f32>(at(p, i)));
}

/** Returns sum (out - target)^2 (f64) and writes grad = scale (out - target). */
export function squaredError(out: usize, target: usize, grad: usize, n: i32, scale: f32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const r = load<f32>(at(out, i)) - load<f32>(at(target, i));
    s += <f64>r * <f64>r;
    if (grad != 0) store<f32>(at(grad, i), scale * r);
  }
  return s;
}
