// Activations given as formulas (ACT_TABLE; docs/activations.md): the host compiles g, g' and g'' to a
// postfix bytecode (src/config/expr-calculus.ts), this file evaluates it with the kernels' own math (so the
// table is the same bytes on every host) and tabulates g and g' as cubic Hermite pieces on a uniform grid
// of [lo, lo + n dx], continued linearly beyond; activationOf reads the table (tableAt).
import { erf, tanh } from "./special";
import {
  EXPR_ABS, EXPR_ADD, EXPR_COS, EXPR_COSH, EXPR_DIV, EXPR_ERF, EXPR_EXP, EXPR_LOG, EXPR_MAX, EXPR_MIN,
  EXPR_MUL, EXPR_NEG, EXPR_NUM, EXPR_POW, EXPR_SIGMOID, EXPR_SIGN, EXPR_SIN, EXPR_SINH, EXPR_SOFTPLUS,
  EXPR_SQRT, EXPR_STACK, EXPR_STEP, EXPR_SUB, EXPR_TANH, EXPR_X,
} from "./params";

const STACK: usize = memory.data(EXPR_STACK * 8, 16);

/** Set by exprEval when a kink (abs, sign, step, max, min) was evaluated exactly at its tie. */
let tie = false;

// @ts-ignore: decorator
@inline
function sigmoid(u: f64): f64 {
  return 1.0 / (1.0 + Math.exp(-u));
}

// @ts-ignore: decorator
@inline
function stepOf(u: f64): f64 {
  if (u == 0.0) tie = true;
  return u > 0.0 ? 1.0 : u < 0.0 ? 0.0 : 0.5;
}

/** The value at x of the program of `len` (opcode, immediate) f64 pairs at prog (stack depth <= EXPR_STACK,
 * checked by the host). Sets `tie` when a kink is met at its tie. An opcode that is not an EXPR_ code traps. */
export function exprEval(prog: usize, len: i32, x: f64): f64 {
  let sp: usize = STACK; // next free slot
  for (let i = 0; i < len; i++) {
    const at = prog + (<usize>i << 4);
    const op = <i32>load<f64>(at);
    if (op == EXPR_NUM || op == EXPR_X) {
      store<f64>(sp, op == EXPR_X ? x : load<f64>(at, 8));
      sp += 8;
      continue;
    }
    if (op <= EXPR_POW || op >= EXPR_MAX) {
      sp -= 8;
      const b = load<f64>(sp);
      const a = load<f64>(sp - 8);
      let r: f64 = 0;
      switch (op) {
        case EXPR_ADD: r = a + b; break;
        case EXPR_SUB: r = a - b; break;
        case EXPR_MUL: r = a * b; break;
        case EXPR_DIV: r = a / b; break;
        case EXPR_POW: r = Math.pow(a, b); break;
        case EXPR_MAX: { if (a == b) tie = true; r = a > b ? a : b; break; }
        case EXPR_MIN: { if (a == b) tie = true; r = a < b ? a : b; break; }
        default: unreachable(); // an opcode without its case
      }
      store<f64>(sp - 8, r);
      continue;
    }
    const u = load<f64>(sp - 8);
    let r: f64 = 0;
    switch (op) {
      case EXPR_NEG: r = -u; break;
      case EXPR_EXP: r = Math.exp(u); break;
      case EXPR_LOG: r = Math.log(u); break;
      case EXPR_SQRT: r = Math.sqrt(u); break;
      case EXPR_ABS: { if (u == 0.0) tie = true; r = Math.abs(u); break; }
      case EXPR_TANH: r = tanh(u); break;
      case EXPR_SINH: r = Math.sinh(u); break;
      case EXPR_COSH: r = Math.cosh(u); break;
      case EXPR_SIN: r = Math.sin(u); break;
      case EXPR_COS: r = Math.cos(u); break;
      case EXPR_ERF: r = erf(u); break;
      case EXPR_SIGMOID: r = sigmoid(u); break;
      case EXPR_SOFTPLUS: r = Math.max(u, 0.0) + Math.log1p(Math.exp(-Math.abs(u))); break;
      case EXPR_SIGN: r = 2.0 * stepOf(u) - 1.0; break;
      case EXPR_STEP: r = stepOf(u); break;
      default: unreachable(); // an opcode without its case
    }
    store<f64>(sp - 8, r);
  }
  return load<f64>(STACK);
}

/** The value of a program at x for the host and tests (exprEval without the kink flag). */
export function exprAt(prog: usize, len: i32, x: f64): f64 {
  return exprEval(prog, len, x);
}

// A one-sided limit at x (side +1 from the right, -1 from the left) of a program that is smooth on that side:
// linear extrapolation from x + side eps and x + 2 side eps (error of order eps^2).
function oneSided(prog: usize, len: i32, x: f64, side: f64, eps: f64): f64 {
  return 2.0 * exprEval(prog, len, x + side * eps) - exprEval(prog, len, x + 2.0 * side * eps);
}

