/**
 * The flags only `mcm sweep` has, as their own schema with the same flag metadata as the config fields
 * (src/config/schema.ts): flags, help and validation come from one place. The model flags come from the
 * config schema (src/cli/options.ts).
 */
import type { Command } from "commander";
import { z } from "zod";
import { DIRECTIONS } from "../config/directions.js";
import { int, ranged, toConfigError } from "../config/schema.js";
import { UsageError } from "./errors.js";
import { addFlagOptions, flagsOf, MODEL_FLAGS, type ModelFlagValues, readFlags } from "./options.js";

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

/** What `mcm sweep` was given, for the conflict checks: the flags' values and where each came from. */
export interface GivenFlags {
  opts: ModelFlagValues;
  /** commander's source of a value ("cli", "preset", "default", ...), when known. */
  sourceOf?: (attr: string) => string | undefined;
}

/** The flags that define a sweep (its grid, walkers, budget and seed): refused beside --resume. */
const DEFINING = [
  ...MODEL_FLAGS.map((f) => [f.attr, f.flag] as const),
  ...SWEEP_FLAGS.filter((f) => f.attr !== "threads" && f.attr !== "chunk").map((f) => [f.attr, f.flag] as const),
  ["steps", "--steps"],
  ["seed", "--seed"],
  ["control", "--control"],
  ["config", "--config"],
  ["preset", "--preset"],
] as const;

/**
 * Flags that contradict each other, refused naming both instead of one silently winning:
 *  - --walkers: a sweep runs --seeds walkers per grid point, so --walkers would be ignored;
 *  - --preset and --config: two sources of the same values;
 *  - --resume DIR with a flag that defines the sweep: the resumed sweep's come from DIR/sweep-spec.json
 *    (with --queue, --resume names a sweep id and --out says where its outputs go).
 */
export function refuseConflicts({ opts, sourceOf }: GivenFlags): void {
  const typed = (attr: string) => opts[attr] !== undefined && (sourceOf?.(attr) ?? "cli") !== "default";
  if (typed("walkers")) {
    const w = String(opts.walkers);
    if (typed("seeds") && sourceOf?.("seeds") !== "preset") {
      throw new UsageError(
        `--walkers: given together with --seeds; a sweep runs --seeds walkers per grid point (got --walkers ${w} and --seeds ${String(opts.seeds)}: give --seeds alone)`,
      );
    }
    throw new UsageError(
      `--walkers: a sweep runs --seeds walkers per grid point, so --walkers ${w} would be ignored; give --seeds ${w} instead`,
    );
  }
  if (typed("preset") && typed("config")) {
    throw new UsageError("--preset: given together with --config; give one of them (flags override either)");
  }
  if (typeof opts.resume === "string") {
    for (const [attr, flag] of DEFINING) {
      if (typed(attr) && sourceOf?.(attr) !== "preset") {
        throw new UsageError(
          `${flag}: given together with --resume; a resumed sweep keeps the flags it was started with (its sweep-spec.json)`,
        );
      }
    }
    if (typeof opts.queue !== "string" && typed("out")) {
      throw new UsageError(`--out: given together with --resume; a resumed sweep writes into the directory it resumes`);
    }
  }
}
