// The K = 1 path of the reduced chain in scalars (./chain.ts describes the chain), and the draws of one
// step that it shares with the pairs and groups of ./group.ts.
import { gauss, rngLoad, rngStore } from "../rng";
import { activation, lastDerivative } from "../denoiser";
import { ovlPtr } from "../overlaps";
import { A, alpha, B, betaM, eta, HIT, RNG_TRAIN, sigma, sqrtBetaV, STEP, targetX0, threshold, trainAmp, trainSkip } from "../globals";
import { stepA, stepR, stepW, stepX, tangentStep } from "../tangent";
import { chi2Second, drawNormalsChi, drawnNu } from "./samplers";
import { at, gPtr, lambdaScale, lambdaUsed, oneMinusC, put, q, STEP_DRAWS, x0uScale } from "./state";

// One step's draws of a K = 1 walker, a row of DRAW_ROW doubles (./state.ts). The normals come first, in
// drawSample's order: lambda (left 0 when lambda is not drawn), z's spike coordinates [q], xi's [q], then
// z and xi along P w (the step's e_1); after them nu, and the chi-squares.
export const DRAW_LAMBDA: i32 = 0;
export const DRAW_Z: i32 = 1; // z . s_j at DRAW_Z + j, xi . s_j at DRAW_Z + q + j
// z . e_1 at DRAW_Z + 2q, xi . e_1 at DRAW_Z + 2q + 1
export const DRAW_NU: i32 = 9;
export const DRAW_CHI: i32 = 10; // skip fixed: |P_perp z|^2 ~ chi2(n); skip trained: c1
export const DRAW_N21: i32 = 11; // skip trained: the Wishart's n21
export const DRAW_C2: i32 = 12; // skip trained: c2

// One step's draws of walker w for the K = 1 paths (runReduced1, runReducedGroup), from its stream, in
// drawSample's order, to the row at out (the DRAW_ offsets above; runReduced1 says why one chi-square
// suffices when the skip is fixed).
// @ts-ignore: decorator
@inline
export function drawStep1(w: i32, out: usize): void {
  const rng = RNG_TRAIN + (<usize>w << 5);
  rngLoad(rng);
  const g = lambdaUsed ? drawNormalsChi(out, 2 * q + 3) : drawNormalsChi(out + (<usize>DRAW_Z << 3), 2 * q + 2);
  put(out, DRAW_NU, drawnNu);
  if (trainSkip) {
    put(out, DRAW_CHI, Math.sqrt(2.0 * g));
    put(out, DRAW_N21, gauss());
    put(out, DRAW_C2, Math.sqrt(chi2Second()));
  } else {
    put(out, DRAW_CHI, 2.0 * g);
  }
  rngStore(rng);
}

