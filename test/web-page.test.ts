// The page's logic without a browser: form validation (errors by field), the statistics it plots, the
// chart markup, the prediction slot and the bit-exact hex encoding used to compare with Node.
import { describe, expect, it } from "vitest";
import { MODEL_FLAGS, RUN_FLAGS, resolveRunOptions } from "../src/cli/options.js";
import { PROCESSES } from "../src/config/process.js";
import { FIELDS, PAGE_CONFIG, readForm, shownErrors } from "../src/web/form.js";
import { renderChart, xDomain } from "../src/web/plot.js";
import { predictionText } from "../src/web/prediction.js";
import { float64Hex, float64HexList } from "../src/web/protocol.js";
import { overlapQuartiles } from "../src/web/stats.js";

const initial = (): Record<string, string> => Object.fromEntries(FIELDS.map((f) => [f.name, f.initial]));
/** The page's initial values as `mcm run` flags (commander's attributes). */
const DEFAULT_FLAGS = { d: "128", seed: "1", steps: "12800", walkers: "16" };

describe("page form", () => {
  it("accepts its initial values and resolves them to the defaults of docs/model.md plus the page's own", () => {
    const r = readForm(initial());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.run.config).toMatchObject({ d: 128, K: 1, process: "vp", t: 0.5, betaU: 5, betaV: 5, betaM: 0 });
    expect(r.run.config.logPerDecade).toBe(PAGE_CONFIG.logPerDecade);
    expect(r.run.seed).toBe("1");
  });

  it("names every invalid field at once with the value and the accepted range", () => {
    const r = readForm({ ...initial(), d: "abc", t: "", activation: "softmax", steps: "30*d^", seed: "-3" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byField = Object.fromEntries(r.errors.map((e) => [e.field, e.message]));
    expect(byField.d).toBe('d: got "abc", expected an integer in [2, 1000000]');
    expect(byField.t).toBe('t: got "", expected a finite number');
    expect(byField.activation).toMatch(/^activation: got "softmax", expected one of "tanh"/);
    // While d is invalid the steps expression's syntax is still checked.
    expect(byField.steps).toMatch(
      /^steps: expected a number, d, .* found end of expression at position 6 in "30\*d\^"/,
    );
    expect(byField.seed).toBe(
      'seed: got "-3", expected an integer in [0, 2^64 - 1] (write seeds above 2^53 - 1 as strings)',
    );
  });

  it("reports cross-field errors (t out of range for the process, a mean spike with d < 3) on the right field", () => {
    const t = readForm({ ...initial(), process: "linear", t: "2" });
    expect(t.ok ? [] : t.errors).toEqual([
      { field: "t", message: 't: got 2, expected a number in [0, 1] for process "linear"' },
    ]);
    // ... also while another field is invalid.
    const both = readForm({ ...initial(), process: "linear", t: "2", d: "abc" });
    expect(both.ok ? [] : both.errors.map((e) => e.field).sort()).toEqual(["d", "t"]);
    const m = readForm({ ...initial(), d: "2", betaM: "1" });
    expect(m.ok ? [] : m.errors.map((e) => e.field)).toEqual(["betaM"]);
  });

  it("words each error as `mcm run` does for the same text given to the field's flag", () => {
    const cases: [string, string][] = [
      ["d", "abc"],
      ["d", "1"],
      ["K", "2.5"],
      ["process", "vq"],
      ["t", "nan"],
      ["betaU", "-1"],
      ["latent", "skewed:1"],
      ["correlation", "mixed:2"],
      ["activation", "softmax"],
      ["delta", "0"],
      ["lrExponent", "5"],
      ["walkers", "0"],
      ["seed", "18446744073709551616"],
      ["steps", "0"],
      ["steps", "log(d"],
    ];
    for (const [field, text] of cases) {
      const r = readForm({ ...initial(), [field]: text });
      const page = r.ok ? [] : r.errors;
      const flag = ({ K: "units", delta: "lr" } as Record<string, string>)[field] ?? field;
      let cli = "";
      try {
        resolveRunOptions({ ...DEFAULT_FLAGS, [flag]: text });
      } catch (e) {
        cli = (e as Error).message;
      }
      expect(cli, `${field} = ${text}`).not.toBe("");
      expect(page, `${field} = ${text}`).toEqual([{ field, message: cli }]);
    }
  });

  it("takes its labels, help, ranges and choices from the schema the CLI's flags come from", () => {
    const byName = Object.fromEntries(FIELDS.map((f) => [f.name, f]));
    const help = (flag: string) =>
      MODEL_FLAGS.find((f) => f.flag === flag)?.help ?? RUN_FLAGS.find((f) => f.flag === flag)?.help;
    expect(byName.d.title).toBe(help("--d"));
    expect(byName.K.title).toBe(help("--units"));
    expect(byName.seed.title).toBe(help("--seed"));
    expect(byName.steps.title).toBe(help("--steps"));
    expect(byName.process).toMatchObject({ kind: "select", options: [...PROCESSES] });
    expect(byName.betaU.label).toBe("βu");
    expect(byName.activation.suggestions).toEqual(expect.arrayContaining(["tanh", "gelu"]));
    // A steps expression in d, as `mcm run --steps` takes it.
    const r = readForm({ ...initial(), d: "64", steps: "50*d*log(d)" });
    expect(r.ok && r.run.steps).toBe(Math.round(50 * 64 * Math.log(64)));
    const capped = readForm({ ...initial(), steps: "1e13" });
    expect(capped.ok ? [] : capped.errors.map((e) => e.field)).toEqual(["steps"]);
  });

  it("accepts seeds up to 2^64 - 1 as exact decimal strings and steps in exponent notation", () => {
    const r = readForm({ ...initial(), seed: "18446744073709551615", steps: "1e5" });
    expect(r.ok && r.run.seed).toBe("18446744073709551615");
    expect(r.ok && r.run.steps).toBe(100000);
    const over = readForm({ ...initial(), seed: "18446744073709551616" });
    expect(over.ok ? [] : over.errors.map((e) => e.field)).toEqual(["seed"]);
  });
});

describe("page failures", () => {
  it("a run's failure stays shown through the re-validation after the run (it was written, then cleared)", () => {
    const valid = readForm(initial());
    const formErrors = valid.ok ? [] : valid.errors;
    const failure = { field: "", message: "kernel failed: out of memory" };
    // finish() re-validates the unchanged form: the failure must survive it.
    expect(shownErrors(formErrors, failure)).toEqual([failure]);
    const onField = { field: "d", message: "d: too large for this browser" };
    expect(shownErrors(formErrors, onField)).toEqual([onField]);
    // Once the person edits the form the page drops the failure (null): only the form's errors remain.
    const edited = readForm({ ...initial(), d: "abc" });
    const errors = edited.ok ? [] : edited.errors;
    expect(shownErrors(errors, null)).toEqual(errors);
    // A field the form itself flags shows the form's message, not the older failure's.
    expect(shownErrors(errors, onField).filter((e) => e.field === "d")).toEqual(errors);
  });
});

describe("page statistics", () => {
  it("overlapQuartiles takes the best unit's |overlap| per walker, then quartiles over walkers", () => {
    // walkers = 3, K = 2, last axis (u, v, m)
    const ovl = [0.1, -0.9, 0, -0.5, 0.2, 0, 0.3, 0.1, 0, 0.2, -0.4, 0, -0.7, 0.05, 0, 0.6, 0.3, 0];
    const [u, v, m] = overlapQuartiles(ovl, 3, 2);
    expect(u.median).toBeCloseTo(0.5, 15); // best units: 0.5, 0.3, 0.7
    expect(v.median).toBeCloseTo(0.4, 15); // 0.9, 0.4, 0.3
    expect(u.q1).toBeCloseTo(0.4, 15);
    expect(v.q3).toBeCloseTo(0.65, 15);
    expect(m.median).toBe(0);
    expect(() => overlapQuartiles(ovl, 2, 2)).toThrow("got 18 values, expected walkers * K * 3 = 12");
  });
});

describe("page chart", () => {
  const series = {
    u: [1, 2, 4, 8].map((n, i) => ({ nOverD: n, q1: 0.1 * i, median: 0.15 * i, q3: 0.2 * i })),
    v: [1, 2, 4, 8].map((n) => ({ nOverD: n, q1: 0.01, median: 0.02, q3: 0.03 })),
  };

  it("draws a median line and a quartile band per direction on a log axis spanning 1/d to steps/d", () => {
    const svg = renderChart({ d: 100, steps: 1000, current: 400, threshold: 0.5, series });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/class="median" data-direction="u" data-points="4"/g)).toHaveLength(1);
    expect(svg.match(/class="band" data-direction="v"/g)).toHaveLength(1);
    expect(svg).toContain('class="cursor"');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    expect(xDomain(100, 1000)).toEqual([-2, 1]);
    // A one-step run still gets a decade of axis.
    const [lo, hi] = xDomain(10, 1);
    expect(hi - lo).toBeCloseTo(1, 12);
  });

  it("places prediction markers inside the axis and drops those outside", () => {
    const markers = [
      { direction: "u" as const, nOverD: 3, label: "u" },
      { direction: "v" as const, nOverD: 1e6, label: "v" },
    ];
    const svg = renderChart({ d: 100, steps: 1000, current: null, threshold: 0.5, series, markers });
    expect(svg.match(/class="marker"/g)).toHaveLength(1);
    expect(svg).toContain('data-direction="u"/>');
  });
});