// @ts-ignore: decorator
@inline
function finite(x: f64): bool {
  return x - x == 0.0;
}

/**
 * Tabulates g (program g), g' (g1) and g'' (g2) on the nodes lo + j dx, j = 0..n, into out: per interval
 * [x_j, x_j + dx] the cubic Hermite coefficients (a0..a3) of g and (b0..b3) of g' in t = (x - x_j) / dx
 * (8 doubles), then the tail g(lo), g'(lo), g(hi), g'(hi) for the linear continuation. At a node where a
 * kink ties, g' and g'' are the one-sided limits of each side (each interval its own). Returns -1, or
 * 3 j + w for the first node j where g (w = 0), g' (1) or g'' (2) is not finite.
 */
export function tableBuild(
  g: usize, gLen: i32, g1: usize, g1Len: i32, g2: usize, g2Len: i32, lo: f64, dx: f64, n: i32, out: usize,
): i32 {
  const eps = dx * 1e-6;
  let v0: f64 = 0;
  let d0: f64 = 0; // g' at the previous node, from its right
  let s0: f64 = 0; // g'' likewise
  for (let j = 0; j <= n; j++) {
    const x = lo + <f64>j * dx;
    tie = false;
    const v = exprEval(g, gLen, x);
    let dL = exprEval(g1, g1Len, x);
    let sL = exprEval(g2, g2Len, x);
    let dR = dL;
    let sR = sL;
    if (tie) {
      dL = oneSided(g1, g1Len, x, -1.0, eps);
      sL = oneSided(g2, g2Len, x, -1.0, eps);
      dR = oneSided(g1, g1Len, x, 1.0, eps);
      sR = oneSided(g2, g2Len, x, 1.0, eps);
    }
    if (!finite(v)) return 3 * j;
    if (!finite(dL) || !finite(dR)) return 3 * j + 1;
    if (!finite(sL) || !finite(sR)) return 3 * j + 2;
    if (j > 0) {
      const p = out + (<usize>(j - 1) << 6);
      const m0 = dx * d0;
      const m1 = dx * dL;
      store<f64>(p, v0);
      store<f64>(p, m0, 8);
      store<f64>(p, 3.0 * (v - v0) - 2.0 * m0 - m1, 16);
      store<f64>(p, 2.0 * (v0 - v) + m0 + m1, 24);
      const q0 = dx * s0;
      const q1 = dx * sL;
      store<f64>(p, d0, 32);
      store<f64>(p, q0, 40);
      store<f64>(p, 3.0 * (dL - d0) - 2.0 * q0 - q1, 48);
      store<f64>(p, 2.0 * (d0 - dL) + q0 + q1, 56);
    }
    if (j == 0) {
      store<f64>(out + (<usize>n << 6), v);
      store<f64>(out + (<usize>n << 6), dR, 8);
    }
    if (j == n) {
      store<f64>(out + (<usize>n << 6), v, 16);
      store<f64>(out + (<usize>n << 6), dL, 24);
    }
    v0 = v;
    d0 = dR;
    s0 = sR;
  }
  return -1;
}

// The table in use (set by tableUse).
let TAB: usize = 0;
let tabN: i32 = 0;
let tabLo: f64 = 0;
let tabInvDx: f64 = 0;
let tabHi: f64 = 0;
/** g'(h) of the last tableAt() call. */
export let tabGp: f64 = 0;

/** Makes the table at ptr (tableBuild's layout: n intervals from lo, spacing 1 / invDx) the one tableAt reads. */
export function tableUse(ptr: usize, n: i32, lo: f64, invDx: f64): void {
  TAB = ptr;
  tabN = n;
  tabLo = lo;
  tabInvDx = invDx;
  tabHi = lo + <f64>n / invDx;
}

/** g(h) from the table (cubic Hermite inside, linear beyond); sets tabGp to g'(h). */
// @ts-ignore: decorator
@inline
export function tableAt(h: f64): f64 {
  const u = (h - tabLo) * tabInvDx;
  if (u >= 0.0 && u < <f64>tabN) {
    const i = <i32>u;
    const t = u - <f64>i;
    const p = TAB + (<usize>i << 6);
    tabGp = load<f64>(p, 32) + t * (load<f64>(p, 40) + t * (load<f64>(p, 48) + t * load<f64>(p, 56)));
    return load<f64>(p) + t * (load<f64>(p, 8) + t * (load<f64>(p, 16) + t * load<f64>(p, 24)));
  }
  const tail = TAB + (<usize>tabN << 6);
  if (u < 0.0) {
    tabGp = load<f64>(tail, 8);
    return load<f64>(tail) + tabGp * (h - tabLo);
  }
  tabGp = load<f64>(tail, 24); // h beyond hi, or NaN (which stays NaN)
  return load<f64>(tail, 16) + tabGp * (h - tabHi);
}
