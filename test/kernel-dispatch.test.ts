// The kernels' enum dispatches held against the host: every activation code's g and g' against the theory's
// (src/theory/loss.ts), every latent law and coupling's moments against the law's exact values, and a trap
// for a code that has no case. The scalar build is the reference; the SIMD build must give the same bits.
import { describe, expect, it } from "vitest";
import { ACT_CODE } from "../src/config/model.js";
import * as abi from "../src/engine/abi.js";
import { type KernelExports, loadKernels, simdSupported } from "../src/engine/kernels.js";
import { createSimulation, type Simulation } from "../src/engine/simulation.js";
import { TABLE_TOLERANCE } from "../src/engine/table.js";
import { OPT_ADAM, Q_OPT } from "../src/experiments/images/abi.js";
import { arenaFor, configureNet, netLayout } from "../src/experiments/images/layout.js";
import { loadImagesKernels } from "../src/images/kernels.js";
import { activationDerivative, activationValue } from "../src/theory/loss.js";
import { normCdf, normPdf, normQuantile } from "../src/theory/special.js";

const EPS = 2 ** -52;
const scalarKernels = loadKernels(undefined, { flavour: "scalar" });
const simdKernels = simdSupported() ? loadKernels(undefined, { flavour: "simd" }) : null;

/** Whether two arrays hold the same bits. */
const sameBits = (a: Float64Array, b: Float64Array) =>
  Buffer.compare(
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
    new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;

/** Distance in units in the last place of ref. */
const ulps = (x: number, ref: number) =>
  x === ref ? 0 : Math.abs(x - ref) / 2 ** (Math.max(Math.floor(Math.log2(Math.abs(ref))), -1022) - 52);

// Pre-activations: a dense grid of [-12, 12] off the integers, both sides of the kernels' switch points
// (tanh at |h| = 0.55; erf(h / sqrt 2) at |h / sqrt 2| = 1.5, 2 and 6), zeros and far tails.
const GRID: number[] = [0, -0, 1e-300, -1e-300, 1e-8, 40, -40, 1e3];
for (let i = -2400; i <= 2400; i++) GRID.push(i / 200 + 0.0031);
for (const s of [0.55, 1.5 * Math.SQRT2, 2 * Math.SQRT2, 6 * Math.SQRT2]) {
  for (const t of [s * (1 - EPS), s, s * (1 + 2 * EPS)]) GRID.push(t, -t);
}

/** Each built-in activation's tolerance on g and on g' against the host, and why. */
const TOLERANCE: Record<
  keyof typeof ACT_CODE,
  { g: (k: number, h: number) => boolean; gp: (k: number, h: number) => boolean; why: string }
> = {
  tanh: {
    g: (k, h) => ulps(k, h) <= 3,
    gp: (k, h) => Math.abs(k - h) <= 1e-15,
    why: "g within 3 ulp (the kernel's tanh is within 2 ulp, V8's fdlibm tanh within 1); g' = 1 - g^2 then within 2 |g| 3 ulp(1) + 1 ulp(1) < 1e-15 absolute",
  },
  erf: {
    g: (k, h) => Math.abs(k - h) <= 4e-15,
    gp: (k, h) => Math.abs(k - h) <= 4 * EPS * h,
    why: "g within 4e-15 absolute (each side's erf is within 2e-15 of the C library's, test/special.test.ts); g' relative 4 ulp (each exp within 1 ulp, one product each)",
  },
  relu: { g: (k, h) => Object.is(k, h), gp: (k, h) => Object.is(k, h), why: "the same IEEE operations: bit-identical" },
  sign: { g: (k, h) => Object.is(k, h), gp: (k, h) => Object.is(k, h), why: "the same IEEE operations: bit-identical" },
  linear: {
    g: (k, h) => Object.is(k, h),
    gp: (k, h) => Object.is(k, h),
    why: "the same IEEE operations: bit-identical",
  },
  he3: { g: (k, h) => Object.is(k, h), gp: (k, h) => Object.is(k, h), why: "the same IEEE operations: bit-identical" },
};

/** g and g' over GRID from activationAt(code) of a kernel instance. */
function kernelCurve(ex: KernelExports, code: number): Float64Array {
  const out = new Float64Array(2 * GRID.length);
  GRID.forEach((h, i) => {
    out[2 * i] = ex.activationAt(code, h);
    out[2 * i + 1] = ex.lastDerivative();
  });
  return out;
}

const codesNamed = (prefix: string) =>
  Object.entries(abi)
    .filter(([name]) => name.startsWith(prefix))
    .map(([, code]) => code as number)
    .sort((a, b) => a - b);

describe("activations: each kernel code against the host's g and g'", async () => {
  const scalar = await (await scalarKernels).instantiate();
  const simd = simdKernels ? await (await simdKernels).instantiate() : null;

  it("every ACT_ code is a built-in here or the formula table (ACT_TABLE), so none goes untested", () => {
    const covered = [...Object.values(ACT_CODE), abi.ACT_TABLE].sort((a, b) => a - b);
    expect(covered).toEqual(codesNamed("ACT_"));
  });

  for (const [name, code] of Object.entries(ACT_CODE) as [keyof typeof ACT_CODE, number][]) {
    const tol = TOLERANCE[name];
    it(`${name} (code ${code}): ${tol.why}; the SIMD build's bits equal the scalar's`, () => {
      const k = kernelCurve(scalar, code);
      const bad: string[] = [];
      GRID.forEach((h, i) => {
        const g = activationValue(name, h);
        const gp = activationDerivative(name, h);
        if (!tol.g(k[2 * i], g)) bad.push(`g(${h}) = ${k[2 * i]}, host ${g}`);
        if (!tol.gp(k[2 * i + 1], gp)) bad.push(`g'(${h}) = ${k[2 * i + 1]}, host ${gp}`);
      });
      expect(bad.slice(0, 5)).toEqual([]);
      if (simd) expect(sameBits(kernelCurve(simd, code), k)).toBe(true);
    });
  }

  for (const name of ["gelu", "silu", "softplus"]) {
    it(`${name} (ACT_TABLE, a named formula): the kernel's table within 2 TABLE_TOLERANCE max(1, |f|) of the host's formula`, async () => {
      // The build checks the cubic Hermite error at mid-interval, where it peaks, against TABLE_TOLERANCE; the
      // factor 2 leaves room for the error's variation across an interval and the two sides' math (a few ulp).
      const sim = await createSimulation({ activation: name, walkers: 1, d: 16 }, { kernels: await scalarKernels });
      const range = sim.model.table?.range ?? 0;
      expect(range).toBeGreaterThan(0);
      let worst = 0;
      for (const h of GRID.filter((x) => Math.abs(x) <= range)) {
        const g = sim.exports.activationAt(abi.ACT_TABLE, h);
        const gp = sim.exports.lastDerivative();
        worst = Math.max(worst, Math.abs(g - activationValue(name, h)) / Math.max(1, Math.abs(g)));
        worst = Math.max(worst, Math.abs(gp - activationDerivative(name, h)) / Math.max(1, Math.abs(gp)));
      }
      expect(worst).toBeLessThan(2 * TABLE_TOLERANCE);
    });
  }
});

// The latent laws (docs/model.md section 2): nu two-point with P(nu = hi) = p, hi = sqrt((1 - p) / p),
// lo = -sqrt(p / (1 - p)), or uniform on [-sqrt 3, sqrt 3]; coupled to lambda ~ N(0, 1) independently,
// comonotone (sign: nu = Q(Phi(lambda))), through |lambda| (uncorrelated: nu = Q(2 Phi(|lambda|) - 1)), or
// mixed:q (comonotone with probability q, else independent).
interface Law {
  latent: string;
  p: number; // two-point p; NaN for uniform
}
const LAWS: Law[] = [
  { latent: "rademacher", p: 0.5 },
  { latent: "skewed:0.2", p: 0.2 },
  { latent: "uniform", p: Number.NaN },
];
const COUPLINGS = ["independent", "sign", "mixed:0.3", "uncorrelated"];
const N = 200_000;

/** E[nu^k]. */
function nuMoment(law: Law, k: number): number {
  const { p } = law;
  if (Number.isNaN(p)) return k % 2 === 1 ? 0 : 3 ** (k / 2) / (k + 1);
  return p * ((1 - p) / p) ** (k / 2) + (1 - p) * (-Math.sqrt(p / (1 - p))) ** k;
}

/** The quantile function Q of nu's law at u in [0, 1). */
function nuQuantile(law: Law, u: number): number {
  const { p } = law;
  if (Number.isNaN(p)) return Math.sqrt(3) * (2 * u - 1);
  return u >= 1 - p ? Math.sqrt((1 - p) / p) : -Math.sqrt(p / (1 - p));
}

/** E[lambda nu] in closed form. */
function crossMoment(law: Law, coupling: string): number {
  const { p } = law;
  const comonotone = Number.isNaN(p) ? Math.sqrt(3 / Math.PI) : normPdf(normQuantile(1 - p)) / Math.sqrt(p * (1 - p));
  if (coupling === "sign") return comonotone;
  if (coupling.startsWith("mixed:")) return Number(coupling.slice(6)) * comonotone;
  return 0;
}

/** E[|lambda| nu] for the uncorrelated coupling, in closed form. */
function absCrossMoment(law: Law): number {
  const { p } = law;
  if (Number.isNaN(p)) return ((2 * Math.sqrt(3)) / Math.sqrt(Math.PI)) * (1 - Math.SQRT1_2);
  const a = normQuantile(1 - p / 2);
  return 2 * normPdf(a) * Math.sqrt((1 - p) / p) - 2 * (normPdf(0) - normPdf(a)) * Math.sqrt(p / (1 - p));
}

/** E[lambda^2 nu^2] (for the standard errors of the cross moments) by the midpoint rule over lambda. */
function lambda2nu2(law: Law, coupling: string): number {
  const dependent = (nuOf: (l: number) => number) => {
    let s = 0;
    const h = 1e-3;
    for (let l = -12 + h / 2; l < 12; l += h) s += normPdf(l) * l * l * nuOf(l) ** 2 * h;
    return s;
  };
  const sign = () => dependent((l) => nuQuantile(law, normCdf(l)));
  if (coupling === "independent") return 1;
  if (coupling === "sign") return sign();
  if (coupling === "uncorrelated") return dependent((l) => nuQuantile(law, 2 * normCdf(Math.abs(l)) - 1));
  const q = Number(coupling.slice(6));
  return q * sign() + (1 - q);
}

const mean = (n: number, f: (i: number) => number) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s / n;
};

