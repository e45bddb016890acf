// The lean install: the packed tarball installed with --omit=optional into a fresh project (build first:
// `npm run build`). npm resolves from its cache (`npm ci` filled it), the registry only for what is missing.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
let project: string;
let tarballFiles: string[];

/** Bytes of the regular files under `dir` (symlinks not followed): the installed size. */
function sizeOf(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) total += sizeOf(path);
    else if (st.isFile()) total += st.size;
  }
  return total;
}

function run(cmd: string, args: string[], cwd: string) {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_fund: "false" } });
}

beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), "mcm-pack-"));
  const pack = run(NPM, ["pack", "--json", "--pack-destination", root], resolve("."));
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  tarballFiles = info.files.map((f) => f.path);
  project = join(root, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "lean", private: true, type: "module" }));
  const install = run(
    NPM,
    ["install", "--omit=optional", "--prefer-offline", "--no-audit", "--no-fund", join(root, info.filename)],
    project,
  );
  if (install.status !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);
  copyFileSync(resolve("examples/basic.mjs"), join(project, "basic.mjs"));
}, 240_000);

describe("npm pack, installed with --omit=optional", () => {
  it("ships no source map, and the LICENSE", () => {
    expect(tarballFiles.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(tarballFiles).toContain("LICENSE");
    expect(tarballFiles).toContain("dist/index.js");
    expect(tarballFiles.filter((f) => f.startsWith("src/"))).toEqual([]);
  });

  it("installs under 40 MB, without the compiler, the data sets or the queue", () => {
    const modules = join(project, "node_modules");
    const bytes = sizeOf(modules);
    console.log(`installed size with --omit=optional: ${(bytes / 1e6).toFixed(1)} MB`);
    expect(bytes).toBeLessThan(40e6);
    for (const absent of ["assemblyscript", "binaryen", "mnist", "fashion-mnist", "bullmq", "ioredis"]) {
      expect(existsSync(join(modules, absent)), absent).toBe(false);
    }
  });

  it("runs examples/basic.mjs as written: four walkers learn u", () => {
    const r = run(process.execPath, ["basic.mjs"], project);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^(simd|scalar) build, 3200 steps\n/);
    const u = [...r.stdout.matchAll(/overlap with u ([0-9.]+)/g)].map((m) => Number(m[1]));
    expect(u).toHaveLength(4);
    // 50 d steps at d = 64, betaU = 5: every walker's |w.u| is past the 0.5 threshold.
    for (const x of u) expect(x).toBeGreaterThan(0.5);
  });

  it("the CLI works without the optional packages: a sweep writes SVG figures; --queue names what to install", () => {
    const mcm = join(project, "node_modules", "mcm-diffusion", "dist", "cli", "index.js");
    const out = join(project, "sweep");
    const sweep = run(
      process.execPath,
      [mcm, "sweep", "--d", "16", "--seeds", "2", "--steps", "100", "--seed", "1", "--out", out, "-q"],
      project,
    );
    expect(sweep.status, sweep.stderr).toBe(0);
    expect(
      readdirSync(out)
        .filter((f) => f.endsWith(".svg"))
        .sort(),
    ).toEqual(["collapse.svg", "hitting-times.svg", "overlaps.svg"]);
    if (!existsSync(join(project, "node_modules", "@resvg", `resvg-js-${process.platform}-${process.arch}-gnu`))) {
      expect(sweep.stderr).toMatch(/PNG figures need the native binding of @resvg\/resvg-js/);
    }
    const queue = run(process.execPath, [mcm, "sweep", "--d", "16", "--queue", "redis://127.0.0.1:1", "-q"], project);
    expect(queue.status).toBe(1);
    expect(queue.stderr).toMatch(
      /--queue needs the optional packages bullmq and ioredis, and (bullmq|ioredis) is not installed: npm install bullmq@\S+ ioredis@\S+/,
    );
  });
});
