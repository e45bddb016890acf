/**
 * The serialisable form of a sweep (what `mcm sweep` stores beside its results, and what a queue job
 * refers to): the steps budget is an expression in d (src/config/steps.ts), not a function.
 */

import type { Direction } from "../config/directions.js";
import type { ConfigInput } from "../config/schema.js";
import { parseSteps } from "../config/steps.js";
import type { SweepSpec } from "./sweep.js";

export interface SweepFile {
  base: ConfigInput;
  grid: Record<string, unknown[]>;
  seeds: number;
  /** Steps per point: a number or an expression in d such as "30*d^3". */
  steps: string;
  seed: string;
  directions?: Direction[];
  stopAfterHit?: number;
}

export function toSweepSpec(file: SweepFile): SweepSpec {
  const steps = parseSteps(file.steps);
  return {
    base: file.base,
    grid: file.grid,
    seeds: file.seeds,
    steps: (c) => steps.at(c.d),
    seed: file.seed,
    directions: file.directions,
    stopAfterHit: file.stopAfterHit,
  };
}
