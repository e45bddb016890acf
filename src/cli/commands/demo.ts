/**
 * `mcm demo` (also `npm start`): the main job. Four regimes, each beside its linear control
 * (src/experiments/regimes.ts; docs/demo.md says why these parameters), then the phase-transition
 * summary with the controls' column, a terminal preview and the plots.
 */
import { basename, join } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { bool, int, parseSeed, seedField } from "../../config/schema.js";
import type { SweepResult } from "../../experiments/sweep.js";
import { stamp } from "../../io/stamp.js";
import { Interrupted } from "../errors.js";
import { addOutputOptions, addSchemaOptions, type ModelFlagValues, type OutputFlags, parseFlags } from "../options.js";
import { utcStamp } from "../paths.js";
import { createReporter } from "../progress.js";
import { RunDir, type RunDirSpec } from "../rundir.js";
import { catchStopSignals, signalExitCode } from "../signals.js";
import { formatPoints, writePlots } from "../sweep-output.js";
import { localBuild } from "../sweep-store.js";

/** What a finished demo leaves in --out: refused there without --force, like every other command. */
const DEMO_OUTPUTS = [
  "demo.json",
  ...["overlaps", "collapse", "hitting-times"].flatMap((p) => [`${p}.svg`, `${p}.png`]),
];
/** The demo's directory: no checkpoint, demo.json written last marks it done. */
const DEMO_DIR: RunDirSpec = { command: "demo", files: DEMO_OUTPUTS, checkpoint: "demo.json" };

/** The flags of `mcm demo`, their help and validation (--out, --force and the output flags aside). */
export const demoSchema = z
  .object({
    seed: seedField().default("2026").meta({ flag: "--seed", placeholder: "n", help: "master seed" }),
    threads: int(0, 256)
      .optional()
      .meta({ flag: "--threads", placeholder: "n", help: "worker threads (default: all cores)" }),
    quick: bool()
      .default(false)
      .meta({ flag: "--quick", help: "a smaller demo (fewer walkers and sizes) for a smoke test; wider intervals" }),
  })
  .strict();

/** The flags of `mcm demo` that are not in its schema. */
interface DemoFlags extends OutputFlags {
  out?: string;
  force?: boolean;
}

export function registerDemo(program: Command): Command {
  const cmd = program
    .command("demo")
    .description(
      "Measure, over d and many walkers, the first-hitting times of (A) the covariance direction, (B) the " +
        "fourth-cumulant direction with independent latents, (C1) the same direction with sign latents, reached " +
        "through the covariance's u-v cross term, and (C2) the same direction with uncorrelated latents " +
        "(E[lambda nu] = 0) and relu, learned from higher-order statistics; each beside the same regime with a " +
        "linear denoiser. Fit the exponents of n*(d), set them beside the diffusion information exponent, and " +
        "label each regime by what its control does (covariance-mediated when the control learns it too).",
    );
  addSchemaOptions(cmd, demoSchema)
    .option("--out <dir>", "output directory (default: ./mcm-output/demo-<UTC timestamp>)")
    .option("--force", "replace the outputs of an earlier demo in --out");
  return addOutputOptions(cmd, "phase summary and per-point medians").action(
    async (opts: DemoFlags & ModelFlagValues) => {
      const flags = parseFlags(demoSchema, opts);
      const seed = parseSeed(flags.seed) as string;
      const { threads, quick } = flags;
      const dir = RunDir.create(
        DEMO_DIR,
        "--out",
        opts.out ?? join("mcm-output", `demo-${utcStamp()}`),
        opts.force === true,
      );
      // The demo keeps no checkpoint: a signal while it computes stops it at once, leaving DIR as it was; one
      // while it writes its outputs lets them finish, then exits 130/143.
      let writing = false;
      const stop = catchStopSignals(() => "the outputs being written are incomplete; run the demo again");
      stop.signal.addEventListener("abort", () => {
        if (writing) return;
        const s = stop.caught() ?? "SIGINT";
        dir.undo();
        process.stderr.write(`mcm: interrupted by ${s}; the demo keeps no checkpoint: nothing is kept, run it again\n`);
        process.exit(signalExitCode(s));
      });
      try {
        await dir.around(() => demo(dir, opts, seed, threads, quick, () => (writing = true)));
      } finally {
        stop.release();
      }
      const late = stop.caught();
      if (late)
        throw new Interrupted(
          late,
          `interrupted by ${late} while writing the outputs; they are complete in ${dir.dir}`,
        );
    },
  );
}

