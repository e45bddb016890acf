/**
 * The flags only `mcm sweep` has, as their own schema with the same flag metadata as the config fields
 * (src/config/schema.ts): flags, help and validation come from one place. The model flags come from the
 * config schema (src/cli/options.ts).
 */
import type { Command } from "commander";
import { z } from "zod";
import { int, ranged, toConfigError } from "../config/schema.js";
import { DIRECTIONS } from "../engine/layout.js";
import { UsageError } from "./errors.js";
import { addFlagOptions, flagsOf, type ModelFlagValues, readFlags } from "./options.js";

const DIRECTIONS_TEXT = `a comma list of ${DIRECTIONS.join(", ")}`;
const STOP_TEXT = "a number in [1, 1000]";
const CHUNK_TEXT = "an integer >= 1";

export const sweepFlagsSchema = z
  .object({
    seeds: int(1, 65536).default(16).meta({ flag: "--seeds", placeholder: "n", help: "walkers per grid point" }),
    directions: ranged(
      z
        .string({ error: DIRECTIONS_TEXT })
        .refine((s) => s.split(",").every((d) => (DIRECTIONS as readonly string[]).includes(d.trim())), {
          error: DIRECTIONS_TEXT,
        }),
      DIRECTIONS_TEXT,
    )
      .default("u,v")
      .meta({ flag: "--directions", placeholder: "list", help: "directions whose hitting times are measured" }),
    stopAfterHit: ranged(
      z.number({ error: STOP_TEXT }).refine((x) => x >= 1 && x <= 1000, { error: STOP_TEXT }),
      STOP_TEXT,
    )
      .default(1)
      .meta({
        flag: "--stop-after-hit",
        placeholder: "x",
        help: "run each walker on to x times its hitting step (1: stop at the hit)",
      }),
    threads: int(0, 256)
      .optional()
      .meta({ flag: "--threads", placeholder: "n", help: "worker threads (default: all cores)" }),
    chunk: ranged(z.int({ error: CHUNK_TEXT }).min(1, { error: CHUNK_TEXT }), CHUNK_TEXT)
      .optional()
      .meta({
        flag: "--chunk",
        placeholder: "n",
        help: "with --queue: walkers per job (default: a grid point per job); results do not depend on it",
      }),
  })
  .strict();

/** The sweep-only flags, validated and typed. */
export type SweepFlags = z.output<typeof sweepFlagsSchema>;

const SWEEP_FLAGS = flagsOf(sweepFlagsSchema.shape);

/** Adds the sweep-only flags to a command (defaults are applied by parseSweepFlags, shown in the help). */
export function addSweepOptions(cmd: Command): Command {
  return addFlagOptions(cmd, SWEEP_FLAGS, sweepFlagsSchema.parse({}));
}

/** Validates the sweep-only flags the user typed; errors name the flag, the value and the range. */
export function parseSweepFlags(opts: ModelFlagValues): SweepFlags {
  const { values: input } = readFlags(SWEEP_FLAGS, opts);
  // A bad direction is named alone, not the whole list.
  if (typeof input.directions === "string") {
    for (const d of input.directions.split(",").map((s) => s.trim())) {
      if (!(DIRECTIONS as readonly string[]).includes(d)) {
        throw new UsageError(`--directions: got ${JSON.stringify(d)}, expected ${DIRECTIONS_TEXT}`);
      }
    }
  }
  const result = sweepFlagsSchema.safeParse(input);
  if (!result.success) {
    throw toConfigError(result.error.issues[0], input, Object.keys(sweepFlagsSchema.shape));
  }
  return result.data;
}
