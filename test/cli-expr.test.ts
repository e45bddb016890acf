// Formula activations through the built CLI: the theory's output for a built-in re-expressed, what a run
// records of the table, and refused formulas (exit 2, nothing written).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeNpz } from "../src/engine/npz.js";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-expr-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function mcm(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("formula activations in the CLI", () => {
  it("mcm exponent --activation 'expr:x^3/6 - x/2' prints he3's table line for line (the name and formula aside)", () => {
    const a = mcm(["exponent", "--activation", "expr:x^3/6 - x/2"]);
    const b = mcm(["exponent", "--activation", "he3"]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const body = (s: string) =>
      s.split("\n").filter((l) => !l.startsWith("Diffusion information") && !l.startsWith("g(x) ="));
    expect(body(a.stdout)).toEqual(body(b.stdout));
    expect(a.stdout).toMatch(/g\(x\) = x\^3\/6 - x\/2, g'\(x\) = 3\*x\^2\/6 - 0\.5/);
    expect(a.stdout).toMatch(
      /Hermite coefficients of g, E\[g\(Z\) He_n\(Z\)\] for n = 0\.\.5: 0, 0, 0, 1\.00000, 0, 0/,
    );
  });

  it("a run records the formula, its derivative and the table's checksum in config.json, summary.json and the checkpoint", () => {
    const out = join(tmp, "run");
    const r = mcm([
      "run",
      "--activation",
      "silu",
      "--d",
      "32",
      "--walkers",
      "2",
      "--steps",
      "500",
      "--seed",
      "3",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(config.activationTable.formula).toBe("x*sigmoid(x)");
    expect(config.activationTable.checksum).toMatch(/^[0-9a-f]{16}$/);
    expect(summary.activationTable).toEqual(config.activationTable);
    const npz = decodeNpz(new Uint8Array(readFileSync(join(out, "checkpoint.npz"))));
    expect(JSON.parse(String(npz.activation_table.data)).checksum).toBe(config.activationTable.checksum);
    // config.json repeats the run (the table's record is ignored as input, the table rebuilt bit for bit).
    const again = mcm(["run", "--config", join(out, "config.json"), "--out", join(tmp, "again"), "--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).directions).toEqual(summary.directions);
  });

  for (const [formula, message] of [
    ["expr:tanh(x", /--activation: expected "\)" closing tanh\(, found the end of the formula at position 7/],
    ["expr:2 + 0*x", /the formula "2 \+ 0\*x" is constant on \[-17, 17\] .* the denoiser cannot learn/],
    ["expr:log(x)", /the formula "log\(x\)" has g\(-17\) = NaN, not finite/],
    [
      "expr:foo(x)",
      /unknown function "foo" \(known: x, pi, e and the functions .*\) at position 1 in the formula "foo\(x\)"/,
    ],
  ] as const) {
    it(`mcm run --activation '${formula}' exits 2 and writes nothing`, () => {
      const out = join(tmp, `bad-${formula.length}`);
      const r = mcm(["run", "--activation", formula, "--d", "16", "--out", out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  }
});