async function demo(
  dir: RunDir,
  opts: DemoFlags,
  seed: string,
  threads: number | undefined,
  quick: boolean,
  writing: () => void,
): Promise<void> {
  {
    const outDir = dir.dir;
    const reporter = createReporter({ quiet: opts.quiet === true });
    const { demoRegimes, runDemo } = await import("../../experiments/demo.js");
    const { formatPhaseTable } = await import("../../experiments/phase.js");
    const options = { seed, threads, quick };
    for (const r of demoRegimes(options)) {
      const b = r.spec.base as Record<string, unknown>;
      reporter.info(
        `${r.label}: d = ${(r.spec.grid.d as number[]).join(", ")}; ${r.spec.seeds} walkers each (control: ${r.control.seeds}${r.controlThreshold ? `, threshold ${r.controlThreshold.value}` : ""}); threshold ${b.threshold ?? 0.5}; ${b.backend ?? "full"} backend`,
      );
    }
    const bar = reporter.bar("demo", 100, "%");
    const t0 = performance.now();
    const result = await runDemo({
      ...options,
      onProgress: (p) => {
        const seconds = (performance.now() - t0) / 1000;
        bar.update(100 * p.fraction, seconds > 0 ? (100 * p.fraction) / seconds : 0);
      },
    });
    bar.done(`demo: ${result.regimes.length} regimes and their controls in ${result.seconds.toFixed(0)}s`);
    // Loaded here, not at start-up: vega takes most of a second to import.
    const { demoPlotRegimes, demoPreview } = await import("../../report/demo-report.js");
    const { collapseSpec, hittingTimesSpec, overlapCurvesSpec } = await import("../../report/plots.js");
    const { predictedBands, predictedCurves } = await import("../../report/bands.js");
    const regimes = demoPlotRegimes(result);
    writing();
    const files = await writePlots(outDir, {
      overlaps: overlapCurvesSpec(
        regimes,
        "Overlap with the measured direction: median and quartiles over walkers",
        predictedCurves(regimes),
      ),
      collapse: collapseSpec(regimes, "Median first-hitting time divided by the predicted law (flat = agreement)"),
      "hitting-times": hittingTimesSpec(regimes, undefined, predictedBands(regimes)),
    });
    const doc = stamp("mcm.demo/1", localBuild(), {
      seed,
      seconds: result.seconds,
      phase: result.rows,
      regimes: result.regimes.map((r) => ({
        id: r.id,
        label: r.label,
        direction: r.direction,
        ...sweepDoc(r.result),
        control: sweepDoc(r.control),
      })),
      // File names within the output directory, so that the document stays true when the directory moves.
      plots: files.map((f) => basename(f)),
    });
    dir.writeCheckpoint("demo.json", `${JSON.stringify(doc, null, 1)}\n`);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(doc, null, 1)}\n`);
      return;
    }
    const out: string[] = [];
    for (const r of result.regimes) {
      out.push(r.label, formatPoints(r.result), `${r.label}, linear control`, formatPoints(r.control), "");
    }
    out.push("Phase-transition summary", formatPhaseTable(result.rows), "", demoPreview(result), "");
    out.push(`plots: ${files.filter((f) => f.endsWith(".png")).join(", ")}`, `all outputs: ${outDir}`, "");
    process.stdout.write(out.join("\n"));
  }
}

/** The JSON of one sweep of the demo: its spec, fits and per-point hitting times. */
function sweepDoc(r: SweepResult) {
  return {
    spec: r.spec,
    fits: r.fits,
    points: r.points.map((p) => ({ at: p.at, steps: p.steps, config: p.config, directions: p.directions })),
  };
}
