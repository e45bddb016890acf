/**
 * The generate experiment: sample with the oracle denoiser and with a trained family after n samples per
 * level, for log-spaced n, and compare the generated samples' statistics along u and v with the data
 * law's. Progress is a plain JSON state (finished levels' snapshots, finished statistics), saved after
 * every unit of work, so an interrupted or diverged run resumes without redoing anything.
 */

import { ConfigError } from "../config/errors.js";
import { tableRange } from "../config/model.js";
import { alphaSigma } from "../config/process.js";
import type { Config } from "../config/schema.js";
import type { Kernels } from "../engine/kernels.js";
import { median } from "../experiments/stats.js";
import { bestOverlaps, earliestHits } from "../experiments/walkers.js";
import { gaussianVariance, unitAtSpikeFamily, wienerFamily } from "./controls.js";
import { type LevelRun, trainLevel } from "./family.js";
import { dataStats, type GridPoint, type LawStats, STAT_NAMES, type StatName, samplerGrid } from "./law.js";
import { type FamilyInterval, levelHitInterval, type ReachRow, reachRows } from "./reach.js";
import { createGenerator, type SamplerName, type TrainedFamily } from "./sampler.js";
import { histogramV, type SampleStats, sampleStats } from "./stats.js";

/** Config values generate uses where neither the caller nor a flag sets them: a family that can represent
 * the linear correction along u and a non-linear one along v (docs/model.md section 11), one family, and
 * delta = 0.1 (at the run's 0.5 the overlaps' noise floor costs a third of Var(x.u); docs/generate.md). */
export const GENERATE_CONFIG_DEFAULTS = {
  delta: 0.1,
  K: 2,
  trainSkip: true,
  trainAmplitude: true,
  walkers: 1,
} as const satisfies Partial<Config>;

export interface GeneratePlan {
  config: Config;
  seed: string;
  /** t of each level, noisiest first. */
  levels: number[];
  sampler: SamplerName;
  samples: number;
  /** Training samples n per level at each snapshot (increasing; the last is the budget). */
  snapshots: number[];
}

/** Histogram of x.v: densities over `bins` equal bins of [lo, hi]. */
export interface HistogramV {
  lo: number;
  hi: number;
  density: number[];
}

export interface GeneratedStats extends SampleStats {
  histogram: HistogramV;
}

export interface SnapshotResult extends GeneratedStats {
  /** Training samples per level. */
  n: number;
  nOverD: number;
  /** Median over levels and walkers of max over units |w.u| and |w.v|. */
  overlapU: number;
  overlapV: number;
  /** Per family (walker), its own samples' statistics, when there is more than one family. */
  families?: LawStats[];
}

/** Families written down rather than trained, sampled on the same grid and stream as the oracle
 * (src/generate/controls.ts; absent when betaM != 0). */
export interface ControlStats {
  /** The Wiener family: the linear Bayes-optimal denoiser of the data's Gaussian clone. */
  wiener: GeneratedStats;
  /** One unit of the configured activation at w = u with the loss-minimising b and a per level. */
  unitAtU: GeneratedStats;
  /** The variance along u that the sampler's grid gives a Gaussian of variance 1 + betaU under its exact
   * posterior mean (DDIM or Heun, closed form; null for DDPM): the grid's own discretisation error. */
  gaussianVarU: number | null;
}

export interface GenerateState {
  plan: GeneratePlan;
  oracle?: GeneratedStats;
  controls?: ControlStats;
  levels: LevelRun[];
  snapshots: SnapshotResult[];
}

export interface LevelSummary extends GridPoint {
  /** Per walker: the first n at which some unit's |overlap| reached the threshold, null if not reached. */
  hitU: (number | null)[];
  hitV: (number | null)[];
}

export interface GenerateResult {
  config: Config;
  seed: string;
  sampler: SamplerName;
  samples: number;
  grid: GridPoint[];
  levels: LevelSummary[];
  data: LawStats;
  oracle: GeneratedStats;
  controls?: ControlStats;
  snapshots: SnapshotResult[];
  /** Per statistic: the first n at which the generated value has covered half of the way from the first
   * snapshot's value to the oracle's (null: never, or the two are within 3 SE of each other). */
  halfway: Record<StatName, number | null>;
  /** Per fraction (0.1, 0.5, 0.8) of the way from the first snapshot to the oracle: the n at which each
   * statistic gets there, per family, with the median over families and its 95 % interval. */
  reach: ReachRow[];
  /** Per family the median over levels of the first step with |w.u| (|w.v|) >= threshold; the median over
   * families with its 95 % interval. */
  hitMedian: { u: FamilyInterval; v: FamilyInterval };
}

