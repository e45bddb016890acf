/**
 * `mcm predict`: the high-dimensional limit's prediction of each direction's first-hitting law and
 * overlap curve at the config's d (src/theory/limit-predict.ts; docs/model.md section 10). No simulation.
 */
import type { Command } from "commander";
import { stamp } from "../../io/stamp.js";
import { NotCoveredError } from "../../theory/limit.js";
import { type LimitPrediction, predictLimit } from "../../theory/limit-predict.js";
import { UsageError } from "../errors.js";
import { addModelOptions, MODEL_FLAGS, readConfigFile, resolveRunOptions } from "../options.js";

const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4).replace(/\.?0+$/, ""));
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
  }
  const b = r.bestDelta;
  lines.push(
    b.direction === null
      ? `best delta: ${b.reason}`
      : `best delta for ${b.direction}: ${num(b.delta)} (median n* ${big(b.median)})`,
  );
  if (r.criticalLrExponent !== null) lines.push(`critical learning-rate exponent p: ${num(r.criticalLrExponent)}`);
  return lines.join("\n");
}

export function registerPredict(program: Command): Command {
  const cmd = program
    .command("predict")
    .summary("predict each direction's first-hitting law and overlap curve from the d -> infinity limit")
    .description(
      "Compute, by quadrature, the drift, noise and diffusion coefficients of online SGD's high-dimensional " +
        "limit, and from them each direction's predicted first-hitting quartiles (in samples) at --d, the regime " +
        "(search + ODE, critical SDE, pinned), the median overlap curve with quartiles, the best delta and the " +
        "critical learning-rate exponent. No simulation.",
    );
  addModelOptions(cmd);
  cmd
    .option("--steps <expr>", "range of the predicted overlap curves (default: 3 x the slowest predicted q75)")
    .option("--seed <n>", "seed of the SDE paths of the critical regime (default 1)")
    .option("--paths <n>", "SDE paths of the critical regime, an integer in [100, 1000000] (default 4000)")
    .option("--no-best-delta", "skip the search for the delta that minimises the predicted median")
    .option("--json", "print exactly one JSON document on stdout")
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
      let paths = 4000;
      if (opts.paths !== undefined) {
        paths = Number(opts.paths);
        if (!Number.isInteger(paths) || paths < 100 || paths > 1_000_000) {
          throw new UsageError(`--paths: got ${JSON.stringify(opts.paths)}, expected an integer in [100, 1000000]`);
        }
      }
      const seed = opts.seed === undefined ? 1 : Number(BigInt(run.seed) % 4294967296n);
      let result: LimitPrediction;
      try {
        result = predictLimit(run.config, {
          paths,
          seed,
          steps: stepsGiven ? run.steps : undefined,
          perDecade: run.config.logPerDecade,
          bestDelta: opts.bestDelta !== false,
        });
      } catch (e) {
        if (e instanceof NotCoveredError) {
          const flag = MODEL_FLAGS.find((f) => f.field === e.field)?.flag ?? e.field;
          throw new UsageError(e.message.replace(/^[A-Za-z]+:/, `${flag}:`));
        }
        throw e;
      }
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(stamp("mcm.predict/1", null, predictionDocument(result, run.config)), null, 2)}\n`
          : `${formatPrediction(result)}\n`,
      );
    });
  return cmd;
}