describe("latent samplers: moments against the law's exact values (seed 11, 2e5 draws, 5 standard errors)", async () => {
  const scalar = await scalarKernels;
  const simd = await simdKernels;

  it("every LATENT_ and CORR_ code is one of the laws sampled here", () => {
    expect(codesNamed("LATENT_")).toEqual([abi.LATENT_TWO_POINT, abi.LATENT_UNIFORM]);
    expect(codesNamed("CORR_")).toEqual([abi.CORR_INDEPENDENT, abi.CORR_SIGN, abi.CORR_MIXED, abi.CORR_UNCORRELATED]);
  });

  for (const law of LAWS) {
    for (const coupling of COUPLINGS) {
      it(`${law.latent}, ${coupling}: E nu, E nu^2, E nu^3, E nu^4, E lambda nu${coupling === "uncorrelated" ? ", E |lambda| nu" : ""}`, async () => {
        const draw = async (kernels: typeof scalar) => {
          const sim: Simulation = await createSimulation(
            { d: 2, walkers: 1, latent: law.latent, correlation: coupling },
            { kernels },
          );
          sim.init(11);
          return sim.sample(N);
        };
        const { lambda, nu } = await draw(scalar);
        if (simd) {
          const s = await draw(simd);
          expect(sameBits(s.nu, nu) && sameBits(s.lambda, lambda)).toBe(true);
        }
        const m = [0, 1, 2, 3, 4, 6, 8].map((k) => nuMoment(law, k));
        const [, m1, m2, m3, m4, m6, m8] = m;
        // Each check: |sample mean - exact| <= 5 sqrt(Var / N) (+ rounding for a degenerate variance, e.g.
        // nu^2 = 1 for Rademacher), Var from the law's higher moments.
        const check = (what: string, got: number, exact: number, variance: number) => {
          const bound = 5 * Math.sqrt(Math.max(variance, 0) / N) + 1e-12;
          expect(Math.abs(got - exact), `${what}: ${got} vs ${exact}, bound ${bound}`).toBeLessThanOrEqual(bound);
        };
        check(
          "E nu",
          mean(N, (i) => nu[i]),
          m1,
          m2 - m1 * m1,
        );
        check(
          "E nu^2",
          mean(N, (i) => nu[i] ** 2),
          m2,
          m4 - m2 * m2,
        );
        check(
          "E nu^3",
          mean(N, (i) => nu[i] ** 3),
          m3,
          m6 - m3 * m3,
        );
        check(
          "E nu^4",
          mean(N, (i) => nu[i] ** 4),
          m4,
          m8 - m4 * m4,
        );
        check(
          "E lambda^2",
          mean(N, (i) => lambda[i] ** 2),
          1,
          2,
        );
        const c = crossMoment(law, coupling);
        const l2n2 = lambda2nu2(law, coupling);
        check(
          "E lambda nu",
          mean(N, (i) => lambda[i] * nu[i]),
          c,
          l2n2 - c * c,
        );
        if (coupling === "uncorrelated") {
          const a = absCrossMoment(law);
          check(
            "E |lambda| nu",
            mean(N, (i) => Math.abs(lambda[i]) * nu[i]),
            a,
            l2n2 - a * a,
          );
        }
      });
    }
  }
});

