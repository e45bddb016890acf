// The K = 1 reduced chain in the lanes of f64x2 (SIMD build): pairs of walkers, and groups of pairs
// whose draws are made a block of steps ahead. Each walker is bit-identical to runReduced1 (./single.ts)
// on its own.
import { activation, lastDerivative } from "../denoiser";
import { ovlPtr } from "../overlaps";
import { A, act, B, HIT, K, RNG_TRAIN, STEP, targetX0, trainAmp, trainSkip } from "../globals";
import { ACT_TANH } from "../params";
import { tanhLanes } from "../special";
import { vadd, vfinite, vgather, vmul, vpair, vsel, vsplat, vsub } from "../lanes";
import { laneA, laneR, laneW, laneX, tangentStepLanes } from "../tangent";
import { DRAW_CHI, DRAW_C2, DRAW_LAMBDA, DRAW_N21, DRAW_NU, DRAW_Z, drawStep1 } from "./single";
import {
  DRAW_ROW, gPtr, PAIR_CONST, PC_ALPHA, PC_BETA_M, PC_ETA, PC_LAMBDA_SCALE, PC_ONE, PC_ONE_MINUS_C, PC_SIGMA,
  PC_SQRT_BETA_V, PC_THRESHOLD, PC_X0U_SCALE, PC_ZERO, put, q,
} from "./state";

/** Runs walkers w0 and w1 (K = 1) in lockstep for up to n steps, one in each lane of f64x2 (SIMD build):
 * runReducedGroup with one pair. Returns the steps done (0 in the scalar build, or when K > 1: the caller
 * then uses runReduced). */
export function runReducedPair(w0: i32, w1: i32, n: f64): f64 {
  store<i32>(GLIST, w0);
  store<i32>(GLIST, w1, 4);
  return runReducedGroup(1, n);
}

// ---- Groups: up to GROUP_PAIRS pairs of K = 1 walkers, their draws made a block of steps ahead ----
// A step's draws do not depend on the walker's state, so they can be made ahead of the arithmetic: the
// group draws a block of up to BLOCK steps for every walker (each walker's stream read in the same order as
// runReduced1 reads it), then runs the pairs' chains over the block in lockstep with no call in between,
// so that the out-of-order core overlaps the pairs' chains of dependent operations (a step is one long
// chain: sqrt, the activation's exp and division, the update, the norm's sqrt and division). The state of
// the pairs lives in GST, in two copies that swap at every step, so that a step that would give some
// walker a non-finite value is not committed: the group then stops before it, with every stream put back
// as it was before that step (GRNG holds each walker's stream before each step's draws), and the caller
// finishes the walkers one by one. Measured (bench/RESULTS.md): 44 ns a walker-step for four pairs, 49 for
// one.
const GROUP_PAIRS: i32 = 4;
const BLOCK: i32 = 32;
// The pair state's fields, a v128 each (lane 0 the pair's first walker, lane 1 its second): the overlaps
// mu, mv, mm, the Gram G, a, b, the step, the hits of u, v, m.
const F_MU: i32 = 0;
const F_MV: i32 = 1;
const F_MM: i32 = 2;
const F_G: i32 = 3;
const F_A: i32 = 4;
const F_B: i32 = 5;
const F_STEP: i32 = 6;
const F_HIT: i32 = 7; // F_HIT + j: the hit of spike j
const PAIR_FIELDS: i32 = 10;
const PAIR_BYTES: i32 = PAIR_FIELDS * 16;
const ROW_BYTES: i32 = DRAW_ROW * 8; // one walker's draws of one step (drawStep1)
const RNG_BYTES: i32 = 32; // one xoshiro256** state
const GLIST: usize = memory.data(4 * 2 * GROUP_PAIRS, 16); // the group's walkers (i32)
const GST: usize = memory.data(2 * GROUP_PAIRS * PAIR_BYTES, 16); // [2 copies, GROUP_PAIRS, PAIR_FIELDS v128]
const GDRAW: usize = memory.data(BLOCK * 2 * GROUP_PAIRS * ROW_BYTES, 16); // [BLOCK, walkers, DRAW_ROW]
const GRNG: usize = memory.data(BLOCK * 2 * GROUP_PAIRS * RNG_BYTES, 16); // [BLOCK, walkers, an RNG state]

/** Where the host writes the walkers of a runReducedGroup call (i32 each, up to 2 * groupPairs()). */
export function groupList(): usize {
  return GLIST;
}