/** The half-way n of each statistic (see GenerateResult.halfway). */
export function halfwayN(oracle: SampleStats, snapshots: readonly SnapshotResult[]): Record<StatName, number | null> {
  const out = {} as Record<StatName, number | null>;
  for (const k of STAT_NAMES) {
    out[k] = null;
    if (snapshots.length === 0) continue;
    const first = snapshots[0];
    const gap = oracle[k] - first[k];
    const se = Math.hypot(oracle.se[k] ?? 0, first.se[k] ?? 0);
    if (!(Math.abs(gap) > 3 * se)) continue;
    const hit = snapshots.find((s) => (s[k] - first[k]) / gap >= 0.5);
    out[k] = hit ? hit.n : null;
  }
  return out;
}

/** Checks what the kernels and the family need of a plan; errors name the field. */
export function validatePlan(plan: GeneratePlan): void {
  const { config } = plan;
  if (config.backend !== "full") {
    throw new ConfigError(
      "backend",
      `got "${config.backend}", expected "full" (a trained family needs the weights, which the reduced backend does not have)`,
    );
  }
  if (!Number.isSafeInteger(plan.samples) || plan.samples < 2 || plan.samples > 10_000_000) {
    throw new ConfigError("samples", `got ${plan.samples}, expected a whole number in [2, 1e7]`);
  }
  if (config.target === "noise" && plan.levels.some((t) => alphaSigma(config.process, t).alpha === 0)) {
    throw new ConfigError(
      "levels",
      "a level with alpha(t) = 0 cannot turn a noise prediction into x0; use t > 0 or target x0",
    );
  }
}

/** Throws a ConfigError naming the first field in which two members of a family differ, t aside. */
export function checkFamily(configs: readonly Config[]): void {
  for (const c of configs.slice(1)) {
    for (const key of Object.keys(configs[0]) as (keyof Config)[]) {
      if (key === "t") continue;
      if (c[key] !== configs[0][key]) {
        throw new ConfigError(
          key,
          `got ${JSON.stringify(c[key])} and ${JSON.stringify(configs[0][key])} in one family; its levels may differ only in t`,
        );
      }
    }
  }
}

function lawOnly(s: SampleStats): LawStats {
  return { varU: s.varU, varV: s.varV, skewV: s.skewV, exKurtV: s.exKurtV, uv: s.uv, u2v: s.u2v };
}

function withHistogram(rows: Float64Array): GeneratedStats {
  const lo = -4;
  const hi = 4;
  return { ...sampleStats(rows), histogram: { lo, hi, density: histogramV(rows, 4, lo, hi, 64) } };
}

/** Walker f's family at snapshot j (its denoiser of every level, noisiest first). */
function familyAt(levels: readonly LevelRun[], j: number, f: number, K: number, d: number): TrainedFamily {
  const L = levels.length;
  const w = new Float64Array(L * K * d);
  const a = new Float64Array(L * K);
  const b = new Float64Array(L);
  levels.forEach((lv, l) => {
    const s = lv.snapshots[j];
    w.set(s.w.slice(f * K * d, (f + 1) * K * d), l * K * d);
    a.set(s.a.slice(f * K, (f + 1) * K), l * K);
    b[l] = s.b[f];
  });
  return { w, a, b };
}

/** Median over levels and walkers of max over units |overlap| with direction j at snapshot s. */
function overlapAt(levels: readonly LevelRun[], s: number, j: number, K: number, walkers: number): number {
  return median(levels.flatMap((lv) => bestOverlaps(lv.snapshots[s].overlaps, walkers, K, j)));
}

