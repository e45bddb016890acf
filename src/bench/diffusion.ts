/**
 * A training step of `mcm diffusion`'s default U-Net (`npm run bench`): 14 x 14, width 16, batch 32 in 4
 * shards, one thread, in CPU milliseconds (process.cpuUsage, best of `reps` after a warm-up, as
 * ./conv.ts), for the SIMD and the scalar build side by side: R alone, and R with its two Gaussian twins
 * (three networks and the clone draws), alternated in one run so that their ratio sees the same load.
 *
 * The split by layer times a separate, instrumented copy of the step: its layers' forward and backward
 * methods and the optimiser's kernels are wrapped in exclusive CPU timers (a layer's time excludes the
 * layers it calls), on instances built for the bench only, so the normal path carries no hook. The split
 * is that of the instrumented step with the smallest total; "rest" is what no timer covered (the
 * minibatch, noise and clone draws on the host, the loss, the shard copies and sums, the residual adds).
 */
import { loadDiffusionKernels } from "../diffusion/kernels.js";
import { type NetSpec, Network } from "../diffusion/net.js";
import { DIFFUSION_DEFAULTS } from "../diffusion/options.js";
import { cloneSource } from "../diffusion/setup.js";
import { Trainer } from "../diffusion/train.js";
import type { GaussianReference } from "../images/gaussian.js";

type Flavour = "simd" | "scalar";

export interface DiffusionStepBench {
  label: string;
  /** CPU ms per step per build: R alone, R with its twins, their ratio; the split of R's step by layer. */
  builds: Record<Flavour, { single: number; twin: number; ratio: number; split: Record<string, number> }>;
}

/** The part of the step a layer class's own time goes to (classes absent here are not timed). */
const PART_OF: Record<string, string> = {
  Conv3: "conv (im2col + GEMM)",
  GroupNorm: "GroupNorm",
  Silu: "SiLU",
  GroupNormSilu: "GroupNorm + SiLU",
  Dense: "time MLP",
  TimeEmbed: "time MLP",
  Pool: "pooling, upsampling",
  Up: "pooling, upsampling",
  ResBlock: "rest",
  UNet: "rest",
};
/** Kernels called outside the layers, by export name. */
const KERNEL_PART: Record<string, string> = { adamStep: "Adam", emaStep: "EMA", adamEmaStep: "Adam + EMA" };

function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/** Exclusive CPU time per part: entering a part pauses the enclosing one. */
class Profile {
  readonly ms: Record<string, number> = {};
  private readonly stack: { part: string; since: number }[] = [];
  enter(part: string): void {
    const now = cpuMs();
    const top = this.stack.at(-1);
    if (top) this.ms[top.part] = (this.ms[top.part] ?? 0) + now - top.since;
    this.stack.push({ part, since: now });
  }
  exit(): void {
    const now = cpuMs();
    const top = this.stack.pop() as { part: string; since: number };
    this.ms[top.part] = (this.ms[top.part] ?? 0) + now - top.since;
    const under = this.stack.at(-1);
    if (under) under.since = now;
  }
  wrap<F extends (...a: never[]) => unknown>(part: string, f: F, self: unknown): F {
    return ((...a: Parameters<F>) => {
      this.enter(part);
      try {
        return f.apply(self, a);
      } finally {
        this.exit();
      }
    }) as F;
  }
}

/** Wraps the forward and backward methods of every layer reachable from `root` (each object once; a
 * layer inside the time embedding counts as the time MLP's). */
function instrument(root: object, prof: Profile, inherited: string | null = null, seen = new Set<object>()): void {
  if (seen.has(root)) return;
  seen.add(root);
  const cls = root.constructor?.name ?? "";
  const part = inherited ?? PART_OF[cls] ?? null;
  const obj = root as Record<string, unknown>;
  if (part && PART_OF[cls]) {
    for (const m of ["forward", "backward"]) {
      const f = obj[m];
      if (typeof f === "function") obj[m] = prof.wrap(part, f as () => unknown, root);
    }
  }
  for (const v of Object.values(obj)) {
    if (!v || typeof v !== "object") continue;
    const name = v.constructor?.name ?? "";
    if (Array.isArray(v) || name === "Object" || PART_OF[name]) {
      instrument(v, prof, cls === "TimeEmbed" ? "time MLP" : inherited, seen);
    }
  }
}

/** A stand-in clone of d pixels (identity eigenvectors, unit variances): the draw costs what the real
 * clone's does, a dense d x d product per image. */
