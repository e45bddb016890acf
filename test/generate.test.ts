// The reverse-time sampler with the oracle denoiser gives back the data law; the data law's statistics;
// the SIMD build agrees with the scalar one; the grid's validation; `mcm generate` end to end.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config/schema.js";
import { loadKernels } from "../src/engine/kernels.js";
import { checkFamily, halfwayN, type SnapshotResult } from "../src/generate/experiment.js";
import { trainLevel } from "../src/generate/family.js";
import { dataStats, defaultLevels, parseLevels, samplerGrid } from "../src/generate/law.js";
import { createGenerator } from "../src/generate/sampler.js";
import { histogramV, sampleStats } from "../src/generate/stats.js";
import { openEnvelope, sealEnvelope } from "../src/io/envelope.js";
import { normCdf, normPdf, normQuantile } from "../src/theory/special.js";
import { renderHistogram } from "../src/web/histogram.js";

const scalar = await loadKernels(undefined, { flavour: "scalar" });

describe("sampling with the oracle denoiser", () => {
  // 500 levels: DDIM's first-order error shrinks Var(x.u) by about 2.4/500 ~ 0.5 % (0.03, half an SE).
  const grid = samplerGrid("vp", defaultLevels("vp", 500));
  for (const [correlation, sampler] of [
    ["independent", "ddim"],
    ["independent", "ddpm"],
    ["sign", "ddim"],
  ] as const) {
    it(`gives back the data law (${correlation} latents, ${sampler}): varU, exKurtV and E[(x.u)(x.v)] within 3 SE`, async () => {
      const config = resolveConfig({ d: 4, correlation });
      const gen = await createGenerator(config, 21, { kernels: scalar });
      const s = sampleStats(gen.sample({ grid, sampler, samples: 8000 }));
      const data = dataStats(config);
      for (const k of ["varU", "exKurtV", "uv", "varV"] as const) {
        const se = s.se[k] as number;
        expect(Math.abs(s[k] - data[k]), `${k}: ${s[k]} vs ${data[k]}, 3 SE = ${3 * se}`).toBeLessThan(3 * se);
      }
    });
  }

  it("a coarse grid is visibly worse (the test above can fail): 6 DDIM levels shrink varU by > 10 SE", async () => {
    const config = resolveConfig({ d: 4 });
    const gen = await createGenerator(config, 21, { kernels: scalar });
    const s = sampleStats(
      gen.sample({ grid: samplerGrid("vp", defaultLevels("vp", 6)), sampler: "ddim", samples: 8000 }),
    );
    expect(6 - s.varU).toBeGreaterThan(10 * (s.se.varU as number));
  });
});

describe("the data law's statistics", () => {
  it("match closed forms: exKurtV = -2 (betaV/(1+betaV))^2, uv (sign) and u2v (uncorrelated) for Rademacher nu", () => {
    const bU = 3;
    const bV = 4;
    const s = Math.sqrt(1 + bV);
    const sign = dataStats({ betaU: bU, betaV: bV, latent: "rademacher", correlation: "sign" });
    expect(sign.exKurtV).toBeCloseTo(-2 * (bV / (1 + bV)) ** 2, 12);
    expect(sign.uv).toBeCloseTo((Math.sqrt(bU * bV) * Math.sqrt(2 / Math.PI)) / s, 10);
    expect(sign.u2v).toBeCloseTo(0, 10);
    // nu = +1 iff |lambda| > theta: E[lambda^2 nu] = -1 + 2 E[lambda^2; |lambda| > theta] = -1 + 4 (Q + theta phi).
    const theta = normQuantile(0.75);
    const e = -1 + 4 * (1 - normCdf(theta) + theta * normPdf(theta));
    const unc = dataStats({ betaU: bU, betaV: bV, latent: "rademacher", correlation: "uncorrelated" });
    expect(unc.u2v).toBeCloseTo((bU * Math.sqrt(bV) * e) / s, 8);
    expect(unc.uv).toBeCloseTo(0, 10);
    const skew = dataStats({ betaU: bU, betaV: bV, latent: "skewed:0.2", correlation: "independent" });
    expect(skew.skewV).toBeCloseTo((bV / (1 + bV)) ** 1.5 * ((1 - 0.4) / Math.sqrt(0.16)), 10);
  });
});

