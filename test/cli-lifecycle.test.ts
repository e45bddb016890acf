// The run-directory lifecycle of every long command (src/cli/rundir.ts, docs/reliability.md), a small seeded
// sample of scripts/reliability-harness.mjs (which runs the full campaign): interrupts by SIGKILL, SIGINT
// and SIGTERM (some while a file is being written) each resumed to the uninterrupted result; bit flips,
// truncation and foreign checkpoints of every kind refused naming the file (or harmless); a second writer
// refused naming the first one's pid; --force that keeps the old run until the new one has a checkpoint;
// a refused command that leaves the directory as it was. Build first: `npm run build`.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as harness from "../scripts/reliability-harness.mjs";
import { openEnvelope, sealEnvelope, verifyZip } from "../src/io/envelope.js";

type Cmd = harness.HarnessCommand;
type Ref = { out: string; ms: number; print: Record<string, string> };

const tmp = mkdtempSync(join(tmpdir(), "mcm-lifecycle-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cmds = harness.commands(harness.toyData(tmp)) as Record<string, Cmd>;
const names = Object.keys(cmds);
let refs: Record<string, Ref>;

beforeAll(async () => {
  refs = await harness.references(tmp, cmds);
}, 300_000);

describe("interrupts", () => {
  it("one seeded interrupt per command (SIGKILL, SIGINT, SIGTERM; two mid-write) resumes to the uninterrupted result", async () => {
    const next = harness.rng(7);
    const signals = ["SIGKILL", "SIGINT", "SIGTERM"] as const;
    const seen: string[] = [];
    for (const [i, name] of names.entries()) {
      const mode = i % 2 === 1 ? "write" : "time";
      const signal = signals[i % 3];
      const ms = Math.floor(next() * refs[name].ms);
      const out = join(tmp, `int-${name}`);
      const r = await harness.interrupt(cmds[name], out, { signal, mode, ms });
      const what = `${name} ${signal} ${mode === "write" ? "mid-write" : `at ${ms} ms`}`;
      // 0: it ended first; 130/143: the signal was caught; null: killed (SIGKILL, or before handlers).
      expect([0, 130, 143, null], `${what}: ${r.first.stderr}`).toContain(r.first.code);
      expect(r.finish.code, `${what}: ${r.finish.stderr}`).toBe(0);
      expect(harness.fingerprint(out, cmds[name]), what).toEqual(refs[name].print);
      seen.push(`${what}: ${r.kept ? "resumed" : "started again"}`);
    }
    expect(seen).toHaveLength(5);
  }, 600_000);
});

describe("corruption", () => {
  it("every checkpoint kind: a sample of single-bit flips is refused by the verifier every resume runs first", () => {
    for (const name of names) {
      const path = join(refs[name].out, cmds[name].checkpoint);
      const bytes = readFileSync(path);
      const verify =
        name === "run"
          ? (b: Uint8Array) => verifyZip(new Uint8Array(b), path)
          : (b: Uint8Array) => openEnvelope(new Uint8Array(b), path, name);
      verify(bytes); // the intact file passes
      const r = harness.everyBitFlip(bytes, verify, 1500);
      expect(r.accepted, `${name}: ${r.accepted} of ${r.tried} flips accepted`).toBe(0);
    }
  });

  it("through `mcm resume`: flips, truncation, another command's and another run's checkpoint are refused naming the file", async () => {
    const next = harness.rng(11);
    for (const [k, name] of names.entries()) {
      const cmd = cmds[name];
      const ref = refs[name].out;
      const size = readFileSync(join(ref, cmd.checkpoint)).length;
      const bit = Math.floor(next() * size * 8);
      const other = names[(k + 1) % names.length];
      const cases: [string, (p: string) => void][] = [
        [`bit ${bit}`, (p) => harness.flipBit(p, bit)],
        ["truncated", (p) => writeFileSync(p, readFileSync(p).subarray(0, size >> 1))],
        [`${other}'s checkpoint`, (p) => writeFileSync(p, readFileSync(join(refs[other].out, cmds[other].checkpoint)))],
      ];
      for (const [what, corrupt] of cases) {
        const d = harness.corruptCopy(ref, cmd, join(tmp, `bad-${name}-${what.replace(/\W/g, "")}`), corrupt);
        expect(await harness.resumeCorrupted(d, cmd, refs[name].print), `${name}: ${what}`).toMatch(
          /^(refused|harmless)$/,
        );
      }
    }
  }, 300_000);

  it("a checkpoint whose checksum is valid but whose options a new run would refuse: exit 2 naming the file and the field", async () => {
    const cmd = cmds.images;
    const d = harness.corruptCopy(refs.images.out, cmd, join(tmp, "edited-images"), (p) => {
      const { header, payload } = openEnvelope(new Uint8Array(readFileSync(p)), p, "images");
      const options = { ...(header.options as Record<string, unknown>), lr: -1 };
      writeFileSync(p, sealEnvelope("images", { ...header, options }, payload));
    });
    const r = await harness.mcm(["resume", d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/images-checkpoint\.bin: options: .*lr/);
  }, 60_000);
});

describe("one writer per directory", () => {
  it("a second `mcm run` on the same --out is refused at once, naming the first one's pid; its stale lock is taken over", async () => {
    const out = join(tmp, "two-run");
    let child: ChildProcess | undefined;
    const first = harness.mcm([...cmds.run.args, "--steps", "1e9", "--out", out], {
      onSpawn: (c) => {
        child = c;
      },
    });
    for (let i = 0; i < 20_000 && !existsSync(join(out, ".mcm.lock")); i++) await new Promise((r) => setTimeout(r, 2));
    const second = await harness.mcm([...cmds.run.args, "--out", out]);
    child?.kill("SIGKILL");
    await first;
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`in use by process ${child?.pid}`);
    // The killed run's lock is stale: a resume takes it over (and here stops at once on its --steps 0).
    expect(existsSync(join(out, ".mcm.lock"))).toBe(true);
    const r = await harness.mcm(["resume", out, "--steps", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--steps: got 0|has no checkpoint\.npz/);
    expect(existsSync(join(out, ".mcm.lock"))).toBe(false);
  }, 120_000);

  it("every command, new or resumed, is refused on a directory whose lock a live process holds", async () => {
    // The holder: a live process of the test's own (its pid in the lock, as a running mcm writes it).
    const holder = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    try {
      const cases = names.flatMap((name) => [false, true].map((resume) => ({ name, resume })));
      const runs = cases.map(({ name, resume }) => {
        const out = join(tmp, `held-${name}-${resume}`);
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, ".mcm.lock"), `${holder.pid} ${name}\n`);
        return harness.mcm(resume ? ["resume", out] : [...cmds[name].args, "--out", out]);
      });
      const results = await Promise.all(runs);
      cases.forEach(({ name, resume }, i) => {
        const r = results[i];
        expect(r.code, `${name} ${resume}: ${r.stderr}`).toBe(2);
        expect(r.stderr, name).toContain(`in use by process ${holder.pid}`);
        expect(readdirSync(join(tmp, `held-${name}-${resume}`)), name).toEqual([".mcm.lock"]);
      });
    } finally {
      holder.kill("SIGKILL");
    }
  }, 300_000);
});

describe("--force and refusals", () => {
  it("--force keeps the old run until the new one has a checkpoint: a failing new run gives it back", async () => {
    const out = join(tmp, "forced");
    const cp = (from: string) => {
      mkdirSync(out, { recursive: true });
      for (const f of readdirSync(from)) writeFileSync(join(out, f), readFileSync(join(from, f)));
    };
    cp(refs.generate.out);
    const before = harness.fingerprint(out, cmds.generate);
    // A new run refused by the experiment before its first checkpoint, after the old run was moved aside.
    const r = await harness.mcm([...cmds.generate.args, "--backend", "reduced", "--force", "--out", out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/backend: got "reduced", expected "full"/);
    expect(harness.fingerprint(out, cmds.generate)).toEqual(before);
    expect(readdirSync(out).filter((f) => f.startsWith("."))).toEqual([]);
  }, 120_000);

  it("a refused run leaves the directory as it found it (no options or state file, no lock)", async () => {
    const out = join(tmp, "refused");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine");
    const args = cmds.diffusion.args.map((a) => (a.endsWith(".npy") ? join(tmp, "missing.npy") : a));
    const d = await harness.mcm([...args, "--out", join(out, "d")]);
    const g = await harness.mcm([...cmds.generate.args, "--out", out]);
    expect(d.code).not.toBe(0);
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/--out: .* exists and is not empty/);
    expect(readdirSync(out)).toEqual(["notes.txt"]);
  }, 120_000);
});
