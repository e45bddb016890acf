// Named presets (src/experiments/presets.ts): resolution, override by explicit flags, --quick, the demo's
// regimes reproduced point for point by `mcm sweep --preset`, `mcm presets`, and the page's presets and URL.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { registerDemo } from "../src/cli/commands/demo.js";
import { registerDiffusion } from "../src/cli/commands/diffusion.js";
import { registerExponent } from "../src/cli/commands/exponent.js";
import { registerGenerate } from "../src/cli/commands/generate.js";
import { registerImages } from "../src/cli/commands/images.js";
import { registerPhaseDiagram } from "../src/cli/commands/phase-diagram.js";
import { registerPredict } from "../src/cli/commands/predict.js";
import { registerSweep, type SweepCommandFlags, sweepFileFromFlags } from "../src/cli/commands/sweep.js";
import { UsageError } from "../src/cli/errors.js";
import { addPresetOption } from "../src/cli/presets.js";
import { controlSpec } from "../src/experiments/controls.js";
import { demoRegimes } from "../src/experiments/demo.js";
import { findPreset, PRESETS, presetArgs } from "../src/experiments/presets.js";
import { DEMO_REGIMES } from "../src/experiments/regimes.js";
import { expandGrid } from "../src/experiments/sweep.js";
import { toSweepSpec } from "../src/experiments/sweep-file.js";
import { readForm } from "../src/web/form.js";
import { findPagePreset, fromQuery, INITIAL_VALUES, PAGE_PRESET_NAMES, toQuery } from "../src/web/page-state.js";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-presets-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function mcm(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, cwd: tmp });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The flags `mcm sweep` hands its action for an argv, with the preset applied (the action replaced). */
async function sweepFlags(argv: string[]): Promise<SweepCommandFlags> {
  const program = new Command("mcm").exitOverride();
  const cmd = registerSweep(program);
  addPresetOption(cmd, "sweep");
  let seen: SweepCommandFlags | null = null;
  cmd.action((opts: SweepCommandFlags) => {
    seen = opts;
  });
  await program.parseAsync(["node", "mcm", "sweep", ...argv]);
  if (seen === null) throw new Error("the action did not run");
  return seen;
}

describe("preset resolution", () => {
  it("--preset C2 --quick: the preset's flags, its three smallest d and a quarter of its walkers (at least 6)", async () => {
    const file = sweepFileFromFlags(await sweepFlags(["--preset", "C2", "--quick"]));
    expect(file.grid.d).toEqual([1024, 2048, 4096]);
    expect(file.seeds).toBe(6);
    expect(file.grid.activation).toEqual(["relu", "linear"]);
    // The threshold is the demo's C2 threshold (from the calculator's plateau).
    const demoC2 = demoRegimes({ seed: 2026 })[3].spec.base;
    expect(file.base).toMatchObject({ correlation: "uncorrelated", backend: "reduced", threshold: demoC2.threshold });
    expect(file.seed).toBe("2026");
  });

  it("explicit flags override the preset's, whatever their order", async () => {
    for (const argv of [
      ["--seeds", "9", "--preset", "A", "--d", "32,64"],
      ["--preset", "A", "--seeds", "9", "--d", "32,64"],
    ]) {
      const file = sweepFileFromFlags(await sweepFlags(argv));
      expect(file.seeds).toBe(9);
      expect(file.grid.d).toEqual([32, 64]);
      expect(file.steps).toBe("20*d*log(d)");
    }
    // A switch's negation typed by the user beats the preset's value too.
    const file = sweepFileFromFlags(await sweepFlags(["--preset", "B", "--threshold", "0.4"]));
    expect(file.base.threshold).toBe(0.4);
  });

  it("refuses an unknown preset, another command's preset and --quick without a preset, naming the flag", async () => {
    await expect(sweepFlags(["--preset", "Z"])).rejects.toThrow(
      /--preset: got "Z", expected one of A, B, C1, C2, cubic/,
    );
    await expect(sweepFlags(["--preset", "generate"])).rejects.toThrow(
      /--preset: generate is a preset of `mcm generate`, not of `mcm sweep`/,
    );
    await expect(sweepFlags(["--quick", "--d", "64"])).rejects.toThrow(UsageError);
    await expect(sweepFlags(["--quick", "--d", "64"])).rejects.toThrow(/--quick: only with --preset/);
  });

  it("every preset's flags exist on its command and resolve (sweeps, lower-bound's p = 1.5 included: every grid point validates)", async () => {
    for (const p of PRESETS.filter((x) => x.command === "sweep")) {
      for (const quick of p.quick ? [false, true] : [false]) {
        const argv = ["--preset", p.name, ...(quick ? ["--quick"] : [])];
        const file = sweepFileFromFlags(await sweepFlags(argv));
        expect(expandGrid(toSweepSpec(file)).length, p.name).toBeGreaterThan(0);
      }
    }
  });

  it("every preset's flags (and its quick variant's) are flags of its command", () => {
    const program = new Command("mcm");
    const commands = {
      demo: registerDemo(program),
      sweep: registerSweep(program),
      predict: registerPredict(program),
      exponent: registerExponent(program),
      generate: registerGenerate(program),
      images: registerImages(program),
      diffusion: registerDiffusion(program),
      "phase-diagram": registerPhaseDiagram(program),
    };
    for (const [name, cmd] of Object.entries(commands)) addPresetOption(cmd, name as keyof typeof commands);
    for (const p of PRESETS) {
      const cmd = commands[p.command];
      const longs = new Set(cmd.options.map((o) => o.long));
      const flags = [...Object.keys(presetArgs(p)), ...(p.quick ? Object.keys(presetArgs(p, true)) : [])];
      for (const flag of flags) expect(longs.has(flag), `${p.name}: ${flag}`).toBe(true);
    }
  });
});

