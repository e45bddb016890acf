/**
 * Which levels of a family can learn anything: at each level's t, the exponent calculator's verdict on u
 * and v for a single unit with the family's initial amplitude. With `--target noise` the denoiser predicts
 * minus a scaled score, so a unit with a positive amplitude is pushed away from both spikes at the default
 * skip (`mcm exponent --target noise` against `--amplitude -1`); a family trained that way learns nothing.
 */
import type { Config } from "../config/schema.js";
import { computeExponents } from "../theory/exponent.js";

const attracts = (config: Config, t: number, amplitude: number): boolean => {
  const r = computeExponents({ ...config, K: 1, t, amplitude }, { optimum: false });
  return r.directions.u.attracting || r.directions.v.attracting;
};

/** The levels (their t) at which neither u nor v attracts a unit with the config's amplitude while the
 * opposite sign of the amplitude would attract one of them. */
export function flippableLevels(config: Config, levels: readonly number[]): number[] {
  return levels.filter(
    (t) => t > 0 && !attracts(config, t, config.amplitude) && attracts(config, t, -config.amplitude),
  );
}

/** A warning for the levels at which the amplitude's sign keeps a unit from learning either spike while
 * the opposite sign would let it; null when there are none. Levels that repel either sign (the cleanest
 * ones, where the skip does nearly all the work) are physics, not a setting, and get no warning. */
export function repellingWarning(config: Config, levels: readonly number[]): string | null {
  const flipped = flippableLevels(config, levels);
  if (flipped.length === 0) return null;
  const shown = flipped
    .slice(0, 4)
    .map((t) => t.toPrecision(3))
    .join(", ");
  const more = flipped.length > 4 ? ", ..." : "";
  const total = levels.filter((t) => t > 0).length;
  return `warning: at ${flipped.length} of ${total} levels (t = ${shown}${more}) neither u nor v attracts a unit with amplitude ${config.amplitude} (target ${config.target}), while --amplitude ${-config.amplitude} would attract them (\`mcm exponent --t T --target ${config.target} --amplitude A\`): those levels will not learn the spikes.`;
}