/** The most pairs runReducedGroup takes. */
export function groupPairs(): i32 {
  return GROUP_PAIRS;
}

// The v128 at slot i of p: a pair-state field (F_*) or a pair constant (PC_* of ./state.ts).
// @ts-ignore: decorator
@inline
function field(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 4));
}
// @ts-ignore: decorator
@inline
function setField(p: usize, i: i32, x: v128): void {
  v128.store(p + (<usize>i << 4), x);
}

// Where field f of walker w lives in the engine's state (K = 1).
function walkerField(w: i32, f: i32): usize {
  if (f <= F_MM) return ovlPtr(w, 0) + (<usize>(f - F_MU) << 3);
  if (f == F_G) return gPtr(w);
  if (f == F_A) return A + (<usize>w << 3);
  if (f == F_B) return B + (<usize>w << 3);
  if (f == F_STEP) return STEP + (<usize>w << 3);
  return HIT + <usize>w * 24 + (<usize>(f - F_HIT) << 3);
}

// Copies the group's walkers into the pair state at st (toPairs) or back.
function copyGroup(st: usize, nw: i32, toPairs: bool): void {
  for (let i = 0; i < nw; i++) {
    const w = load<i32>(GLIST + (<usize>i << 2));
    const lane = st + <usize>(i >> 1) * PAIR_BYTES + (<usize>(i & 1) << 3);
    for (let f = 0; f < PAIR_FIELDS; f++) {
      const addr = walkerField(w, f);
      const ln = lane + (<usize>f << 4);
      if (toPairs) store<f64>(ln, load<f64>(addr));
      else store<f64>(addr, load<f64>(ln));
    }
  }
}

