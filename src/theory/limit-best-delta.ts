/**
 * The limit prediction's best learning rate (./limit-predict.ts): the delta that minimises the slowest
 * escaping direction's predicted median n*, by a grid of delta/4 to 4 delta refined by golden section, or
 * for coupled overlaps (each delta a 2-D trajectory of seconds) a coarse grid extended while the best lies
 * at an end. The predictor is passed in (it calls this module), at reduced cost: no curves, no error
 * estimate, at most 600 SDE paths.
 */
import type { Direction } from "../config/directions.js";
import type { Config } from "../config/schema.js";
import { golden } from "./exponent.js";
import type { LimitPrediction, PredictOptions } from "./limit-types.js";

const fmt = (x: number) => Number(x.toPrecision(4));

/** The coarse grid of the best-delta search for coupled overlaps, as factors of the config's delta
 * (extended by factors of 2, up to three times, while the best lies at an end). */
const COUPLED_GRID = [0.5, Math.SQRT1_2, 1, Math.SQRT2, 2];

/** The delta that minimises the slowest escaping direction's predicted median (grid, then golden section). */
export function bestDeltaOf(
  config: Config,
  slow: Direction | null,
  coupled: boolean,
  options: PredictOptions,
  predictLimit: (config: Config, options: PredictOptions) => LimitPrediction,
): LimitPrediction["bestDelta"] {
  if (!slow) return { direction: null, reason: "no direction escapes at this delta" };
  const median = (logDelta: number) => {
    try {
      const pr = predictLimit(
        { ...config, delta: Math.exp(logDelta) },
        {
          ...options,
          curves: false,
          bestDelta: false,
          errorEstimate: false,
          onProgress: undefined,
          paths: Math.min(options.paths ?? 4000, 600),
        },
      );
      return pr.directions[slow]?.predictedHit?.median ?? Number.POSITIVE_INFINITY;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  };
  const l0 = Math.log(config.delta);
  if (coupled) {
    // Each delta of coupled overlaps needs its own 2-D trajectory (seconds): a coarse grid, said so.
    const factors = COUPLED_GRID.slice();
    const vals = factors.map((f) => median(l0 + Math.log(f)));
    let best = 0;
    for (let i = 1; i < vals.length; i++) if (vals[i] < vals[best]) best = i;
    // A best at an end of the grid: extend it by factors of 2 that way (up to 3 times) until it turns.
    for (
      let extra = 0;
      extra < 3 && Number.isFinite(vals[best]) && (best === 0 || best === factors.length - 1);
      extra++
    ) {
      const f = best === 0 ? factors[0] / 2 : factors[factors.length - 1] * 2;
      const v = median(l0 + Math.log(f));
      if (best === 0) {
        factors.unshift(f);
        vals.unshift(v);
        if (!(v < vals[1])) best = 1;
      } else {
        factors.push(f);
        vals.push(v);
        if (v < vals[best]) best = factors.length - 1;
      }
    }
    if (!Number.isFinite(vals[best]))
      return {
        direction: null,
        reason: `${slow} does not escape on the grid delta x {${factors.map(fmt).join(", ")}}`,
      };
    return {
      direction: slow,
      delta: fmt(config.delta * factors[best]),
      median: vals[best],
      grid: factors.map((f) => fmt(config.delta * f)),
    };
  }
  const grid = Array.from({ length: 9 }, (_, i) => l0 + Math.log(4) * ((i - 4) / 2));
  const vals = grid.map(median);
  let best = 0;
  for (let i = 1; i < grid.length; i++) if (vals[i] < vals[best]) best = i;
  if (!Number.isFinite(vals[best]))
    return { direction: null, reason: `${slow} does not escape for delta in [delta/4, 4 delta]` };
  const refined = golden(median, grid[Math.max(0, best - 1)], grid[Math.min(grid.length - 1, best + 1)], 10);
  const cands: [number, number][] = [
    [grid[best], vals[best]],
    [refined.x, refined.value],
  ];
  cands.sort((x, y) => x[1] - y[1]);
  return { direction: slow, delta: fmt(Math.exp(cands[0][0])), median: cands[0][1] };
}