describe("a code without its case traps (WebAssembly.RuntimeError) instead of computing another code's result", async () => {
  const kernels = await scalarKernels;
  const BAD = [99, -1];

  /** A fresh simulation whose parameter block's `slot` is set to `code`, then configure()d. */
  async function withCode(slot: number, code: number) {
    const sim = await createSimulation({ d: 4, walkers: 1 }, { kernels });
    sim.init(1);
    const { arena, layout, exports } = sim;
    const block = arena.readF64(layout.params, abi.P_COUNT);
    block[slot] = code;
    arena.writeF64(layout.params, block);
    return { exports, layout, configure: () => exports.configure(layout.params) };
  }

  it("an activation code (activationAt)", async () => {
    const ex = await kernels.instantiate();
    expect(ex.activationAt(abi.ACT_HE3, 2)).toBe(1 / 3);
    for (const code of BAD) expect(() => ex.activationAt(code, 2)).toThrow(WebAssembly.RuntimeError);
  });

  for (const [name, slot, valid] of [
    ["latent law", abi.P_LATENT, abi.LATENT_UNIFORM],
    ["coupling", abi.P_CORR, abi.CORR_UNCORRELATED],
  ] as const) {
    it(`a ${name} code: drawing a sample traps`, async () => {
      const ok = await withCode(slot, valid);
      ok.configure();
      expect(() => ok.exports.sampleBatch(ok.layout.rngTrain, ok.layout.x0, ok.layout.xi, 1)).not.toThrow();
      for (const code of BAD) {
        const bad = await withCode(slot, code);
        bad.configure();
        expect(() => bad.exports.sampleBatch(bad.layout.rngTrain, bad.layout.x0, bad.layout.xi, 1)).toThrow(
          WebAssembly.RuntimeError,
        );
      }
    });
  }

  it("a target code: configure() traps", async () => {
    expect((await withCode(abi.P_TARGET, abi.TARGET_NOISE)).configure).not.toThrow();
    for (const code of BAD) expect((await withCode(abi.P_TARGET, code)).configure).toThrow(WebAssembly.RuntimeError);
  });

  it("a spikes code (initSpikes), a family or a sampler code (generate)", async () => {
    const { exports, layout, configure } = await withCode(abi.P_D, 4);
    configure();
    expect(() => exports.initSpikes(layout.rngTrain, abi.SPIKES_BASIS)).not.toThrow();
    for (const code of BAD) {
      expect(() => exports.initSpikes(layout.rngTrain, code)).toThrow(WebAssembly.RuntimeError);
      // n = 0 samples: a valid call decodes its codes and does nothing else.
      const gen = (sampler: number, family: number) => () =>
        exports.generate(layout.rngTrain, 0, layout.x0, 0, sampler, family, 0, 0, 0, layout.xi);
      expect(gen(abi.SAMPLER_HEUN, abi.FAMILY_ORACLE)).not.toThrow();
      expect(gen(code, abi.FAMILY_ORACLE)).toThrow(WebAssembly.RuntimeError);
      expect(gen(abi.SAMPLER_DDIM, code)).toThrow(WebAssembly.RuntimeError);
    }
  });

  it("a formula opcode (exprAt)", async () => {
    const { exports, layout } = await withCode(abi.P_D, 4);
    const prog = layout.x0;
    const run = (...code: number[]) => {
      new Float64Array(exports.memory.buffer, prog, code.length).set(code);
      return exports.exprAt(prog, code.length / 2, 0.5);
    };
    expect(run(abi.EXPR_X, 0, abi.EXPR_EXP, 0)).toBeCloseTo(Math.exp(0.5), 15);
    for (const code of BAD) {
      expect(() => run(abi.EXPR_X, 0, code, 0)).toThrow(WebAssembly.RuntimeError);
      expect(() => run(abi.EXPR_X, 0, abi.EXPR_X, 0, code, 0)).toThrow(WebAssembly.RuntimeError);
    }
  });

  it("an optimiser code of the images kernels (train)", async () => {
    const ex = await (await loadImagesKernels("scalar")).instantiate();
    const arena = arenaFor(ex);
    const shape = { d: 3, K: 2, batch: 2, nTrain: 4 };
    const lay = netLayout(ex.heapBase(), shape, ex.paramCount(shape.d, shape.K));
    const net = { ...shape, tied: true, act: abi.ACT_TANH, alpha: 0.8, sigma: 0.6, adam: false, lr: 0.01 };
    configureNet(ex, arena, lay, { ...net, beta1: 0.9, beta2: 0.999, trainSkip: true });
    ex.seedStream(lay.rng, 0, 3, 1, 0);
    const block = arena.f64(lay.params, Q_OPT + 1);
    block[Q_OPT] = OPT_ADAM;
    ex.configure(lay.params);
    expect(() => ex.train(1)).not.toThrow();
    for (const code of BAD) {
      arena.f64(lay.params, Q_OPT + 1)[Q_OPT] = code;
      ex.configure(lay.params);
      expect(() => ex.train(1)).toThrow(WebAssembly.RuntimeError);
    }
  });
});