/** The control families of a plan (ControlStats), on the oracle's stream 0. */
async function sampleControls(plan: GeneratePlan, grid: GridPoint[], kernels?: Kernels): Promise<ControlStats> {
  const { config } = plan;
  const linear = await createGenerator({ ...config, activation: "linear", K: 2, target: "x0" }, plan.seed, { kernels });
  const unit = await createGenerator({ ...config, target: "x0" }, plan.seed, { kernels });
  const spikes = linear.sim.spikes();
  const request = { grid, sampler: plan.sampler, samples: plan.samples, stream: 0 };
  return {
    wiener: withHistogram(linear.sample({ ...request, family: wienerFamily(config, spikes, grid) })),
    unitAtU: withHistogram(unit.sample({ ...request, family: unitAtSpikeFamily(config, spikes.u, grid) })),
    gaussianVarU: plan.sampler === "ddpm" ? null : gaussianVariance(grid, 1 + config.betaU, plan.sampler),
  };
}

export interface GenerateHooks {
  kernels?: Kernels;
  /** Called after each unit of work with the state to save (a level trained, a statistic computed). */
  save?: (state: GenerateState) => void;
  /** Progress text. */
  onStep?: (text: string) => void;
  signal?: AbortSignal;
}

/** Runs (or continues, from `state`) the generate experiment. */
export async function runGenerate(state: GenerateState, hooks: GenerateHooks = {}): Promise<GenerateResult> {
  const { plan } = state;
  validatePlan(plan);
  const { config } = plan;
  const { d, K, walkers } = config;
  const grid = samplerGrid(config.process, plan.levels);
  // A formula activation's table covers every level's pre-activations: one table for training and sampling.
  const range = Math.max(...grid.map((g) => tableRange(g.alpha, g.sigma, config)));
  const gen = await createGenerator(config, plan.seed, { kernels: hooks.kernels, tableRange: range });
  const save = () => hooks.save?.(state);
  if (!state.oracle) {
    hooks.onStep?.("sampling with the oracle denoiser");
    state.oracle = withHistogram(gen.sample({ grid, sampler: plan.sampler, samples: plan.samples, stream: 0 }));
    save();
  }
  if (!state.controls && config.betaM === 0) {
    hooks.onStep?.("sampling with the control families");
    state.controls = await sampleControls(plan, grid, hooks.kernels);
    save();
  }
  for (let l = state.levels.length; l < plan.levels.length; l++) {
    hooks.onStep?.(`training level ${l + 1}/${plan.levels.length} (t = ${plan.levels[l].toPrecision(4)})`);
    state.levels.push(
      await trainLevel(config, plan.seed, l, plan.levels[l], plan.snapshots, {
        kernels: hooks.kernels,
        signal: hooks.signal,
        tableRange: range,
      }),
    );
    save();
  }
  const perFamily = Math.max(2, Math.ceil(plan.samples / walkers));
  for (let j = state.snapshots.length; j < plan.snapshots.length; j++) {
    const n = plan.snapshots[j];
    hooks.onStep?.(`sampling with the family at n = ${n}`);
    const parts: Float64Array[] = [];
    for (let f = 0; f < walkers; f++) {
      const family = familyAt(state.levels, j, f, K, d);
      parts.push(gen.sample({ grid, sampler: plan.sampler, samples: perFamily, family, stream: f }));
    }
    const families = walkers > 1 ? parts.map((p) => lawOnly(sampleStats(p))) : undefined;
    const rows = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      rows.set(p, at);
      at += p.length;
    }
    state.snapshots.push({
      n,
      nOverD: n / d,
      overlapU: overlapAt(state.levels, j, 0, K, walkers),
      overlapV: overlapAt(state.levels, j, 1, K, walkers),
      ...withHistogram(rows),
      ...(families ? { families } : {}),
    });
    save();
  }
  return {
    config,
    seed: plan.seed,
    sampler: plan.sampler,
    samples: plan.samples,
    grid,
    levels: state.levels.map((lv, l) => ({
      ...grid[l],
      hitU: earliestHits(lv.hits, walkers, K, 0),
      hitV: earliestHits(lv.hits, walkers, K, 1),
    })),
    data: dataStats(config),
    oracle: state.oracle,
    ...(state.controls ? { controls: state.controls } : {}),
    snapshots: state.snapshots,
    halfway: halfwayN(state.oracle, state.snapshots),
    reach: reachRows(state.oracle, state.snapshots, walkers),
    hitMedian: {
      u: levelHitInterval(state.levels.map((lv) => earliestHits(lv.hits, walkers, K, 0))),
      v: levelHitInterval(state.levels.map((lv) => earliestHits(lv.hits, walkers, K, 1))),
    },
  };
}