// One step of a pair whose state is at src, on the draws at b0 and b1: runReduced1's step in each lane of
// f64x2 (every lane operation is the IEEE operation of the scalar code, in the same order; tanh through
// tanhLanes, other activations lane by lane), the new state written to dst. Returns whether both walkers
// stay finite.
// @ts-ignore: decorator
@inline
function pairStep(src: usize, dst: usize, b0: usize, b1: usize): bool {
  const q3 = q == 3;
  const tx0 = targetX0;
  const tSkip = trainSkip;
  const tAmp = trainAmp;
  const al = field(PAIR_CONST, PC_ALPHA);
  const si = field(PAIR_CONST, PC_SIGMA);
  const et = field(PAIR_CONST, PC_ETA);
  const su = field(PAIR_CONST, PC_LAMBDA_SCALE);
  const xs = field(PAIR_CONST, PC_X0U_SCALE);
  const sv = field(PAIR_CONST, PC_SQRT_BETA_V);
  const omc = field(PAIR_CONST, PC_ONE_MINUS_C);
  const bm = field(PAIR_CONST, PC_BETA_M);
  const thr = field(PAIR_CONST, PC_THRESHOLD);
  const one = field(PAIR_CONST, PC_ONE);
  const zero = field(PAIR_CONST, PC_ZERO);
  const mu = field(src, F_MU);
  const mv = field(src, F_MV);
  const mm = field(src, F_MM);
  const gg = field(src, F_G);
  const a = field(src, F_A);
  const b = field(src, F_B);
  const l = vsel(f64x2.sqrt(gg), zero, f64x2.gt(gg, zero));
  const lambda = vgather(b0, b1, DRAW_LAMBDA);
  const zu = vgather(b0, b1, DRAW_Z);
  const zv = vgather(b0, b1, DRAW_Z + 1);
  const zm = q3 ? vgather(b0, b1, DRAW_Z + 2) : zero;
  const xiu = vgather(b0, b1, DRAW_Z + q);
  const xiv = vgather(b0, b1, DRAW_Z + q + 1);
  const xim = q3 ? vgather(b0, b1, DRAW_Z + q + 2) : zero;
  const x0e = vgather(b0, b1, DRAW_Z + 2 * q);
  const xie = vgather(b0, b1, DRAW_Z + 2 * q + 1);
  const nu = vgather(b0, b1, DRAW_NU);
  const x0u = vadd(vmul(su, lambda), vmul(xs, zu));
  const x0v = vmul(omc, vadd(zv, vmul(sv, nu)));
  const x0m = q3 ? vadd(bm, zm) : zero;
  const xtu = vadd(vmul(al, x0u), vmul(si, xiu));
  const xtv = vadd(vmul(al, x0v), vmul(si, xiv));
  const xtm = vadd(vmul(al, x0m), vmul(si, xim));
  const xte = vadd(vmul(al, x0e), vmul(si, xie));
  const tu = tx0 ? x0u : xiu;
  const tv = tx0 ? x0v : xiv;
  const tm = tx0 ? x0m : xim;
  const te = tx0 ? x0e : xie;
  const h = q3
    ? vadd(vadd(vadd(vmul(mu, xtu), vmul(mv, xtv)), vmul(mm, xtm)), vmul(l, xte))
    : vadd(vadd(vmul(mu, xtu), vmul(mv, xtv)), vmul(l, xte));
  let g: v128;
  let gpk: v128;
  if (act == ACT_TANH) {
    g = tanhLanes(h); // the scalar tanh's operations in each lane
    gpk = vsub(one, vmul(g, g));
  } else {
    const ga = activation(f64x2.extract_lane(h, 0));
    const gpa = lastDerivative();
    const gb = activation(f64x2.extract_lane(h, 1));
    const gpb = lastDerivative();
    g = vpair(ga, gb);
    gpk = vpair(gpa, gpb);
  }
  const c = vmul(a, g);
  const ru = vadd(vsub(vmul(b, xtu), tu), vmul(c, mu));
  const rv = vadd(vsub(vmul(b, xtv), tv), vmul(c, mv));
  const rm = q3 ? vadd(vsub(vmul(b, xtm), tm), vmul(c, mm)) : zero;
  const re = vadd(vsub(vmul(b, xte), te), vmul(c, l));
  const wr = q3
    ? vadd(vadd(vadd(vmul(mu, ru), vmul(mv, rv)), vmul(mm, rm)), vmul(l, re))
    : vadd(vadd(vmul(mu, ru), vmul(mv, rv)), vmul(l, re));
  // Update (runReduced1's expressions, left to right).
  tangentStepLanes(et, a, g, gpk, h, wr);
  const cw = laneW();
  const cr = laneR();
  const cx = laneX();
  const yu = vadd(vadd(vmul(cw, mu), vmul(cr, ru)), vmul(cx, xtu));
  const yv = vadd(vadd(vmul(cw, mv), vmul(cr, rv)), vmul(cx, xtv));
  const ym = q3 ? vadd(vadd(vmul(cw, mm), vmul(cr, rm)), vmul(cx, xtm)) : zero;
  const ye = vadd(vadd(vmul(cw, l), vmul(cr, re)), vmul(cx, xte));
  let perp: v128;
  let rxt = zero;
  if (tSkip) {
    const x0f = vgather(b0, b1, DRAW_CHI); // c1
    const xif = vgather(b0, b1, DRAW_N21);
    const xig = vgather(b0, b1, DRAW_C2);
    const xtf = vadd(vmul(al, x0f), vmul(si, xif));
    const xtg = vmul(si, xig);
    const rf = vsub(vmul(b, xtf), tx0 ? x0f : xif);
    const rg = vsub(vmul(b, xtg), tx0 ? zero : xig);
    const yf = vadd(vmul(cr, rf), vmul(cx, xtf));
    const yg = vadd(vmul(cr, rg), vmul(cx, xtg));
    perp = vadd(vmul(yf, yf), vmul(yg, yg));
    rxt = vadd(
      vadd(vadd(vadd(vadd(vmul(ru, xtu), vmul(rv, xtv)), vmul(rm, xtm)), vmul(re, xte)), vmul(rf, xtf)),
      vmul(rg, xtg),
    );
  } else {
    const chi = vgather(b0, b1, DRAW_CHI);
    const aa = vadd(vmul(cr, b), cx);
    const pz = tx0 ? vsub(vmul(aa, al), cr) : vmul(aa, al);
    const ps = tx0 ? vmul(aa, si) : vsub(vmul(aa, si), cr);
    perp = vmul(vadd(vmul(pz, pz), vmul(ps, ps)), chi);
  }
  const off2 = vadd(vmul(ye, ye), perp);
  const n2 = vadd(vadd(vadd(vmul(yu, yu), vmul(yv, yv)), vmul(ym, ym)), off2);
  let ok = v128.and(f64x2.gt(n2, zero), f64x2.lt(n2, vsplat(Infinity)));
  const inv = f64x2.div(one, f64x2.sqrt(n2));
  let bn = b;
  let an = a;
  if (tSkip) {
    bn = vsub(b, vmul(et, rxt));
    ok = v128.and(ok, vfinite(bn));
  }
  if (tAmp) {
    an = laneA();
    ok = v128.and(ok, vfinite(an));
  }
  const nmu = vmul(yu, inv);
  const nmv = vmul(yv, inv);
  const nmm = vmul(ym, inv);
  setField(dst, F_MU, nmu);
  setField(dst, F_MV, nmv);
  setField(dst, F_MM, nmm);
  setField(dst, F_G, f64x2.div(off2, n2));
  setField(dst, F_A, an);
  setField(dst, F_B, bn);
  const step = vadd(field(src, F_STEP), one);
  setField(dst, F_STEP, step);
  const hu = field(src, F_HIT);
  const hv = field(src, F_HIT + 1);
  const hm = field(src, F_HIT + 2);
  setField(dst, F_HIT, vsel(step, hu, v128.and(f64x2.lt(hu, zero), f64x2.ge(f64x2.abs(nmu), thr))));
  setField(dst, F_HIT + 1, vsel(step, hv, v128.and(f64x2.lt(hv, zero), f64x2.ge(f64x2.abs(nmv), thr))));
  setField(dst, F_HIT + 2, vsel(step, hm, v128.and(f64x2.lt(hm, zero), f64x2.ge(f64x2.abs(nmm), thr))));
  return i64x2.all_true(ok);
}

