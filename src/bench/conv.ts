/**
 * The diffusion model's speed (`npm run bench`, after the MCM table): the 128-bit f32 SIMD peak of this
 * machine measured in the same run (8 independent f32x4 multiply-then-add chains in WASM: no FMA, which
 * WASM's SIMD lacks, so 8 flops per lane pair per cycle at best), the GEMM core and the im2col 3 x 3
 * convolution (forward, and forward + backward) in GFLOP/s and as a fraction of that peak, the same
 * convolution in native C (bench/native/conv.c, gcc -O2; skipped without gcc), and the U-Net's training
 * steps inline and on 2 worker threads (its step split by layer is ./diffusion.ts's). CPU times of this
 * process (process.cpuUsage), best of `reps` after a warm-up.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDiffusionKernels } from "../diffusion/kernels.js";
import { type NetSpec, Network } from "../diffusion/net.js";
import { DIFFUSION_DEFAULTS } from "../diffusion/options.js";
import { Trainer } from "../diffusion/train.js";
import { threadRunner } from "../diffusion/workers.js";

const CONV_SOURCE = fileURLToPath(new URL("../../bench/native/conv.c", import.meta.url));

export interface ConvRow {
  label: string;
  /** GFLOP/s of WASM SIMD, WASM scalar and native C (null when not measured). */
  simd: number;
  scalar: number;
  c: number | null;
  /** simd / peak */
  ofPeak: number;
}

export interface ConvBenchResult {
  /** GFLOP/s of the 128-bit f32 mul+add probe. */
  peak: number;
  rows: ConvRow[];
  gcc: string | null;
  /** Wall seconds of `steps` training steps of the same U-Net inline and on 2 worker threads. */
  threads: {
    steps: number;
    shards: number;
    inline: number;
    two: number;
    speedup: number;
    /** CPU seconds of the same steps (all threads): the parallel path's overhead. */
    cpuInline: number;
    cpuTwo: number;
  };
  /** The bench's own target: the convolution's GEMM core at half the peak or more. */
  target: { name: string; value: number; target: number; met: boolean };
}

function cpuSeconds(fn: () => void, reps: number): number {
  fn();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1e6);
  }
  return best;
}

