// The Python reader (python/mcm_diffusion) against outputs the real `mcm` writes, and the header every JSON
// output carries (src/io/stamp.ts). Build first: `npm run build`.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const CLI = resolve("dist/cli/index.js");
// Under CI=true a missing python3 or numpy fails these tests instead of skipping them (.ci/run installs
// python3-numpy).
const CI = process.env.CI === "true";
const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" }).status === 0;
if (!hasNumpy) console.warn("python-reader.test.ts: python3 with numpy not found; skipping the Python reader tests");
const hasPip = hasNumpy && spawnSync("python3", ["-m", "pip", "--version"], { encoding: "utf8" }).status === 0;

function mcm(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mcm ${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** Runs python3 with the package on its path; returns its stdout parsed as JSON. */
function python(code: string, ...args: string[]): unknown {
  const r = spawnSync("python3", ["-c", code, ...args], {
    encoding: "utf8",
    env: { ...process.env, PYTHONPATH: resolve("python") },
  });
  if (r.status !== 0) throw new Error(`python3 exit ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

interface SweepJson {
  points: {
    at: Record<string, unknown>;
    steps: number;
    config: { d: number; K: number };
    directions: Record<string, { hits: (number | null)[]; median: { median: number | null } }>;
    log: { steps: number[]; overlaps: number[][] };
  }[];
}

let root: string;
let sweepDir: string;
let runDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "mcm-python-"));
  sweepDir = join(root, "sweep");
  runDir = join(root, "run");
  // u is learned within the budget at both d; v (beta_v = 1) is not: every walker of w.v is censored.
  mcm(
    ...["sweep", "--d", "16,24", "--seeds", "5", "--beta-v", "1", "--steps", "30*d", "--seed", "11"],
    ...["--threads", "0", "--out", sweepDir, "-q"],
  );
  mcm("run", "--d", "16", "--walkers", "3", "--units", "2", "--steps", "300", "--seed", "2", "--out", runDir, "-q");
}, 120_000);

describe("the header of every JSON output", () => {
  it("sweep and run directories: tool, the package version, the kernel build and a schema per file kind", () => {
    const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
    const seen: Record<string, unknown> = {};
    for (const dir of [sweepDir, runDir]) {
      // sweep-state.json is a checkpoint in the envelope of docs/reliability.md, not a JSON document.
      for (const f of readdirSync(dir).filter((n) => n.endsWith(".json") && n !== "sweep-state.json")) {
        const doc = JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, unknown>;
        expect(Object.keys(doc).slice(0, 4), f).toEqual(["tool", "version", "build", "schema"]);
        expect(doc.tool, f).toBe("mcm-diffusion");
        expect(doc.version, f).toBe(version);
        seen[f] = [doc.schema, doc.build === null ? null : typeof doc.build];
        if (doc.build !== null) expect(["simd", "scalar"], f).toContain(doc.build);
      }
    }
    expect(seen).toEqual({
      "sweep.json": ["mcm.sweep/1", "string"],
      "sweep-spec.json": ["mcm.sweep-spec/1", null],
      "config.json": ["mcm.run-config/1", "string"],
      "summary.json": ["mcm.run-summary/1", "string"],
    });
  });

  it("--resume reads a sweep spec written before the header (same results) and refuses a newer checkpoint format (exit 2)", () => {
    const old = join(root, "old-sweep");
    cpSync(sweepDir, old, { recursive: true });
    const strip = (file: string, extra: Record<string, unknown>) => {
      const {
        tool: _t,
        version: _v,
        build: _b,
        schema: _s,
        ...body
      } = JSON.parse(readFileSync(join(old, file), "utf8"));
      writeFileSync(join(old, file), JSON.stringify({ ...body, ...extra }));
    };
    strip("sweep-spec.json", {});
    const medians = (doc: SweepJson) => doc.points.map((p) => p.directions.u.median.median);
    const resumed = JSON.parse(mcm("sweep", "--resume", old, "--json", "-q")) as SweepJson;
    expect(medians(resumed)).toEqual(medians(JSON.parse(readFileSync(join(sweepDir, "sweep.json"), "utf8"))));
    const state = readFileSync(join(sweepDir, "sweep-state.json"), "utf8");
    writeFileSync(join(old, "sweep-state.json"), state.replace(/^mcm-checkpoint\/1 /, "mcm-checkpoint/2 "));
    const r = spawnSync(process.execPath, [CLI, "sweep", "--resume", old, "-q"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/sweep-state\.json: format: expected mcm-checkpoint\/1, found mcm-checkpoint\/2/);
  });

  it("stdout JSON of exponent carries it too, with build null (no kernel runs)", () => {
    const doc = JSON.parse(mcm("exponent", "--json")) as Record<string, unknown>;
    expect([doc.tool, doc.build, doc.schema]).toEqual(["mcm-diffusion", null, "mcm.exponent/1"]);
  });
});

describe.skipIf(!hasNumpy && !CI)("mcm_diffusion.load (Python, numpy only)", () => {
  it("a sweep: one entry per grid point and direction, hits with NaN where censored, the same medians", () => {
    const sweep = JSON.parse(readFileSync(join(sweepDir, "sweep.json"), "utf8")) as SweepJson;
    const got = python(
      `import json, sys, math, mcm_diffusion as m
r = m.load(sys.argv[1])
nan = lambda x: None if math.isnan(x) else x
print(json.dumps({"kind": r.kind, "schema": r["schema"], "points": [
  {"d": p["d"], "direction": p["direction"], "budget": p["budget"], "hits": [nan(h) for h in p["hits"].tolist()],
   "median": nan(m.censored_median(p["hits"])), "dims": list(p["overlaps"].dims),
   "shape": list(p["overlaps"].shape), "log_step": p["overlaps"].coords["log_step"].tolist(),
   "u_last": p["overlaps"].sel(overlap="u", unit=0).values[-1].tolist()} for p in r["points"]]}))`,
      sweepDir,
    ) as {
      kind: string;
      schema: string;
      points: {
        d: number;
        direction: string;
        budget: number;
        hits: (number | null)[];
        median: number | null;
        dims: string[];
        shape: number[];
        log_step: number[];
        u_last: number[];
      }[];
    };
    expect([got.kind, got.schema]).toEqual(["sweep", "mcm.sweep/1"]);
    const expected = sweep.points.flatMap((p) =>
      Object.entries(p.directions).map(([direction, r]) => ({
        d: p.config.d,
        direction,
        budget: p.steps,
        hits: r.hits,
        median: r.median.median,
      })),
    );
    expect(
      got.points.map(({ d, direction, budget, hits, median }) => ({ d, direction, budget, hits, median })),
    ).toEqual(expected);
    // The check can fail: one direction is learned (a median) and one is censored throughout (none).
    expect(expected.some((e) => e.median !== null) && expected.some((e) => e.median === null)).toBe(true);
    sweep.points.forEach((p, i) => {
      const entry = got.points[2 * i];
      const walkers = p.directions.u.hits.length;
      expect(entry.dims).toEqual(["log_step", "walker", "unit", "overlap"]);
      expect(entry.shape).toEqual([p.log.steps.length, walkers, p.config.K, 3]);
      expect(entry.log_step).toEqual(p.log.steps);
      // The last log row, flat [walkers, K, 3] in the file: walker w's overlap with u is at 3 K w.
      const last = p.log.overlaps[p.log.overlaps.length - 1];
      expect(entry.u_last).toEqual(Array.from({ length: walkers }, (_, w) => last[3 * p.config.K * w]));
    });
  });

  it("a run: config, summary, series and the checkpoint's overlap log with named axes, agreeing with series.csv", () => {
    const got = python(
      `import json, sys, numpy as np, mcm_diffusion as m
r = m.load(sys.argv[1])
ov, s = r["overlaps"], r["series"]
last = ov.coords["log_step"][-1]
rows = s["step"] == last
v = ov.sel(overlap="v", log_step=last)
print(json.dumps({"kind": r.kind, "schemas": [r["config"]["schema"], r["summary"]["schema"]], "dims": list(ov.dims),
  "shape": list(ov.shape), "steps": sorted(set(s["step"].tolist())) == ov.coords["log_step"].tolist(),
  "series_v": s["overlap_v"][rows].tolist(), "log_v": v.values.ravel().tolist()}))`,
      runDir,
    ) as Record<string, unknown>;
    expect(got.kind).toBe("run");
    expect(got.schemas).toEqual(["mcm.run-config/1", "mcm.run-summary/1"]);
    expect(got.dims).toEqual(["log_step", "walker", "unit", "overlap"]);
    expect((got.shape as number[]).slice(1)).toEqual([3, 2, 3]);
    expect(got.steps).toBe(true);
    // series.csv lists the last log step's rows walker by walker, unit by unit: the same values in that order.
    expect(got.log_v).toEqual(got.series_v);
  });

  it("refuses a file of a newer format version, naming both", () => {
    const dir = mkdtempSync(join(root, "newer-"));
    const doc = JSON.parse(readFileSync(join(sweepDir, "sweep.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "sweep.json"), JSON.stringify({ ...doc, schema: "mcm.sweep/2", version: "9.0.0" }));
    const r = spawnSync("python3", ["-c", "import sys, mcm_diffusion as m; m.load(sys.argv[1])", dir], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: resolve("python") },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /SchemaError: .*schema mcm\.sweep\/2, written by mcm-diffusion 9\.0\.0; this reader knows mcm\.sweep\/1/,
    );
  });

  it("examples/hitting-times.py --print gives the sweep's medians (matplotlib not needed)", () => {
    const r = spawnSync("python3", [resolve("examples/hitting-times.py"), sweepDir, "--print"], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: resolve("python") },
    });
    expect(r.status, r.stderr).toBe(0);
    const sweep = JSON.parse(readFileSync(join(sweepDir, "sweep.json"), "utf8")) as SweepJson;
    const rows = r.stdout
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t"));
    const medians = sweep.points.map((p) => p.directions.u.median.median);
    expect(rows.filter((c) => c[0] === "all: w.u").map((c) => Number(c[2]))).toEqual(medians);
    expect(rows.filter((c) => c[0] === "all: w.v").map((c) => c[2])).toEqual(["nan", "nan"]);
  });

  it("examples/hitting-times.py draws the figure with matplotlib, or says how to install it (exit 3)", () => {
    const png = join(root, "hitting-times.png");
    const r = spawnSync("python3", [resolve("examples/hitting-times.py"), sweepDir, "--out", png], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: resolve("python") },
    });
    const hasMatplotlib = spawnSync("python3", ["-c", "import matplotlib"]).status === 0;
    if (hasMatplotlib) {
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG");
    } else {
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/matplotlib is not installed; install it \(pip install matplotlib/);
    }
  });

  it.skipIf(!hasPip && !CI)(
    "installs with pip from ./python (its backend needs nothing but the standard library)",
    () => {
      const target = mkdtempSync(join(root, "pip-"));
      const pip = spawnSync(
        "python3",
        ["-m", "pip", "install", "--no-build-isolation", "--no-index", "--no-deps", "--target", target, "./python"],
        { encoding: "utf8", cwd: resolve("."), env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" } },
      );
      expect(pip.status, pip.stderr).toBe(0);
      const r = spawnSync(
        "python3",
        ["-c", "import sys, mcm_diffusion as m; print(m.__file__, m.load(sys.argv[1]).kind)", sweepDir],
        {
          encoding: "utf8",
          cwd: target,
          env: { ...process.env, PYTHONPATH: target },
        },
      );
      expect(r.stdout.trim()).toBe(`${join(target, "mcm_diffusion", "__init__.py")} sweep`);
    },
  );
});