describe("page prediction slot", () => {
  const config = (() => {
    const r = readForm(initial());
    if (!r.ok) throw new Error("initial values invalid");
    return r.run.config;
  })();

  it('shows "(not available)" without a predictor, the predictor\'s text with one, and its error if it throws', () => {
    expect(predictionText(null, config).text).toBe("prediction: (not available)");
    const p = predictionText(() => ({ text: "k_u = 2, k_v = 4", markers: [] }), config);
    expect(p.text).toBe("prediction: k_u = 2, k_v = 4");
    expect(p.prediction?.markers).toEqual([]);
    expect(
      predictionText(() => {
        throw new Error("no quadrature");
      }, config).text,
    ).toBe("prediction: failed (no quadrature)");
  });
});

describe("float64Hex", () => {
  it("encodes the IEEE-754 bits, so equal strings mean bit-identical doubles", () => {
    expect(float64Hex(1)).toBe("3ff0000000000000");
    expect(float64Hex(-0)).toBe("8000000000000000");
    expect(float64Hex(0)).toBe("0000000000000000");
    expect(float64Hex(Number.MIN_VALUE)).toBe("0000000000000001");
    expect(float64HexList(new Float64Array([-2, 0.5]))).toBe("c000000000000000,3fe0000000000000");
  });
});

