/**
 * `mcm predict`: the high-dimensional limit's prediction of each direction's first-hitting law and
 * overlap curve at the config's d (src/theory/limit-predict.ts; docs/model.md section 10). No simulation.
 */
import type { Command } from "commander";
import { z } from "zod";
import { int, seedField } from "../../config/schema.js";
import { formatPlateaus, plateauReport } from "../../experiments/plateau.js";
import { stamp } from "../../io/stamp.js";
import { shortNumber } from "../../theory/format.js";
import { type LimitPrediction, predictLimit } from "../../theory/limit-predict.js";
import { activationReport, formatActivationReport } from "../activation.js";
import { addFlagOptions, addModelOptions, flagsOf, parseFlags, readConfigFile, resolveRunOptions } from "../options.js";
import { createReporter, type ProgressBar } from "../progress.js";

const num = shortNumber;
const big = (x: number) => (x >= 1e5 ? x.toExponential(3) : String(Math.round(x)));

/** The JSON document of `mcm predict --json`: per direction its law, regime and overlap curve. */
export function predictionDocument(r: LimitPrediction, config: Record<string, unknown>): Record<string, unknown> {
  const { bulk: _b, ...model } = r.model;
  const directions: Record<string, unknown> = {};
  for (const [dir, pred] of Object.entries(r.directions))
    directions[dir] = { ...pred, curve: r.curves[dir as "u"] ?? null };
  return {
    config,
    model,
    d: r.d,
    directions,
    bestDelta: r.bestDelta,
    criticalLrExponent: r.criticalLrExponent,
  };
}

/** A few lines of text for people. */
export function formatPrediction(r: LimitPrediction): string {
  const m = r.model;
  const lines = [
    `Predicted first hits at d = ${r.d} (high-dimensional limit; ${m.activation}, ${m.process} t=${num(m.t)}, ` +
      `betaU=${num(m.betaU)}, betaV=${num(m.betaV)}, delta=${num(m.delta)}, p=${num(m.lrExponent)}, threshold ${num(m.threshold)})`,
  ];
  for (const [dir, p] of Object.entries(r.directions)) {
    if (!p) continue;
    const hit = p.predictedHit;
    const law = hit
      ? `n* quartiles ${big(hit.q25)} / ${big(hit.median)} / ${big(hit.q75)}` +
        (p.scaled
          ? ` (n*/${p.scaled.unit}: ${num(p.scaled.q25)} / ${num(p.scaled.median)} / ${num(p.scaled.q75)})`
          : "")
      : `no hit: ${p.reason}`;
    lines.push(`  ${dir}: ${p.regime}${p.k !== null ? `, k = ${p.k}` : ""}; ${law}`);
    if (hit && p.reason && p.regime === "finite-d SDE") lines.push(`     ${p.reason}`);
    if (typeof p.details.warning === "string") lines.push(`     warning: ${p.details.warning}`);
  }
  const b = r.bestDelta;
  lines.push(
    b.direction === null
      ? `best delta: ${b.reason}`
      : `best delta for ${b.direction}: ${num(b.delta)} (median n* ${big(b.median)}${b.grid ? `; coupled overlaps: the best of the coarse grid ${b.grid.map(num).join(", ")}` : ""})`,
  );
  if (r.criticalLrExponent !== null) lines.push(`critical learning-rate exponent p: ${num(r.criticalLrExponent)}`);
  return lines.join("\n");
}

const DEFAULT_PATHS = 4000;

/** predict's own flags beside the model's: their help and validation (absent: the defaults shown). */
export const predictSchema = z
  .object({
    seed: seedField()
      .optional()
      .meta({ flag: "--seed", placeholder: "n", help: "seed of the SDE paths of the critical regime" }),
    paths: int(100, 1_000_000).optional().meta({
      flag: "--paths",
      placeholder: "n",
      help: "SDE paths of the critical regime and, when given, of every k = 2 search too (finite-d paths instead of the closed form)",
    }),
  })
  .strict();

const PREDICT_FLAGS = flagsOf(predictSchema.shape);

export function registerPredict(program: Command): Command {
  const cmd = program
    .command("predict")
    .description(
      "Compute, by quadrature, the drift, noise and diffusion coefficients of online SGD's high-dimensional " +
        "limit, and from them each direction's predicted first-hitting quartiles (in samples) at --d, the regime " +
        "(search + ODE, critical SDE, pinned), the median overlap curve with quartiles, the best delta and the " +
        "critical learning-rate exponent. No simulation.",
    );
  addModelOptions(cmd);
  cmd.option("--steps <expr>", "range of the predicted overlap curves (default: 3 x the slowest predicted q75)");
  addFlagOptions(cmd, PREDICT_FLAGS, { seed: 1, paths: DEFAULT_PATHS });
  cmd
    .option("--no-best-delta", "skip the search for the delta that minimises the predicted median")
    .option("--json", "print exactly one JSON document on stdout")
    .option("-q, --quiet", "no progress line on stderr (it appears while the SDE paths run)")
    .addHelpText(
      "after",
      [
        "",
        'Single-unit theory (K = 1): other configs are refused with the reason ("not covered: ...").',
        "A direction whose overlap does not escape gets predictedHit = null and the reason (pinned by the step",
        "noise, repelled, or settling below the threshold), never a number.",
        "",
        "Examples:",
        "  mcm predict --d 1024                                   # u: k = 2 search + ODE",
        "  mcm predict --d 256 --beta-u 0 --lr-exponent 2 --json  # v: the critical SDE's law of n*/d^3",
      ].join("\n"),
    )
    .action((opts: Record<string, unknown>) => {
      const run = resolveRunOptions(opts);
      const path = typeof opts.config === "string" ? opts.config : undefined;
      const stepsGiven = opts.steps !== undefined || (path !== undefined && "steps" in readConfigFile(path));
      const flags = parseFlags(predictSchema, opts);
      const paths = flags.paths ?? DEFAULT_PATHS;
      const seed = flags.seed === undefined ? 1 : Number(BigInt(run.seed) % 4294967296n);
      const reporter = createReporter({ quiet: opts.quiet === true });
      let started = performance.now();
      let bar: ProgressBar | null = null;
      let barLabel = "";
      let barTotal = 0;
      // A bar per run of SDE paths (main, then at half the step); each ends with one summary line.
      const finish = () =>
        bar?.done(`${barLabel}: ${barTotal} paths in ${((performance.now() - started) / 1000).toFixed(1)}s`);
      const onProgress = (done: number, total: number, label: string) => {
        if (label !== barLabel) {
          finish();
          barLabel = label;
          barTotal = total;
          started = performance.now();
          bar = reporter.bar(label, total, "paths");
        }
        bar?.update(done, done / Math.max(1e-3, (performance.now() - started) / 1000));
      };
      const result: LimitPrediction = predictLimit(run.config, {
        paths,
        seed,
        steps: stepsGiven ? run.steps : undefined,
        perDecade: run.config.logPerDecade,
        bestDelta: opts.bestDelta !== false,
        finitePaths: flags.paths !== undefined,
        onProgress,
      });
      finish();
      const plateaus = plateauReport(run.config);
      const activation = activationReport(run.config.activation);
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(stamp("mcm.predict/1", null, { ...predictionDocument(result, run.config), plateaus, activation }), null, 2)}\n`
          : `${formatPrediction(result)}\n${formatPlateaus(run.config, plateaus)}\n${formatActivationReport(activation)}\n`,
      );
    });
  return cmd;
}
