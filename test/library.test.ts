// The library entry as users see it: the package's exports map, the README example (examples/basic.mjs)
// run as written, and no Node-only import anywhere on the browser path of dist/index.js.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist", "index.js");

beforeAll(() => {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run npm run build first (npm test does)`);
});

describe("library entry", () => {
  it("package.json exports dist/index.js with types, has no side effects and ships dist and the WASM", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.exports["."]).toEqual({ types: "./dist/index.d.ts", import: "./dist/index.js" });
    expect(pkg.exports["./package.json"]).toBe("./package.json");
    expect(pkg.types).toBe("./dist/index.d.ts");
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.files).toEqual(expect.arrayContaining(["dist", "build/*.wasm"]));
    expect(existsSync(join(root, "dist", "index.d.ts"))).toBe(true);
  });

  it("resolves by package name to the built entry with the documented API", async () => {
    const name = "mcm-diffusion"; // a variable, so type checks do not need dist/ built
    const lib = await import(name);
    for (const name of ["createSimulation", "loadKernels", "resolveConfig", "ConfigError", "simdSupported"]) {
      expect(lib, name).toHaveProperty(name);
    }
  });

  it("the README example runs as written and learns u (every walker's |overlap with u| > 0.5 after 50 d steps)", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const example = readFileSync(join(root, "examples", "basic.mjs"), "utf8");
    // The README shows the example's code (from its import on) verbatim.
    const code = example.slice(example.search(/^import /m));
    expect(readme).toContain(code.trim());
    const out = execFileSync(process.execPath, [join(root, "examples", "basic.mjs")], { cwd: root, encoding: "utf8" });
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^(simd|scalar) build, 3200 steps$/);
    const walkers = lines.slice(1).map((l) => l.match(/^walker \d: overlap with u ([0-9.]+), with v ([0-9.]+)$/));
    expect(walkers).toHaveLength(4);
    for (const m of walkers) expect(Number(m?.[1])).toBeGreaterThan(0.5);
  });

  it("imports nothing Node-only on the browser path (the static import graph of dist/index.js)", () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const builtin = /^(node:|(fs|path|os|url|worker_threads|child_process|crypto|http|stream|util)(\/|$))/;
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      const specifiers = [
        ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']/gm),
        ...text.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
        ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g),
      ].map((m) => m[1]);
      for (const s of specifiers) {
        if (builtin.test(s)) offenders.push(`${file}: ${s}`);
        else if (s.startsWith(".")) visit(resolve(dirname(file), s));
      }
    };
    visit(dist);
    expect(seen.size).toBeGreaterThan(5);
    expect(offenders).toEqual([]);
  });
});