describe("the sampler's builds", () => {
  it("SIMD and scalar kernels generate the same samples to rounding (oracle and a trained family, DDPM and Heun)", async () => {
    const simd = await loadKernels(undefined, { flavour: "simd" });
    const config = resolveConfig({
      d: 17,
      K: 2,
      correlation: "mixed:0.5",
      trainSkip: true,
      trainAmplitude: true,
      walkers: 1,
    });
    const levels = defaultLevels("vp", 6);
    const grid = samplerGrid("vp", levels);
    const family = { w: [] as number[], a: [] as number[], b: [] as number[] };
    for (let l = 0; l < levels.length; l++) {
      const run = await trainLevel(config, "5", l, levels[l], [300], { kernels: scalar });
      family.w.push(...run.snapshots[0].w);
      family.a.push(...run.snapshots[0].a);
      family.b.push(...run.snapshots[0].b);
    }
    const fam = { w: Float64Array.from(family.w), a: Float64Array.from(family.a), b: Float64Array.from(family.b) };
    const outs = [];
    for (const kernels of [scalar, simd]) {
      const gen = await createGenerator(config, 5, { kernels });
      outs.push([
        gen.sample({ grid, sampler: "ddpm", samples: 300 }),
        gen.sample({ grid, sampler: "ddpm", samples: 300, family: fam }),
        gen.sample({ grid, sampler: "heun", samples: 100 }),
        gen.sample({ grid, sampler: "heun", samples: 100, family: fam }),
      ]);
    }
    for (let j = 0; j < 4; j++) {
      let worst = 0;
      for (let i = 0; i < outs[0][j].length; i++) worst = Math.max(worst, Math.abs(outs[0][j][i] - outs[1][j][i]));
      expect(worst, `${j % 2 === 0 ? "oracle" : "trained"} ${j < 2 ? "ddpm" : "heun"}`).toBeLessThan(1e-9);
    }
  });
});

describe("levels and families", () => {
  it("rejects bad grids, naming the flag", () => {
    expect(() => parseLevels("0.1,0.5,0.3", "vp", "--levels")).toThrow(/--levels: .*strictly monotone/);
    expect(() => parseLevels("0,0.5", "vp", "--levels")).toThrow(/--levels: got t = 0, expected t > 0/);
    expect(() => parseLevels("0.5,1", "linear", "--levels")).toThrow(/t in \[0, 1\)/);
    expect(() => parseLevels("1", "vp", "--levels")).toThrow(/--levels: got 1/);
    expect(() => parseLevels("0.2,x", "vp", "--levels")).toThrow(/--levels/);
    // Noisiest first, whichever way the list runs: increasing t is noisier for vp, cleaner for linear.
    expect(parseLevels("0.1,0.2,0.4", "vp")).toEqual([0.4, 0.2, 0.1]);
    expect(parseLevels("0,0.5,0.9", "linear")).toEqual([0, 0.5, 0.9]);
  });

  it("a family whose configs differ in anything but t is refused, naming the field", () => {
    const a = resolveConfig({ t: 0.2 });
    expect(() => checkFamily([a, resolveConfig({ t: 0.7 })])).not.toThrow();
    expect(() => checkFamily([a, resolveConfig({ t: 0.7, betaV: 2 })])).toThrow(/^betaV: /);
  });
});

describe("histograms of x.v", () => {
  it("histogramV gives densities that integrate to the fraction of samples inside [lo, hi]", () => {
    const rows = new Float64Array([0, -3.9, 0, 0, 0, 0.1, 0, 0, 0, 5, 0, 0, 0, 0.2, 0, 0].map((x) => x));
    const h = histogramV(rows, 4, -4, 4, 8);
    expect(h.reduce((a, p) => a + p, 0) * 1).toBeCloseTo(3 / 4, 12);
    expect(h[0]).toBeCloseTo(1 / 4, 12);
    expect(h[4]).toBeCloseTo(2 / 4, 12);
  });

  it("the page's histogram has one bar per bin and the data density as a path", () => {
    const svg = renderHistogram({
      lo: -4,
      hi: 4,
      density: [0.1, 0.3, 0.2, 0],
      data: [
        { x: -4, density: 0 },
        { x: 0, density: 0.4 },
        { x: 4, density: 0 },
      ],
    });
    expect(svg.match(/class="bar"/g)).toHaveLength(4);
    expect(svg).toContain('<path d="M');
  });
});

describe("half-way n", () => {
  it("is the first n that covers half the gap to the oracle, null when the gap is within 3 SE", () => {
    const stat = (varU: number, exKurtV: number, se: number) => ({
      varU,
      exKurtV,
      varV: 1,
      skewV: 0,
      uv: 0,
      u2v: 0,
      samples: 100,
      se: { varU: se, exKurtV: se, varV: se, skewV: se, uv: se, u2v: se },
    });
    const snaps = [
      { n: 10, ...stat(1, 0, 0.01) },
      { n: 100, ...stat(2, -0.01, 0.01) },
      { n: 1000, ...stat(4, 0, 0.01) },
    ] as SnapshotResult[];
    const h = halfwayN(stat(5, -0.02, 0.01), snaps);
    expect(h.varU).toBe(1000);
    expect(h.exKurtV).toBeNull();
  });
});