// K = 1 in scalars, with the state in locals (w = (mu, mv, mm, l, 0, 0), l = sqrt(G)) and hits checked
// inline. The same draws and update as the general path up to the part of the sample orthogonal to the
// spikes and to P w, of dimension n = d - q - 1. There the step only needs the new weight's component
// y_perp = cr r_perp + cx xt_perp = A xt_perp - cr tau_perp (A = cr b + cx), a combination
// p z_perp + s xi_perp of two independent N(0, I_n) vectors with coefficients that do not depend on them,
// so |y_perp|^2 ~ (p^2 + s^2) chi2(n) exactly: one chi-square draw instead of the Wishart's three. The
// trained skip needs r_perp . xt_perp as well, a second quadratic form, and then draws the Wishart as the
// general path does. The new G is the off-spike norm over the whole norm, computed beside 1 / |y| rather
// than after it: the step's chain of dependent operations, which bounds its speed, is shorter by a square
// and a sum. (The general path's G matches it to rounding; tests check the transition law.)
export function runReduced1(w: i32, n: f64): f64 {
  const stepPtr = STEP + (<usize>w << 3);
  const o = ovlPtr(w, 0);
  const hit = HIT + (<usize>w * 24);
  const aPtr = A + (<usize>w << 3);
  const bPtr = B + (<usize>w << 3);
  const gp = gPtr(w);
  const q3 = q == 3;
  const thr = threshold;
  // Module globals in locals: the engine may then keep them in registers.
  const al = alpha;
  const si = sigma;
  const et = eta;
  const su = lambdaScale;
  const xs = x0uScale;
  const sv = sqrtBetaV;
  const omc = oneMinusC;
  const bm = betaM;
  const tx0 = targetX0;
  const tSkip = trainSkip;
  const tAmp = trainAmp;
  const buf = STEP_DRAWS; // the step's draws (drawStep1)
  put(buf, DRAW_LAMBDA, 0.0);
  let step = load<f64>(stepPtr);
  let mu = at(o, 0);
  let mv = at(o, 1);
  let mm = at(o, 2);
  let gg = load<f64>(gp);
  let a = load<f64>(aPtr);
  let b = load<f64>(bPtr);
  let hu = at(hit, 0);
  let hv = at(hit, 1);
  let hm = at(hit, 2);
  let done: f64 = 0;
  let ok: bool = true;
  while (done < n) {
    const l = gg > 0 ? Math.sqrt(gg) : 0.0;
    drawStep1(w, buf);
    const lambda = at(buf, DRAW_LAMBDA);
    const zu = at(buf, DRAW_Z);
    const zv = at(buf, DRAW_Z + 1);
    const zm = q3 ? at(buf, DRAW_Z + 2) : 0.0;
    const xiu = at(buf, DRAW_Z + q);
    const xiv = at(buf, DRAW_Z + q + 1);
    const xim = q3 ? at(buf, DRAW_Z + q + 2) : 0.0;
    const x0e = at(buf, DRAW_Z + 2 * q);
    const xie = at(buf, DRAW_Z + 2 * q + 1);
    const nu = at(buf, DRAW_NU);
    const x0u = su * lambda + xs * zu;
    const x0v = omc * (zv + sv * nu);
    const x0m = q3 ? bm + zm : 0.0;
    const chi = at(buf, DRAW_CHI);
    const x0f = at(buf, DRAW_CHI); // c1
    const xif = at(buf, DRAW_N21);
    const xig = at(buf, DRAW_C2);
    const xtu = al * x0u + si * xiu;
    const xtv = al * x0v + si * xiv;
    const xtm = al * x0m + si * xim;
    const xte = al * x0e + si * xie;
    // Forward.
    const tu = tx0 ? x0u : xiu;
    const tv = tx0 ? x0v : xiv;
    const tm = tx0 ? x0m : xim;
    const te = tx0 ? x0e : xie;
    const h = q3 ? mu * xtu + mv * xtv + mm * xtm + l * xte : mu * xtu + mv * xtv + l * xte;
    const g = activation(h);
    const gpk = lastDerivative();
    const c = a * g;
    const ru = b * xtu - tu + c * mu;
    const rv = b * xtv - tv + c * mv;
    const rm = q3 ? b * xtm - tm + c * mm : 0.0;
    const re = b * xte - te + c * l;
    const wr = q3 ? mu * ru + mv * rv + mm * rm + l * re : mu * ru + mv * rv + l * re;
    // Update.
    tangentStep(et, a, g, gpk, h, wr);
    const cw = stepW;
    const cr = stepR;
    const cx = stepX;
    const yu = cw * mu + cr * ru + cx * xtu;
    const yv = cw * mv + cr * rv + cx * xtv;
    const ym = q3 ? cw * mm + cr * rm + cx * xtm : 0.0;
    const ye = cw * l + cr * re + cx * xte;
    let perp: f64;
    let rxt: f64 = 0;
    if (tSkip) {
      const xtf = al * x0f + si * xif;
      const xtg = si * xig; // al * 0 + si * xig
      const rf = b * xtf - (tx0 ? x0f : xif);
      const rg = b * xtg - (tx0 ? 0.0 : xig);
      const yf = cr * rf + cx * xtf; // cw * 0 + ...
      const yg = cr * rg + cx * xtg;
      perp = yf * yf + yg * yg;
      rxt = ru * xtu + rv * xtv + rm * xtm + re * xte + rf * xtf + rg * xtg;
    } else {
      // y_perp = A (al z_perp + si xi_perp) - cr tau_perp.
      const aa = cr * b + cx;
      const pz = tx0 ? aa * al - cr : aa * al;
      const ps = tx0 ? aa * si : aa * si - cr;
      perp = (pz * pz + ps * ps) * chi;
    }
    const off2 = ye * ye + perp;
    const n2 = yu * yu + yv * yv + ym * ym + off2;
    if (!(n2 > 0 && n2 < Infinity)) ok = false;
    const inv = 1.0 / Math.sqrt(n2);
    mu = yu * inv;
    mv = yv * inv;
    mm = ym * inv;
    gg = off2 / n2;
    if (tSkip) {
      const bn = b - et * rxt;
      if (!isFinite(bn)) ok = false;
      b = bn;
    }
    if (tAmp) {
      const an = stepA;
      if (!isFinite(an)) ok = false;
      a = an;
    }
    step += 1;
    done += 1;
    if (!ok) break;
    if (hu < 0 && Math.abs(mu) >= thr) hu = step;
    if (hv < 0 && Math.abs(mv) >= thr) hv = step;
    if (hm < 0 && Math.abs(mm) >= thr) hm = step;
  }
  put(o, 0, mu);
  put(o, 1, mv);
  put(o, 2, mm);
  store<f64>(gp, gg);
  store<f64>(aPtr, a);
  store<f64>(bPtr, b);
  put(hit, 0, hu);
  put(hit, 1, hv);
  put(hit, 2, hm);
  store<f64>(stepPtr, step);
  return ok ? done : -step;
}