/** Runs the 2 P walkers listed at groupList() (K = 1, P <= groupPairs(), lanes of f64x2 pair by pair) in
 * lockstep for up to n steps, each bit-identical to runReduced1 on its own. Stops before a step that would
 * give some walker a non-finite value, with that step undone for all (streams included), so that
 * runReduced can redo it walker by walker. Returns the steps done (0 in the scalar build, or when K > 1). */
export function runReducedGroup(pairs: i32, n: f64): f64 {
  if (!ASC_FEATURE_SIMD || K != 1 || pairs < 1 || pairs > GROUP_PAIRS) return 0;
  const nw = 2 * pairs;
  copyGroup(GST, nw, true);
  const stride = <usize>(nw * ROW_BYTES); // bytes of one step's draws
  for (let s = 0; s < BLOCK; s++) {
    for (let i = 0; i < nw; i++) put(GDRAW + <usize>s * stride + <usize>(i * ROW_BYTES), DRAW_LAMBDA, 0.0);
  }
  let cur = GST;
  let nxt = GST + <usize>(GROUP_PAIRS * PAIR_BYTES);
  let done: f64 = 0;
  let failed = false;
  while (done < n && !failed) {
    const left = n - done;
    const blk: i32 = left < <f64>BLOCK ? <i32>left : BLOCK;
    // The block's draws, walker by walker.
    for (let i = 0; i < nw; i++) {
      const w = load<i32>(GLIST + (<usize>i << 2));
      const r = RNG_TRAIN + (<usize>w << 5);
      for (let s = 0; s < blk; s++) {
        const saved = GRNG + <usize>((s * nw + i) * RNG_BYTES);
        v128.store(saved, v128.load(r));
        v128.store(saved, v128.load(r, 16), 16);
        drawStep1(w, GDRAW + <usize>s * stride + <usize>(i * ROW_BYTES));
      }
    }
    // The chains over the block.
    let s = 0;
    for (; s < blk; s++) {
      const row = GDRAW + <usize>s * stride;
      let ok = true;
      for (let p = 0; p < pairs; p++) {
        const o = <usize>(p * PAIR_BYTES);
        const b0 = row + <usize>(2 * p * ROW_BYTES);
        if (!pairStep(cur + o, nxt + o, b0, b0 + <usize>ROW_BYTES)) ok = false;
      }
      if (!ok) {
        failed = true;
        break;
      }
      const t = cur;
      cur = nxt;
      nxt = t;
    }
    done += <f64>s;
    if (failed) {
      // Every stream back to its state before step s of the block.
      for (let i = 0; i < nw; i++) {
        const w = load<i32>(GLIST + (<usize>i << 2));
        const r = RNG_TRAIN + (<usize>w << 5);
        const saved = GRNG + <usize>((s * nw + i) * RNG_BYTES);
        v128.store(r, v128.load(saved));
        v128.store(r, v128.load(saved, 16), 16);
      }
    }
  }
  copyGroup(cur, nw, false);
  return done;
}
