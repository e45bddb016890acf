// `mcm diffusion` through the built CLI on a toy .npy of 8 x 8 blobs (a few seconds): the JSON result
// with its snapshots, the plots and grids, the refusal to overwrite a finished run, and bad input exiting
// 2 with a line naming what was expected and found.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeDiffusionCheckpoint } from "../src/diffusion/checkpoint.js";
import { encodeNpy } from "../src/images/npy.js";
import { openEnvelope } from "../src/io/envelope.js";
import { toyImages } from "./helpers/diffusion.js";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-cli-diffusion-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const mcm = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });
const toy = toyImages(join(tmp, "toy.npy"));
const SMALL = ["--pool", "1", "--n-test", "24", "--width", "4", "--groups", "2", "--tdim", "8", "--batch", "8"];
const SAMPLING = ["--n-samples", "16", "--n-eval", "8", "--sample-steps", "4", "--n-ref", "0", "--quiet"];

describe("mcm diffusion", () => {
  it("a short run prints one JSON result with snapshots and writes plots, sample grids and the checkpoint", () => {
    const out = join(tmp, "run");
    const r = mcm(["diffusion", "--dataset", toy, ...SMALL, ...SAMPLING, "--steps", "10", "--out", out, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.snapshots.map((s: { step: number }) => s.step)).toEqual([0, 1, 3, 5, 10]);
    const last = doc.snapshots[doc.snapshots.length - 1];
    for (const k of ["gaussianFrechet", "shapeW1", "filterKurtosis", "frechetExcess"])
      expect(Number.isFinite(last.samples[k]), k).toBe(true);
    expect(Object.keys(last.wienerDistance)).toEqual(["0.05", "0.1", "0.25", "0.5", "1.0", "2.0"]);
    expect(doc.twin.t).toEqual([0.05, 0.1, 0.25, 0.5, 1, 2]);
    for (const f of ["eG", "h", "floor"]) expect(Object.keys(doc.twin.snapshots[4][f]), f).toHaveLength(6);
    expect(doc.reference.wiener.gaussianFrechet).toBeGreaterThan(0);
    for (const f of [
      "result.json",
      "twin.png",
      "distances.png",
      "frechet.png",
      "shape.png",
      "spectrum.png",
      "samples.png",
      "reference.png",
      "diffusion-checkpoint.bin",
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const again = mcm(["diffusion", "--dataset", toy, ...SMALL, ...SAMPLING, "--steps", "10", "--out", out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds a diffusion run \(.*result\.json.*\); .*pass --force/);
  });
  it("a diverging run (MLP, --lr 1000) stops with exit 1 naming the step, keeps its last checkpoint, and --resume replays the same stop", () => {
    const out = join(tmp, "diverged");
    const args = ["diffusion", "--dataset", toy, ...SMALL, ...SAMPLING, "--arch", "mlp", "--width", "16"];
    const r = mcm([...args, "--lr", "1000", "--steps", "50", "--out", out]);
    expect(r.status, r.stderr).toBe(1);
    const m = /training diverged: loss (\S+) at step (\d+) .*the last checkpoint \(step (\d+)\) is kept/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const [, loss, step, kept] = m as RegExpExecArray;
    expect(Number(loss)).toBeGreaterThan(1e6);
    expect(Number(kept)).toBeLessThan(Number(step));
    expect(existsSync(join(out, "result.json"))).toBe(false);
    const file = join(out, "diffusion-checkpoint.bin");
    const cp = decodeDiffusionCheckpoint(openEnvelope(new Uint8Array(readFileSync(file)), file, "diffusion").payload);
    expect(cp.state.step).toBe(Number(kept));
    expect(cp.state.w.every(Number.isFinite)).toBe(true);
    // The kept checkpoint is a valid state: resuming it replays the same steps and stops at the same one.
    const again = mcm(["diffusion", "--resume", out, "--quiet"]);
    expect(again.status, again.stderr).toBe(1);
    expect(again.stderr).toContain(`training diverged: loss ${loss} at step ${step} `);
  });
  it("--seeds runs each seed into DIR/seed-N and writes dsb.json; a rerun reads the finished runs; other options are refused naming the option", () => {
    const out = join(tmp, "dsb");
    const args = ["diffusion", "--dataset", toy, ...SMALL, ...SAMPLING, "--steps", "4", "--out", out];
    const r = mcm([...args, "--seeds", "1,2", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const dsb = JSON.parse(r.stdout);
    expect(dsb).toMatchObject({ dataset: toy, side: 8, seeds: [1, 2] });
    expect(["strict", "weak", "refuted", "mixed"]).toContain(dsb.verdict);
    expect(Object.keys(dsb.perT)).toEqual(["0.05", "0.1", "0.25", "0.5", "1.0", "2.0"]);
    for (const k of ["verdict", "tauG", "tauH", "log10Ratio"]) expect(dsb.perT["0.1"], k).toHaveProperty(k);
    expect(Object.keys(dsb.perT["0.1"].log10Ratio)).toEqual(["0.05", "0.1", "0.2"]);
    expect(JSON.parse(readFileSync(join(out, "dsb.json"), "utf8"))).toEqual(dsb);
    for (const s of [1, 2]) expect(existsSync(join(out, `seed-${s}`, "result.json"))).toBe(true);
    // The same command again: the finished runs are read back, the same dsb.json.
    const again = mcm([...args, "--seeds", "1,2", "--json"]);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).perT).toEqual(dsb.perT);
    const other = mcm([...args, "--seeds", "1,2", "--lr", "0.01"]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/holds runs with other options \(.*: lr 0\.002, here 0\.01\)/);
  });
  it("bad input exits 2 naming what was expected and found", () => {
    const cases: [string[], RegExp][] = [
      [["--dataset", "cifar"], /--dataset: got "cifar", expected "mnist", "fashion-mnist" or a \.npy file/],
      [["--dataset", toy, "--arch", "vit"], /--arch: got "vit", expected one of "unet", "mlp"/],
      [["--dataset", toy, "--eval-t", "0.1,5"], /--eval-t: got 5, expected times in the process's range/],
      [["--dataset", toy, "--seed", "-3"], /--seed: got "-3", expected an integer in \[0, 2\^64 - 1\]/],
      [["--dataset", toy, "--checkpoint-every", "soon"], /--checkpoint-every: got "soon", expected /],
      [["--dataset", toy, "--seeds", "1,2,1"], /--seeds: seed 1 is listed twice/],
      [["--dataset", toy, "--seeds", "1,2.5"], /--seeds: got "1,2.5" \("2.5" is not an integer/],
      [["--dataset", toy, "--threads", "0"], /--threads: got "0", expected a whole number in \[1, 256\]/],
      [["--dataset", toy, "--batch", "8", "--shards", "9"], /--shards: got 9, expected an integer in \[1, batch 8\]/],
    ];
    const flat = join(tmp, "flat.npy");
    writeFileSync(flat, encodeNpy(new Float64Array(64).map(Math.sin), 16, 4));
    cases.push([["--dataset", flat], /shape \(16, 4\) is not supported \(expected \[N, H, W\] or \[N, C, H, W\]\)/]);
    for (const [args, re] of cases) {
      const r = mcm(["diffusion", ...args, "--steps", "1", "--out", join(tmp, "bad"), "--quiet"]);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n").length).toBe(1);
      expect(r.stderr).toMatch(re);
    }
  });
});