describe("mcm generate", () => {
  const CLI = resolve("dist/cli/index.js");
  const mcm = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  const tmp = mkdtempSync(join(tmpdir(), "mcm-generate-"));
  const small = [
    "--d",
    "12",
    "--steps",
    "200",
    "--levels",
    "5",
    "--samples",
    "400",
    "--snapshots",
    "3",
    "--seed",
    "4",
    "-q",
  ];

  it("writes the oracle's, the data's and each snapshot's statistics; --resume keeps what was generated", () => {
    const out = join(tmp, "a");
    const r = mcm("generate", ...small, "--out", out, "--json");
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.data.varU).toBe(6);
    expect(doc.oracle.samples).toBe(400);
    expect(Number.isFinite(doc.oracle.varU) && doc.oracle.se.exKurtV > 0).toBe(true);
    expect(doc.snapshots.map((s: { n: number }) => s.n)).toEqual([1, 6, 200]);
    expect(doc.snapshots[2].samples).toBe(400);
    expect(readFileSync(join(out, "stats.svg"), "utf8")).toContain("<svg");
    // Every figure also as PNG (the bundled font: the same pixels on any machine).
    for (const f of ["stats.png", "histograms.png"])
      expect(readFileSync(join(out, f)).subarray(1, 4).toString()).toBe("PNG");
    // Interrupt after the first snapshot's statistics: resume finishes with the same numbers, and keeps
    // the oracle's saved statistics as they were (here marked, to see that they are not recomputed).
    // state.json is a checkpoint envelope (src/io/envelope.ts): edited here and sealed again.
    const statePath = join(out, "state.json");
    const { header, payload } = openEnvelope(new Uint8Array(readFileSync(statePath)), statePath, "generate");
    const state = JSON.parse(new TextDecoder().decode(payload));
    state.snapshots = state.snapshots.slice(0, 1);
    state.oracle.varU = 123;
    writeFileSync(statePath, sealEnvelope("generate", header, JSON.stringify(state)));
    rmSync(join(out, "generate.json"));
    const again = mcm("generate", "--resume", "--out", out, "--json", "-q");
    expect(again.status, again.stderr).toBe(0);
    const doc2 = JSON.parse(again.stdout);
    expect(doc2.oracle.varU).toBe(123);
    expect(doc2.snapshots.slice(1)).toEqual(doc.snapshots.slice(1));
    const changed = mcm("generate", "--resume", "--out", out, "--beta-v", "2", "-q");
    expect(changed.status).toBe(2);
    expect(changed.stderr).toMatch(/--beta-v: cannot be given with a resume/);
  });

  it("warns, naming the levels, when a noise-target unit's amplitude +1 repels u and v where -1 would attract; not at -1 or for x0", () => {
    const plus = mcm("generate", ...small, "--target", "noise", "--amplitude", "1", "--out", join(tmp, "plus"));
    expect(plus.status, plus.stderr).toBe(0);
    // The cleanest of the 5 levels (sigma / alpha = 0.01) repels a noise-predicting unit of either sign.
    expect(plus.stderr).toMatch(
      /warning: at 4 of 5 levels \(t = 4\.00, [0-9., ]+\) neither u nor v attracts a unit with amplitude 1 \(target noise\), while --amplitude -1 would attract them/,
    );
    for (const args of [["--target", "noise", "--amplitude", "-1"], []]) {
      const r = mcm("generate", ...small, ...args, "--out", join(tmp, `ok${args.length}`));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr, args.join(" ")).not.toMatch(/warning/);
    }
  });

  it("exits 2 on bad input, naming the flag, and 1 naming the level whose training diverged", () => {
    const bad = [
      [["--levels", "0.5,0.1,0.3"], /--levels/],
      [["--samples", "1"], /--samples/],
      [["--backend", "reduced"], /backend/],
    ] as const;
    for (const [args, re] of bad) {
      const r = mcm("generate", ...small, ...args, "--out", join(tmp, "bad"));
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(re);
    }
    const r = mcm("generate", ...small, "--lr", "1e30", "--out", join(tmp, "div"));
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/level 0 \(t = [0-9.]+\) diverged/);
    // What was done is kept: the oracle's statistics, in the checkpoint envelope.
    const path = join(tmp, "div", "state.json");
    const state = JSON.parse(
      new TextDecoder().decode(openEnvelope(new Uint8Array(readFileSync(path)), path, "generate").payload),
    );
    expect(state.oracle.samples).toBe(400);
  });
});