describe("page predictor (the exponent calculator)", () => {
  it("states k_u = 2 and k_v = 4 at the defaults, and its u marker is within a factor 3 of the measured median hitting time", async () => {
    const { pagePredict: predict } = await import("../src/web/prediction.js");
    const { resolveConfig } = await import("../src/config/schema.js");
    const { createSimulation } = await import("../src/engine/simulation.js");
    const config = resolveConfig({});
    const p = predict?.(config);
    expect(p?.text).toMatch(/k_u = 2 \(n ~ d log d, p = 1\); k_v = 4 \(n ~ d\^3, p = 2\)/);
    // One unit learns u first; from there v is repelled (as mcm predict and the phase summary say).
    expect(p?.text).toMatch(/; v once u is learned: repelled \(k = 2\), never$/);
    expect(predict?.({ ...config, betaU: 0 })?.text).not.toMatch(/once u is learned/);
    const marker = p?.markers?.find((m) => m.direction === "u");
    expect(marker).toBeDefined();
    const sim = await createSimulation(config);
    sim.init(7);
    await sim.run(50 * config.d);
    const hits = [...sim.hits()].filter((_, i) => i % 3 === 0).sort((a, b) => a - b);
    const median = (hits[3] + hits[4]) / 2 / config.d;
    const ratio = median / (marker?.nOverD ?? Number.NaN);
    expect(ratio).toBeGreaterThan(1 / 3);
    expect(ratio).toBeLessThan(3);
  });
});

