// Linear controls, the predicted plateau and the named mixed terms (issue 15): a regime is labelled by what
// the same regime with a linear denoiser does; thresholds above the calculator's plateau are refused.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sweepFileFromFlags } from "../src/cli/commands/sweep.js";
import { ACTIVATIONS, resolveConfig } from "../src/config/schema.js";
import { createSimulation } from "../src/engine/simulation.js";
import { attachControls } from "../src/experiments/controls.js";
import { formatPhaseTable, phaseRows } from "../src/experiments/phase.js";
import { predictedPlateau, thresholdProblem } from "../src/experiments/plateau.js";
import { predictFromTheory } from "../src/experiments/predict.js";
import { runSweep } from "../src/experiments/sweep.js";
import { computeExponents } from "../src/theory/exponent.js";
import { populationLoss } from "../src/theory/loss.js";
import { namedMixedTerms } from "../src/theory/named-terms.js";
import { normPdf, normQuantile } from "../src/theory/special.js";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const mcm = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });

const C2 = { betaU: 5, betaV: 5, correlation: "uncorrelated", activation: "relu" } as const;

describe("predicted plateau", () => {
  it("of v in C2 (relu, uncorrelated) is the minimum of the loss along the sphere from u, found by a plain scan", () => {
    const p = predictedPlateau(resolveConfig(C2), "v");
    expect(p.learnable).toBe(true);
    // An independent search: the population loss on a 0.005 grid of alphaV along alphaU = sqrt(1 - alphaV^2).
    let best = { x: 0, loss: Number.POSITIVE_INFINITY };
    for (let x = 0; x <= 0.6; x += 0.005) {
      const loss = populationLoss(C2, { u: Math.sqrt(1 - x * x), v: x });
      if (loss < best.loss) best = { x, loss };
    }
    expect(Math.abs((p.value as number) - best.x)).toBeLessThan(0.005);
  });

  it("says v cannot be learned by a linear denoiser with uncorrelated latents, and can with sign latents", () => {
    expect(predictedPlateau(resolveConfig({ ...C2, activation: "linear" }), "v").learnable).toBe(false);
    const sign = predictedPlateau(resolveConfig({ correlation: "sign", activation: "linear" }), "v");
    expect(sign.learnable).toBe(true);
    // The loss minimum on the disk (the calculator's own 2-d search) is on the sphere here: the same point.
    const opt = computeExponents({ correlation: "sign", activation: "linear" }).optimum;
    expect(Math.abs((sign.value as number) - Math.abs(opt?.alphaV as number))).toBeLessThan(0.01);
  });

  it("flags a threshold above the reachable plateau, naming both plateaus, and accepts one below it (K = 1 only)", () => {
    // 0.15 is below the loss minimum 0.190 but above the finite-delta fixed point 0.142 that SGD reaches.
    expect(thresholdProblem(resolveConfig({ ...C2, threshold: 0.15 }), "v")).toMatch(
      /above the predicted plateau of \|w.v\| = 0\.142 \(reachable 0\.142 .*delta = 0\.5.*loss minimum 0\.190/,
    );
    expect(thresholdProblem(resolveConfig({ ...C2, threshold: 0.13 }), "v")).toBeNull();
    expect(thresholdProblem(resolveConfig({ ...C2, threshold: 0.5, K: 2 }), "v")).toBeNull();
    // Not learnable: never refused (it is run and reported as not learned).
    expect(thresholdProblem(resolveConfig({ ...C2, activation: "linear", threshold: 0.9 }), "v")).toBeNull();
  });

  it("mcm sweep refuses a threshold above the plateau with exit 2, naming the flag and the plateau", () => {
    const r = mcm([
      "sweep",
      "--d",
      "64,128",
      "--correlation",
      "uncorrelated",
      "--activation",
      "relu",
      "--directions",
      "v",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /--threshold: got 0\.5, above the predicted plateau of \|w\.v\| = 0\.142 \(reachable .*loss minimum 0\.190.*expected a number in \(0, 0\.142\]/,
    );
  });
});

describe("reachable plateau", () => {
  it("C2's |w.v| settles where the finite-delta ODE says (0.142), not at the loss minimum (0.190): reduced backend, d = 4096", async () => {
    const p = predictedPlateau(resolveConfig(C2), "v");
    expect(p.value as number).toBeGreaterThan(0.18);
    const reachable = p.reachable as number;
    expect(reachable).toBeGreaterThan(0.13);
    expect(reachable).toBeLessThan(0.15);
    // 16 walkers run 60 d steps (u escapes by about 10 d, v settles by about 20 d); the mean |w.v| over the
    // walkers at the end fluctuates by O(d^-1/2) per walker: at d = 4096 its standard error is below 0.005.
    const d = 4096;
    const sim = await createSimulation({ ...C2, d, walkers: 16, backend: "reduced" });
    sim.init(11);
    await sim.run(60 * d);
    const ov = sim.overlaps();
    const v = Array.from({ length: 16 }, (_, w) => Math.abs(ov[3 * w + 1]));
    const mean = v.reduce((a, x) => a + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (v.length - 1));
    const se = sd / Math.sqrt(v.length);
    expect(Math.abs(mean - reachable), `mean ${mean} +- ${se}`).toBeLessThan(Math.max(5 * se, 0.01));
    expect(Math.abs(mean - (p.value as number))).toBeGreaterThan(5 * se);
  });
});

describe("named mixed terms", () => {
  it("E[lambda nu] = sqrt(2/pi) for sign latents; E[lambda^2 nu] = 4 m phi(m), m = median |lambda|, for uncorrelated", () => {
    const sign = namedMixedTerms(computeExponents({ correlation: "sign" }, { optimum: false }));
    expect(sign[0].moment.value).toBeCloseTo(Math.sqrt(2 / Math.PI), 9);
    expect(sign[1].moment.value).toBe(0);
    const m = normQuantile(0.75);
    const unc = namedMixedTerms(computeExponents(C2, { optimum: false }));
    expect(unc[0].moment.value).toBe(0);
    expect(unc[1].moment.value).toBeCloseTo(4 * m * normPdf(m), 6);
  });

  it("alphaU alphaV scales with E[lambda nu] (mixed:0.5 gives half of sign); alphaU^2 alphaV needs a g that is not odd", () => {
    const term = (input: Record<string, unknown>, i: number) =>
      namedMixedTerms(computeExponents(input, { optimum: false }))[i].value;
    const full = term({ correlation: "sign" }, 0);
    expect(full).toBeLessThan(-0.1);
    expect(term({ correlation: "mixed:0.5" }, 0) / full).toBeCloseTo(0.5, 6);
    expect(term({ correlation: "uncorrelated", activation: "tanh" }, 1)).toBe(0);
    expect(term(C2, 1)).toBeLessThan(-0.1);
  });

  it("mcm exponent names both terms, and --help gives every activation's formula (erf is erf(h / sqrt 2))", () => {
    const r = mcm(["exponent", "--correlation", "uncorrelated", "--activation", "relu"]);
    expect(r.stdout).toMatch(/alphaU alphaV\s+0\s+E\[lambda nu\] = 0/);
    expect(r.stdout).toMatch(/alphaU\^2 alphaV\s+-3\.\d+e-1\s+E\[lambda\^2 nu\] = 0\.857/);
    const help = mcm(["exponent", "--help"]).stdout;
    for (const a of ACTIVATIONS) expect(help, a).toMatch(new RegExp(`^\\s+${a}\\s+g\\(h\\) = `, "m"));
    expect(help).toContain("erf(h / sqrt 2)");
  });
});

describe("mcm sweep --control", () => {
  it("linear adds linear to the activation axis (once); another value is refused with exit 2", () => {
    const flags = { d: "1024,2048", correlation: "uncorrelated", threshold: "0.126", directions: "v", seeds: "4" };
    expect(sweepFileFromFlags({ ...flags, activation: "relu", control: "linear" }).grid).toEqual({
      d: [1024, 2048],
      activation: ["relu", "linear"],
    });
    expect(sweepFileFromFlags({ ...flags, activation: "relu,linear", control: "linear" }).grid.activation).toEqual([
      "relu",
      "linear",
    ]);
    const r = mcm(["sweep", "--d", "64,128", "--control", "relu"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--control: got "relu", expected "linear"$/m);
  });
});

describe("linear controls", async () => {
  // C2 at small cost (reduced backend): relu learns v in linear time, the linear control stays censored.
  const c2 = await runSweep(
    {
      base: { ...C2, backend: "reduced", threshold: 0.126 },
      grid: { d: [1024, 2048], activation: ["relu", "linear"] },
      seeds: 8,
      steps: (c) => 100 * c.d,
      seed: 15,
      directions: ["v"],
    },
    { threads: 0 },
  );
  // C1 (sign latents, tanh): the linear control learns v through the covariance's cross term.
  const c1 = await runSweep(
    {
      base: { correlation: "sign", threshold: 0.25, backend: "reduced" },
      grid: { d: [256, 512], activation: ["tanh", "linear"] },
      seeds: 8,
      steps: (c) => 100 * c.d,
      seed: 15,
      directions: ["v"],
    },
    { threads: 0 },
  );

  it("C2: relu's row is 'cumulant learned' and its control 'not learned (predicted)', every control walker censored", () => {
    const rows = attachControls(phaseRows(c2, predictFromTheory), c2);
    const relu = rows.find((r) => r.label === "activation=relu");
    const linear = rows.find((r) => r.label === "activation=linear");
    expect(relu?.verdict).toBe("cumulant learned");
    expect(relu?.measured).not.toBeNull();
    expect(relu?.control?.learns).toBe(false);
    expect(relu?.control?.predictedNever).toBe(true);
    expect(relu?.control?.censoring.map((c) => c.censored)).toEqual([8, 8]);
    expect(linear?.verdict).toBe("control");
    expect(linear?.note).toMatch(/^not learned \(predicted\): 8\/8 censored at d = 2048/);
    expect(formatPhaseTable(rows, 1000)).toMatch(
      /not learned \(predicted\): 8\/8 censored at d = 2048\s+cumulant learned/,
    );
    // In 100 columns: a block per row, a labelled line per column, no line over 100 characters here.
    const blocks = formatPhaseTable(rows);
    expect(blocks).toMatch(
      /\n {2}linear control {14}not learned \(predicted\): 8\/8 censored at d = 2048\n {2}verdict {21}cumulant learned/,
    );
    for (const l of blocks.split("\n")) expect(l.length, l).toBeLessThanOrEqual(100);
  });

  it("C1: the linear control learns v too, so the tanh row is 'covariance-mediated'", () => {
    const rows = attachControls(phaseRows(c1, predictFromTheory), c1);
    const tanh = rows.find((r) => r.label === "activation=tanh");
    expect(tanh?.control?.learns).toBe(true);
    expect(tanh?.control?.censoring.map((c) => c.censored)).toEqual([0, 0]);
    expect(tanh?.verdict).toBe("covariance-mediated");
  });
});
