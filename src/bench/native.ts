/**
 * The native C reference (bench/native/step.c), compiled at bench time with gcc -O3 -march=native into a
 * private temporary directory. Node only.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The C source, found from src/bench or dist/bench alike. */
export const NATIVE_SOURCE = fileURLToPath(new URL("../../bench/native/step.c", import.meta.url));

export interface NativeBinary {
  /** Path of the compiled program. */
  readonly path: string;
  /** `gcc --version`, first line. */
  readonly compiler: string;
  /** Runs the program with args and returns [wall seconds, CPU seconds] of its timed part. */
  time(args: (string | number)[]): { wall: number; cpu: number };
  /** Runs `check d K steps` and returns the overlaps [K, 3] after that many steps from seed 1. */
  check(d: number, K: number, steps: number): Float64Array;
  /** Deletes the temporary directory. */
  dispose(): void;
}

/** Compiles the C reference; returns a reason instead when gcc is absent or the build fails. */
export function compileNative(): NativeBinary | { skipped: string } {
  let compiler: string;
  try {
    compiler = execFileSync("gcc", ["--version"], { encoding: "utf8" }).split("\n")[0];
  } catch {
    return { skipped: "gcc not found on PATH: the native C column is skipped" };
  }
  const dir = mkdtempSync(join(tmpdir(), "mcm-bench-"));
  const path = join(dir, "step");
  try {
    execFileSync("gcc", ["-O3", "-march=native", "-o", path, NATIVE_SOURCE, "-lm"], { stdio: "pipe" });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const detail = e instanceof Error && "stderr" in e ? String((e as { stderr: unknown }).stderr).trim() : String(e);
    return { skipped: `gcc -O3 -march=native failed on ${NATIVE_SOURCE}: ${detail.split("\n")[0]}` };
  }
  const run = (args: (string | number)[]) => execFileSync(path, args.map(String), { encoding: "utf8" });
  return {
    path,
    compiler,
    time(args) {
      const [wall, cpu] = run(args).trim().split(/\s+/).map(Number);
      if (!(wall >= 0 && cpu >= 0)) throw new Error(`native bench: unexpected output for ${args.join(" ")}`);
      return { wall, cpu };
    },
    check(d, K, steps) {
      return Float64Array.from(run(["check", d, K, steps]).trim().split(/\s+/).map(Number));
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
