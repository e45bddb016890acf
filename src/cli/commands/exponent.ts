/**
 * `mcm exponent`: the diffusion information exponent of each direction for a config (docs/model.md
 * section 6), by Gauss-Hermite quadrature of the population loss: no sampling.
 */
import type { Command } from "commander";
import { activationHelp } from "../../config/activation-formulas.js";
import { alphaSigma } from "../../config/process.js";
import { resolveConfig } from "../../config/schema.js";
import { formatPlateaus, plateauReport } from "../../experiments/plateau.js";
import { stamp } from "../../io/stamp.js";
import { computeExponents } from "../../theory/exponent.js";
import { formatExponentTable } from "../../theory/format.js";
import { namedMixedTerms } from "../../theory/named-terms.js";
import { activationReport, formatActivationReport } from "../activation.js";
import { UsageError } from "../errors.js";
import { firstNonFinite } from "../finite.js";
import { addModelOptions, flagValues, type ModelFlagValues, type RunFlags, readConfigFile } from "../options.js";

export function registerExponent(program: Command): Command {
  const cmd = program
    .command("exponent")
    .description(
      "Compute, by quadrature, the population loss of one unit-norm unit as a function of its overlaps, and " +
        "report per direction the lowest non-zero order k, whether SGD is drawn toward the spike, the predicted " +
        "sample complexity (d, d log d, d^(k-1)) and the learning-rate exponent p online SGD needs.",
    );
  addModelOptions(cmd);
  cmd
    .option("--json", "print exactly one JSON document on stdout")
    .addHelpText(
      "after",
      [
        "",
        "Single-unit theory: K, walkers and d do not enter; trained b or a_k are taken at their initial values.",
        "For correlated latents it also reports the mixed terms alphaU^i alphaV^j and the effective exponent of v",
        "once the overlap with u has saturated. Two mixed terms are always named (JSON: namedMixedTerms):",
        "  alphaU alphaV    proportional to E[lambda nu]: the covariance's u-v cross term (sign, mixed:P latents);",
        "                   a linear denoiser has it too, so v learned through it is covariance-mediated;",
        "  alphaU^2 alphaV  proportional to E[lambda^2 nu] (uncorrelated latents: E[lambda nu] = 0) and zero for",
        "                   an odd g: the higher-order route (relu).",
        "",
        "Activations (--activation), h = w . xt:",
        ...activationHelp(),
        "",
        "A formula (docs/activations.md): --activation 'expr:FORMULA' in x with + - * / ^, parentheses, numbers,",
        "pi, e, exp log sqrt abs tanh sinh cosh sin cos erf sigmoid softplus sign step max min; the theory",
        "integrates the formula itself and prints its Hermite coefficients.",
        "",
        "Examples:",
        "  mcm exponent                                   # the defaults: u has k = 2, v has k = 4",
        "  mcm exponent --correlation sign                # v's effective exponent drops to 1 once u is learned",
        "  mcm exponent --correlation uncorrelated --activation relu   # the same through alphaU^2 alphaV",
        "  mcm exponent --latent skewed:0.2 --activation relu --json",
        "  mcm exponent --activation 'expr:x^3/6 - x/2'    # the same numbers as --activation he3",
      ].join("\n"),
    )
    .action((opts: Pick<RunFlags, "config" | "json"> & ModelFlagValues) => {
      const path = typeof opts.config === "string" ? opts.config : undefined;
      const file = path ? readConfigFile(path) : {};
      const { values, flagOf } = flagValues(opts);
      const { seed: _seed, steps: _steps, checkpointEvery: _c, ...fields } = { ...file, ...values };
      const config = resolveConfig(fields);
      const result = computeExponents(config);
      const bad = firstNonFinite(result);
      if (bad) {
        const where = (field: string) =>
          flagOf.get(field) ?? (path && field in file ? `${path}: ${field}` : `--${field}`);
        const blamed = overflowing(fields);
        if (blamed.length === 1 && blamed[0] === "t") {
          const { alpha, sigma } = alphaSigma(config.process, config.t);
          throw new UsageError(
            `${where("t")}: got ${config.t}, the quadrature is not finite there (${bad.path} = ${bad.value}; process ${config.process}: alpha = ${alpha}, sigma = ${sigma}); expected a t at which alpha^2 + sigma^2 is a moderate number`,
          );
        }
        const one = blamed.length === 1;
        throw new UsageError(
          `${blamed.map(where).join(", ")}: got ${blamed.map((f) => fields[f]).join(", ")}, the quadrature is not finite with ${one ? "it" : "them together"} (${bad.path} = ${bad.value}); expected ${one ? "a value" : "values"} of moderate size`,
        );
      }
      // The plateaus need the limit theory (K = 1, a fixed amplitude); elsewhere only the loss minimum.
      const plateaus = plateauReport(config);
      const activation = activationReport(config.activation);
      const doc = { ...result, namedMixedTerms: namedMixedTerms(result), plateaus, activation };
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(stamp("mcm.exponent/1", null, doc), null, 2)}\n`
          : `${formatExponentTable(result)}\n${formatPlateaus(config, plateaus)}\n${formatActivationReport(activation)}\n`,
      );
    });
  return cmd;
}

/**
 * The given numeric fields to blame for a non-finite result: the one whose default alone makes it finite
 * (a beta of 1e300 is named, not --t), else every numeric field given.
 */
function overflowing(fields: Record<string, unknown>): string[] {
  const numeric = Object.keys(fields).filter((f) => typeof fields[f] === "number");
  for (const f of numeric) {
    const { [f]: _dropped, ...rest } = fields;
    let trial: ReturnType<typeof resolveConfig>;
    try {
      trial = resolveConfig(rest);
    } catch {
      continue;
    }
    if (!firstNonFinite(computeExponents(trial))) return [f];
  }
  return numeric;
}