describe("the demo's regimes as presets", () => {
  it("sweep --preset A/B/C1/C2 measures the demo's points: same configs, point seeds and budgets", async () => {
    const demo = demoRegimes({ seed: 2026 });
    for (const [i, regime] of DEMO_REGIMES.entries()) {
      const file = sweepFileFromFlags(await sweepFlags(["--preset", regime.id]));
      const points = expandGrid(toSweepSpec(file));
      // The control points too, where the demo judges its control at the regime's threshold (it uses the
      // control's own reachable plateau where the regime's threshold is out of the control's reach: C1).
      const own = demo[i].controlThreshold !== undefined;
      const demoPoints = [...expandGrid(demo[i].spec), ...(own ? [] : expandGrid(controlSpec(demo[i].spec, "linear")))];
      const ours = own ? points.filter((p) => p.config.activation !== "linear") : points;
      const key = (p: { config: object; seed: string; steps: number }) => JSON.stringify([p.config, p.seed, p.steps]);
      expect(ours.map(key).sort(), regime.id).toEqual(demoPoints.map(key).sort());
    }
  });

  it("--quick matches the quick demo's regime points", async () => {
    const demo = demoRegimes({ seed: 2026, quick: true });
    for (const [i, regime] of DEMO_REGIMES.entries()) {
      const file = sweepFileFromFlags(await sweepFlags(["--preset", regime.id, "--quick"]));
      const ours = expandGrid(toSweepSpec(file)).filter((p) => p.config.activation !== "linear");
      expect(
        ours.map((p) => p.seed),
        regime.id,
      ).toEqual(expandGrid(demo[i].spec).map((p) => p.seed));
    }
  });
});

describe("mcm presets", () => {
  it("lists at least 8 presets, one line each with its command and time", () => {
    const r = mcm(["presets"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n").filter((l) => PRESETS.some((p) => l.startsWith(`${p.name} `)));
    expect(lines.length).toBe(PRESETS.length);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(r.stdout).toMatch(/^C2\s+sweep\s+~/m);
  });

  it("shows one preset with the command line it stands for; an unknown name exits 2", () => {
    const r = mcm(["presets", "C2", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.commandLine).toMatch(/^mcm sweep .*--correlation uncorrelated .*--threshold 0\.[0-9]+ /);
    expect(doc.quickCommandLine).toMatch(/--d 1024,2048,4096 --seeds 6/);
    const bad = mcm(["presets", "nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/name: got "nope", expected one of demo, A/);
  });

  it("mcm sweep --preset C2 --quick runs and writes its outputs", () => {
    const out = join(tmp, "c2");
    const r = mcm(["sweep", "--preset", "C2", "--quick", "--threads", "1", "--quiet", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/C2|activation=relu/);
    const spec = JSON.parse(readFileSync(join(out, "sweep-spec.json"), "utf8"));
    expect(spec.grid.d).toEqual([1024, 2048, 4096]);
    expect(existsSync(join(out, "hitting-times.png"))).toBe(true);
  });

  it("--preset on a command without that preset exits 2 naming the command that has it", () => {
    const r = mcm(["predict", "--preset", "A"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--preset: A is a preset of `mcm sweep`, not of `mcm predict`/);
  });
});

describe("the page's presets and URL", () => {
  it("offers the presets with a page view; each resolves to a valid run with the preset's config", () => {
    expect(PAGE_PRESET_NAMES.map((p) => p.name)).toEqual(expect.arrayContaining(["A", "B", "C1", "C2"]));
    for (const { name } of PAGE_PRESET_NAMES) {
      const p = findPagePreset(name);
      if (!p) throw new Error(name);
      const r = readForm(p.values, p.extra);
      expect(r.ok, name).toBe(true);
    }
    const c2 = findPagePreset("C2");
    if (!c2) throw new Error("C2");
    const r = readForm(c2.values, c2.extra);
    if (!r.ok) throw new Error("C2");
    expect(r.run.config).toMatchObject({
      d: 2048,
      correlation: "uncorrelated",
      activation: "relu",
      backend: "reduced",
      threshold: demoRegimes({ seed: 2026 })[3].spec.base.threshold,
    });
    expect(r.run.steps).toBe(100 * 2048);
  });

  it("the URL round-trips the preset and every changed field", () => {
    const b = findPagePreset("B");
    if (!b) throw new Error("B");
    const state = { preset: "B", values: { ...b.values, walkers: "32", seed: "7" } };
    const query = toQuery(state, { flavour: "scalar" });
    expect(new URLSearchParams(query).get("walkers")).toBe("32");
    expect(new URLSearchParams(query).get("betaV")).toBeNull(); // the preset's own value is not repeated
    expect(fromQuery(`?${query}`)).toEqual(state);
    // Without a preset: the fields that differ from the form's initial values.
    const custom = { preset: null, values: { ...INITIAL_VALUES, d: "512", correlation: "mixed:0.5" } };
    expect(fromQuery(toQuery(custom))).toEqual(custom);
    expect(toQuery({ preset: null, values: { ...INITIAL_VALUES } })).toBe("");
    // An unknown preset in a hand-edited URL is ignored, not fatal.
    expect(fromQuery("?preset=nope&d=64").preset).toBeNull();
    expect(fromQuery("?preset=nope&d=64").values.d).toBe("64");
  });

  it("a preset's quick variant is refused where it has none", () => {
    const predict = findPreset("predict");
    if (!predict) throw new Error("predict");
    expect(() => presetArgs(predict, true)).toThrow(/no quick variant/);
  });
});