describe("page limit bands (the high-dimensional limit beside the live curves)", () => {
  it("at the defaults (d = 256) predicts u's n*/d quartiles (median 2.95, docs/theory.md) and its overlap curve, v never; the chart draws both for u and drops u's flow marker", async () => {
    const { limitOverlay, pagePredict: predict } = await import("../src/web/prediction.js");
    const { resolveConfig } = await import("../src/config/schema.js");
    const config = resolveConfig({ d: 256, logPerDecade: 20 });
    const overlay = limitOverlay(config, 50 * 256);
    const u = overlay.bands.u;
    expect(u?.hit?.median).toBeCloseTo(2.95, 1);
    expect(u?.hit?.q1).toBeLessThan(u?.hit?.median as number);
    expect(u?.hit?.q3).toBeGreaterThan(u?.hit?.median as number);
    expect(overlay.bands.v?.hit).toBeNull();
    expect(overlay.text).toMatch(/^limit: n\*_u median \d+ \[q25 \d+, q75 \d+\], v never$/);
    // The curve starts at the background overlap (order d^-1/2) and ends near the plateau (0.92).
    const curve = u?.curve ?? [];
    expect(curve.length).toBeGreaterThan(20);
    expect(curve[0].median).toBeLessThan(3 / Math.sqrt(256));
    expect(curve[curve.length - 1].median).toBeGreaterThan(0.8);
    const svg = renderChart({
      d: 256,
      steps: 50 * 256,
      current: null,
      threshold: 0.5,
      series: {},
      markers: predict?.(config)?.markers,
      limit: overlay.bands,
    });
    expect(svg.match(/class="hit-band" data-direction="u"/g)).toHaveLength(1);
    expect(svg.match(/class="predicted-median" data-direction="u"/g)).toHaveLength(1);
    expect(svg.match(/class="predicted-band" data-direction="u"/g)).toHaveLength(1);
    expect(svg).not.toMatch(/class="hit-band" data-direction="v"/);
    expect(svg).not.toMatch(/class="marker"[^>]*data-direction="u"/);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it("says why there is no band for K > 1, and draws one for dependent latents from the coupled ODE", async () => {
    const { limitOverlay } = await import("../src/web/prediction.js");
    const { resolveConfig } = await import("../src/config/schema.js");
    const k2 = limitOverlay(resolveConfig({ K: 2 }), 1000);
    expect(k2.bands).toEqual({});
    expect(k2.text).toMatch(/K > 1/);
    // The demo's C1 at d = 2048 (sign latents, threshold 0.25): measured median n*/(d log d) 0.667
    // [0.588, 0.742] (docs/demo), i.e. n*/d in [4.48, 5.66]; the band's median must fall inside.
    const c1 = limitOverlay(resolveConfig({ correlation: "sign", threshold: 0.25, d: 2048 }), 2e5);
    const v = c1.bands.v?.hit;
    expect(v, c1.text).toBeTruthy();
    expect(v?.median).toBeGreaterThan(0.588 * Math.log(2048));
    expect(v?.median).toBeLessThan(0.742 * Math.log(2048));
    expect((v?.q1 ?? 0) < (v?.median ?? 0) && (v?.median ?? 0) < (v?.q3 ?? 0)).toBe(true);
    expect(c1.bands.v?.curve.length).toBeGreaterThan(10);
  });
});