function benchClone(d: number) {
  const eye = new Float64Array(d * d);
  for (let i = 0; i < d; i++) eye[i * d + i] = 1;
  const ref: GaussianReference = {
    d,
    mean: new Float64Array(d),
    values: new Float64Array(d).fill(1),
    vectors: eye,
    ut: eye,
    avgVariance: 1,
    rank: d,
  };
  return cloneSource(ref);
}

export async function runDiffusionBench(
  options: { quick?: boolean; onProgress?: (m: string) => void } = {},
): Promise<DiffusionStepBench> {
  const D = DIFFUSION_DEFAULTS;
  const spec: NetSpec = { arch: "unet", C: 1, H: 14, W: 14, width: D.width, groups: D.groups, tdim: D.tdim };
  const opts = D; // the defaults: batch, shards, lr, Adam's betas, EMA, t range
  const d = spec.C * spec.H * spec.W;
  const nTrain = 256;
  const data = new Float32Array(nTrain * d).map((_, i) => Math.sin(0.1 * i));
  const builds = {} as DiffusionStepBench["builds"];
  let params = 0;
  for (const flavour of ["simd", "scalar"] as const) {
    options.onProgress?.(`diffusion: a training step, ${flavour} build`);
    const kernels = await loadDiffusionKernels(flavour);
    const trainer = async (twins: boolean, wrap?: (k: Network["k"]) => Network["k"]) => {
      const net = async () => {
        const k = await kernels.instantiate();
        return new Network(wrap ? wrap(k) : k, spec, D.batch); // as the run builds them
      };
      const tr = new Trainer(await net(), data, nTrain, opts);
      if (twins) tr.addTwins([await net(), await net()], benchClone(d));
      tr.init(0, 1, 1, 2, twins ? [3, 4] : []);
      return tr;
    };
    const single = await trainer(false);
    const twin = await trainer(true);
    params = single.net.size;
    const prof = new Profile();
    const profiled = await trainer(false, (k) => {
      const w = { ...k } as Record<string, unknown>;
      for (const [name, part] of Object.entries(KERNEL_PART)) {
        if (typeof w[name] === "function") w[name] = prof.wrap(part, w[name] as () => unknown, k);
      }
      return w as unknown as Network["k"];
    });
    instrument(profiled.net, prof);
    const reps = options.quick ? 2 : flavour === "simd" ? 7 : 3;
    const time = (tr: Trainer) => {
      const t0 = cpuMs();
      tr.trainStep();
      return cpuMs() - t0;
    };
    for (const tr of [single, twin, profiled]) time(tr); // warm-up
    let [best1, best3, bestP] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    let split: Record<string, number> = {};
    for (let r = 0; r < reps; r++) {
      best1 = Math.min(best1, time(single));
      best3 = Math.min(best3, time(twin));
      for (const k of Object.keys(prof.ms)) delete prof.ms[k];
      const total = time(profiled);
      if (total < bestP) {
        bestP = total;
        const timed = Object.values(prof.ms).reduce((a, b) => a + b, 0);
        split = { ...prof.ms, rest: (prof.ms.rest ?? 0) + Math.max(0, total - timed) };
      }
    }
    builds[flavour] = { single: best1, twin: best3, ratio: best3 / best1, split };
  }
  return {
    label: `the default U-Net (width ${D.width}) at 14 x 14, batch ${D.batch} in ${D.shards} shards, ${params} parameters, one thread`,
    builds,
  };
}

export function formatDiffusionBench(r: DiffusionStepBench): string {
  const { simd, scalar } = r.builds;
  const parts = [...new Set([...Object.keys(simd.split), ...Object.keys(scalar.split)])].sort((a, b) =>
    a === "rest" ? 1 : b === "rest" ? -1 : (simd.split[b] ?? 0) - (simd.split[a] ?? 0),
  );
  const row = (label: string, a: string, b: string) => `  ${label.padEnd(48)} ${a.padStart(10)} ${b.padStart(10)}`;
  const ms = (v: number | undefined) => (v === undefined ? "-" : v.toFixed(1));
  const sum = (s: Record<string, number>) => Object.values(s).reduce((a, b) => a + b, 0);
  return [
    "",
    `Diffusion training step, ${r.label}; CPU ms, best of repetitions:`,
    row("", "SIMD", "scalar"),
    row("R alone", ms(simd.single), ms(scalar.single)),
    row("R with twins G, G' (3 networks + clone draws)", ms(simd.twin), ms(scalar.twin)),
    row("twins / alone", simd.ratio.toFixed(2), scalar.ratio.toFixed(2)),
    row("split of R's step (instrumented):", ms(sum(simd.split)), ms(sum(scalar.split))),
    ...parts.map((p) => row(`  ${p}`, ms(simd.split[p]), ms(scalar.split[p]))),
  ].join("\n");
}
