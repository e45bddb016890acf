/**
 * The host side of the oracle denoiser and the reverse-time sampler (assembly/oracle.ts, assembly/sample.ts):
 * a kernel instance configured for the model (its spikes drawn from the seed exactly as a run's), and
 * calls that sample many points per kernel call.
 */
import type { Config } from "../config/schema.js";
import { FAMILY_NOISE, FAMILY_ORACLE, FAMILY_X0, SAMPLER_DDIM, SAMPLER_DDPM, SAMPLER_HEUN } from "../engine/abi.js";
import type { Kernels } from "../engine/kernels.js";
import { MAX_ARENA_BYTES, STREAM } from "../engine/layout.js";
import { createSimulation, type Simulation, seedWords } from "../engine/simulation.js";
import type { GridPoint } from "./law.js";

/** The reverse processes, in the order of their kernel codes (SAMPLER_* in assembly/params.ts). */
export const SAMPLERS = ["ddim", "ddpm", "heun"] as const;
export type SamplerName = (typeof SAMPLERS)[number];

const SAMPLER_CODE: Record<SamplerName, number> = { ddim: SAMPLER_DDIM, ddpm: SAMPLER_DDPM, heun: SAMPLER_HEUN };

/** One trained denoiser per level (noisiest first), as the sampler reads them. */
export interface TrainedFamily {
  /** [levels, K, d] */
  w: Float64Array;
  /** [levels, K] */
  a: Float64Array;
  /** [levels] */
  b: Float64Array;
}

/** Generated samples use the `test` stream with walker ids from here on (distinct from sim.sample's). */
export const GENERATE_STREAM_BASE = 1 << 20;

export interface SampleRequest {
  grid: readonly GridPoint[];
  sampler: SamplerName;
  samples: number;
  /** The trained family; absent: the oracle. */
  family?: TrainedFamily;
  /** Stream number: the same stream gives the same starting noise (and DDPM noise) to every family. */
  stream?: number;
}

export interface Generator {
  readonly config: Config;
  /** The simulation whose kernel instance and spikes the generator uses (one walker, unused). */
  readonly sim: Simulation;
  /** Rows [samples, 4]: x.u, x.v, x.m, |x|^2 of each generated sample. */
  sample(request: SampleRequest): Float64Array;
  /** E[x0.u | y] and E[x0.v | y] at (alpha, sigma) for y = (x.u, x.v) = (yu, yv). */
  oracleSpan(alpha: number, sigma: number, yu: number, yv: number): { u: number; v: number };
  /** E[x0 | xt] [d] at (alpha, sigma). */
  oracleDenoise(alpha: number, sigma: number, xt: Float64Array): Float64Array;
  /** Monte Carlo mean of |x0 - E[x0 | xt]|^2 over n fresh samples of the `test` stream `stream`. */
  oracleMse(alpha: number, sigma: number, n: number, stream: number): number;
}

/** A generator for a config and seed (the spikes are those of a run with this seed). */
export async function createGenerator(
  config: Config,
  seed: string | number | bigint,
  options: { kernels?: Kernels; tableRange?: number } = {},
): Promise<Generator> {
  const sim = await createSimulation(
    { ...config, walkers: 1, backend: "full" },
    { kernels: options.kernels, tableRange: options.tableRange },
  );
  sim.init(seed);
  const { hi, lo } = seedWords(seed);
  const { d, K } = sim.config;
  const { exports, arena, layout } = sim;
  const base = (layout.end + 15) & ~15;
  const rng = base;
  const scratch = base + 32;
  const align = (x: number) => (x + 15) & ~15;

  return {
    config: sim.config,
    sim,
    sample(request) {
      const { grid, samples, family } = request;
      const levels = grid.length - 1;
      if (!Number.isSafeInteger(samples) || samples < 2) {
        throw new RangeError(`samples: got ${samples}, expected a whole number >= 2`);
      }
      const gridPtr = scratch;
      const wPtr = align(gridPtr + 16 * grid.length);
      const aPtr = align(wPtr + (family ? 8 * levels * K * d : 0));
      const bPtr = align(aPtr + (family ? 8 * levels * K : 0));
      const outPtr = align(bPtr + (family ? 8 * levels : 0));
      const end = outPtr + 32 * samples;
      if (end > MAX_ARENA_BYTES) throw new RangeError(`samples: ${samples} samples do not fit in one call`);
      arena.ensure(end);
      arena.writeF64(
        gridPtr,
        grid.flatMap((g) => [g.alpha, g.sigma]),
      );
      let code = FAMILY_ORACLE;
      if (family) {
        if (family.w.length !== levels * K * d || family.a.length !== levels * K || family.b.length !== levels) {
          throw new Error(`sample: the family's shapes do not match ${levels} levels, K = ${K}, d = ${d}`);
        }
        arena.writeF64(wPtr, family.w);
        arena.writeF64(aPtr, family.a);
        arena.writeF64(bPtr, family.b);
        code = config.target === "x0" ? FAMILY_X0 : FAMILY_NOISE;
      }
      exports.seedStream(rng, hi, lo, STREAM.test, GENERATE_STREAM_BASE + (request.stream ?? 0));
      exports.generate(rng, samples, gridPtr, levels, SAMPLER_CODE[request.sampler], code, wPtr, aPtr, bPtr, outPtr);
      return arena.readF64(outPtr, 4 * samples);
    },
    oracleSpan(alpha, sigma, yu, yv) {
      exports.oracleLevel(alpha, sigma);
      const u = exports.oracleSpan(yu, yv);
      return { u, v: exports.oracleLastV() };
    },
    oracleDenoise(alpha, sigma, xt) {
      const out = align(scratch + 8 * d);
      arena.ensure(out + 8 * d);
      arena.writeF64(scratch, xt);
      exports.oracleLevel(alpha, sigma);
      exports.oracleDenoise(scratch, out);
      return arena.readF64(out, d);
    },
    oracleMse(alpha, sigma, n, stream) {
      exports.seedStream(rng, hi, lo, STREAM.test, GENERATE_STREAM_BASE + stream);
      return exports.oracleMse(rng, alpha, sigma, n, layout.r);
    },
  };
}