function nativeC(): { run(args: (string | number)[]): number; gcc: string; dispose(): void } | null {
  try {
    const gcc = execFileSync("gcc", ["--version"], { encoding: "utf8" }).split("\n")[0];
    const dir = mkdtempSync(join(tmpdir(), "mcm-conv-"));
    const bin = join(dir, "conv");
    execFileSync("gcc", ["-O2", "-o", bin, CONV_SOURCE], { stdio: "pipe" });
    return {
      gcc,
      run: (args) => Number(execFileSync(bin, args.map(String), { encoding: "utf8" }).trim().split(/\s+/)[1]),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch {
    return null;
  }
}

export async function runConvBench(
  options: { quick?: boolean; onProgress?: (m: string) => void } = {},
): Promise<ConvBenchResult> {
  const reps = options.quick ? 3 : 7;
  const scale = options.quick ? 1 : 4;
  const ex = {
    simd: await (await loadDiffusionKernels("simd")).instantiate(),
    scalar: await (await loadDiffusionKernels("scalar")).instantiate(),
  };
  options.onProgress?.("conv: the 128-bit peak");
  const iters = 2_000_000 * scale;
  const peak = (iters * 64) / cpuSeconds(() => ex.simd.peakMulAdd(iters), reps) / 1e9;

  const native = nativeC();
  const rows: ConvRow[] = [];
  const measure = (
    label: string,
    flops: number,
    run: (k: typeof ex.simd, bufs: number[]) => void,
    sizes: number[],
    cArgs: (string | number)[] | null,
    cReps: number,
    cFlops = flops,
  ) => {
    options.onProgress?.(`conv: ${label}`);
    const gf: Record<string, number> = {};
    for (const flavour of ["simd", "scalar"] as const) {
      const k = ex[flavour];
      let p = Math.ceil(k.heapBase() / 16) * 16;
      const bufs = sizes.map((n) => {
        const at = p;
        p += Math.ceil((4 * n) / 16) * 16;
        return at;
      });
      const have = k.memory.buffer.byteLength;
      if (p > have) k.memory.grow(Math.ceil((p - have) / 65536));
      const f = new Float32Array(k.memory.buffer);
      for (let i = bufs[0] / 4; i < p / 4; i++) f[i] = Math.sin(i) * 0.5;
      gf[flavour] = flops / cpuSeconds(() => run(k, bufs), reps) / 1e9;
    }
    let c: number | null = null;
    if (native && cArgs) {
      let best = Number.POSITIVE_INFINITY;
      for (let r = 0; r < reps; r++) best = Math.min(best, native.run([...cArgs, cReps]));
      c = (cReps * cFlops) / best / 1e9;
    }
    rows.push({ label, simd: gf.simd, scalar: gf.scalar, c, ofPeak: gf.simd / peak });
  };
  // The GEMM core at the default U-Net's full-resolution conv shape (32 -> 32 channels at 28 x 28).
  const [M, N, K] = [32, 784, 288];
  const G = 8; // products per measurement, as many as the convolution's batch
  measure(
    `GEMM core ${M} x ${K} by ${K} x ${N}`,
    2 * G * M * N * K,
    (k, [a, b, c]) => {
      for (let g = 0; g < G; g++) k.gemmNN(M, N, K, a, b, c, 0);
    },
    [M * K, K * N, M * N],
    ["gemm", M, N, K],
    16 * scale,
    2 * M * N * K,
  );
  const [NB, Cin, Cout, H, W] = [8, 32, 32, 28, 28];
  const convFlops = 2 * NB * Cout * Cin * 9 * H * W;
  measure(
    `conv 3x3 forward, ${NB} x ${Cin} -> ${Cout} at ${H} x ${W} (im2col + GEMM)`,
    convFlops,
    (k, [x, w, b, y, col]) => k.conv3x3Forward(x, w, b, y, NB, Cin, Cout, H, W, col),
    [NB * Cin * H * W, Cout * Cin * 9, Cout, NB * Cout * H * W, Cin * 9 * H * W],
    ["conv", NB, Cin, Cout, H, W],
    2 * scale,
  );
  measure(
    "conv 3x3 backward (weight and input gradients), same shape",
    2 * convFlops,
    (k, [x, w, dy, dx, dw, db, col, colT]) => k.conv3x3Backward(x, w, dy, dx, dw, db, NB, Cin, Cout, H, W, col, colT),
    [
      NB * Cin * H * W,
      Cout * Cin * 9,
      NB * Cout * H * W,
      NB * Cin * H * W,
      Cout * Cin * 9,
      Cout,
      Cin * 9 * H * W,
      Cin * 9 * H * W,
    ],
    null,
    0,
  );
  native?.dispose();

  // The default U-Net (pooled MNIST, 14 x 14).
  const D = DIFFUSION_DEFAULTS;
  const spec: NetSpec = { arch: "unet", C: 1, H: 14, W: 14, width: D.width, groups: D.groups, tdim: D.tdim };
  const net = new Network(ex.simd, spec, D.batch);
  const data = new Float32Array(256 * net.d).map((_, i) => Math.sin(0.1 * i));
  const tr = new Trainer(net, data, 256, D);
  tr.init(0, 1, 1, 2);
  // Data parallelism: the same training steps inline and on 2 worker threads, side by side (wall time,
  // alternating, best of each), so the ratio sees the same machine load.
  options.onProgress?.("conv: training steps on 1 and 2 threads");
  const par = await threadSpeedup(tr, options.quick ? 4 : 12, options.quick ? 2 : 3);
  const core = rows[0].simd / peak;
  return {
    peak,
    rows,
    gcc: native?.gcc ?? null,
    threads: par,
    target: { name: "GEMM core / 128-bit peak", value: core, target: 0.5, met: core >= 0.5 },
  };
}

async function threadSpeedup(tr: Trainer, steps: number, reps: number): Promise<ConvBenchResult["threads"]> {
  const runner = await threadRunner(
    2,
    tr.net.k.isSimd() ? "simd" : "scalar",
    tr.net.spec,
    Math.ceil(tr.o.batch / tr.o.shards),
  );
  // Wall seconds, and CPU seconds of the whole process (worker threads included).
  const time = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) await fn();
    const c = process.cpuUsage(c0);
    return [(performance.now() - t0) / 1000, (c.user + c.system) / 1e6];
  };
  let [inline, two, cpuInline, cpuTwo] = [1, 1, 1, 1].map(() => Number.POSITIVE_INFINITY);
  try {
    await tr.trainStepWith(runner); // warm-up of the workers
    for (let r = 0; r < reps; r++) {
      const [w1, c1] = await time(async () => tr.trainStep());
      const [w2, c2] = await time(() => tr.trainStepWith(runner));
      [inline, two, cpuInline, cpuTwo] = [
        Math.min(inline, w1),
        Math.min(two, w2),
        Math.min(cpuInline, c1),
        Math.min(cpuTwo, c2),
      ];
    }
  } finally {
    await runner.close();
  }
  return { steps, shards: tr.o.shards, inline, two, speedup: inline / two, cpuInline, cpuTwo };
}

export function formatConvBench(r: ConvBenchResult): string {
  const f = (v: number | null) => (v === null ? "-" : v.toFixed(2));
  const lines = [
    "",
    `Diffusion kernels (f32), GFLOP/s by CPU time; 128-bit f32 SIMD peak (mul + add, no FMA) measured now: ${r.peak.toFixed(2)}`,
    `${"".padEnd(66)} ${"SIMD".padStart(7)} ${"scalar".padStart(7)} ${"C -O2".padStart(7)} ${"SIMD/peak".padStart(9)}`,
    ...r.rows.map(
      (row) =>
        `${row.label.padEnd(66)} ${f(row.simd).padStart(7)} ${f(row.scalar).padStart(7)} ${f(row.c).padStart(7)} ${(100 * row.ofPeak).toFixed(0).padStart(8)}%`,
    ),
    `data-parallel training, ${r.threads.steps} steps of ${r.threads.shards} shards (wall, side by side): inline ${(1000 * r.threads.inline).toFixed(0)} ms, ` +
      `2 worker threads ${(1000 * r.threads.two).toFixed(0)} ms, speed-up ${r.threads.speedup.toFixed(2)}x; ` +
      `CPU ${(1000 * r.threads.cpuInline).toFixed(0)} ms inline, ${(1000 * r.threads.cpuTwo).toFixed(0)} ms on 2 threads`,
    `target ${r.target.name} >= ${r.target.target}: ${r.target.value.toFixed(2)} (${r.target.met ? "met" : "NOT met"})${r.gcc ? `; C by ${r.gcc}` : "; gcc not found, C skipped"}`,
  ];
  return lines.join("\n");
}
