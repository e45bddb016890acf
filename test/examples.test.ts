// The library examples (examples/*.mjs) run as written, against the CLI where both compute the same thing.
// Build first: `npm run build` (they import the package by its name, which resolves to dist/).
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = resolve("dist/cli/index.js");

function node(...args: string[]) {
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

describe("examples/", () => {
  it("sweep.mjs: the library's sweep gives the medians `mcm sweep` gives for the same spec, and cancels", () => {
    const out = node(resolve("examples/sweep.mjs"));
    const lines = [...out.matchAll(/^d = (\d+): median n\* (\S+) \[(\S+), (\S+)\]/gm)];
    const cli = JSON.parse(
      node(
        CLI,
        "sweep",
        ...["--d", "16,32,64", "--seeds", "8", "--steps", "20*d*log(d)", "--seed", "1"],
        "--directions",
        "u",
        "--json",
        "-q",
      ),
    ) as {
      points: { config: { d: number }; directions: { u: { median: { median: number; lo: number; hi: number } } } }[];
    };
    expect(lines.map((m) => [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])])).toEqual(
      cli.points.map((p) => [
        p.config.d,
        p.directions.u.median.median,
        p.directions.u.median.lo,
        p.directions.u.median.hi,
      ]),
    );
    expect(out).toMatch(/^w\.u: n\* ~ d\^[0-9.]+ \[[0-9.]+, [0-9.]+\], theory: d log d$/m);
    expect(out).toMatch(/^second sweep cancelled after 1 task \(sweep aborted\)/m);
  }, 120_000);

  it("theory.mjs: the exponents `mcm exponent` gives, and predicted quartiles in order", () => {
    const out = node(resolve("examples/theory.mjs"));
    const cli = JSON.parse(node(CLI, "exponent", "--d", "256", "--json")) as {
      directions: Record<string, { k: number | null } | null>;
    };
    for (const dir of ["u", "v"]) {
      expect(out).toContain(`w.${dir}: information exponent k = ${cli.directions[dir]?.k},`);
    }
    const q = /w\.u at d = 256: predicted n\* quartiles (\d+), (\d+), (\d+)/.exec(out);
    expect(q).not.toBeNull();
    const [q25, med, q75] = (q as RegExpExecArray).slice(1).map(Number);
    expect(q25 < med && med < q75).toBe(true);
  }, 60_000);

  it("generate.mjs: the data law's Var(x.u) is 1 + betaU = 6, and every statistic is printed finite", () => {
    const out = node(resolve("examples/generate.mjs"));
    expect(out).toMatch(/^varU: data 6\.000, oracle [0-9.]+, family after n = 640: [0-9.]+$/m);
    expect(out).toMatch(/^exKurtV: data -?[0-9.]+, oracle -?[0-9.]+, family after n = 640: -?[0-9.]+$/m);
  }, 60_000);

  it("diffusion.mjs: a toy U-Net trains (Frechet distance per pixel falls from the first snapshot to the last)", () => {
    const out = node(resolve("examples/diffusion.mjs"));
    expect(out).toMatch(/^unet: \d+ parameters, 12 steps$/m);
    const f = [...out.matchAll(/Frechet distance per pixel (\S+)/g)].map((m) => Number(m[1]));
    expect(f.length).toBeGreaterThan(1);
    expect(f[f.length - 1]).toBeLessThan(f[0]);
  }, 60_000);
});
