/**
 * `mcm exponent`: the diffusion information exponent of each direction for a config (docs/model.md
 * section 6), by Gauss-Hermite quadrature of the population loss: no sampling.
 */
import type { Command } from "commander";
import { activationHelp } from "../../config/activation-formulas.js";
import { alphaSigma } from "../../config/process.js";
import { resolveConfig } from "../../config/schema.js";
import { stamp } from "../../io/stamp.js";
import { computeExponents } from "../../theory/exponent.js";
import { formatExponentTable } from "../../theory/format.js";
import { namedMixedTerms } from "../../theory/named-terms.js";
import { UsageError } from "../errors.js";
import { firstNonFinite } from "../finite.js";
import {
  addModelOptions,
  flagValues,
  type ModelFlagValues,
  type RunFlags,
  readConfigFile,
  translateError,
} from "../options.js";

export function registerExponent(program: Command): Command {
  const cmd = program
    .command("exponent")
    .summary("predict each direction's exponent k and sample complexity (no simulation)")
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
        "Examples:",
        "  mcm exponent                                   # the defaults: u has k = 2, v has k = 4",
        "  mcm exponent --correlation sign                # v's effective exponent drops to 1 once u is learned",
        "  mcm exponent --correlation uncorrelated --activation relu   # the same through alphaU^2 alphaV",
        "  mcm exponent --latent skewed:0.2 --activation relu --json",
      ].join("\n"),
    )
    .action((opts: Pick<RunFlags, "config" | "json"> & ModelFlagValues) => {
      const path = typeof opts.config === "string" ? opts.config : undefined;
      const file = path ? readConfigFile(path) : {};
      const { values, flagOf } = flagValues(opts);
      const { seed: _seed, steps: _steps, checkpointEvery: _c, ...fields } = { ...file, ...values };
      let config: ReturnType<typeof resolveConfig>;
      try {
        config = resolveConfig(fields);
      } catch (e) {
        throw translateError(e, flagOf, path ? { path, values: file } : undefined);
      }
      const result = computeExponents(config);
      const bad = firstNonFinite(result);
      if (bad) {
        const { alpha, sigma } = alphaSigma(config.process, config.t);
        throw new UsageError(
          `--t: got ${config.t}, the quadrature is not finite there (${bad.path} = ${bad.value}; process ${config.process}: alpha = ${alpha}, sigma = ${sigma}); expected a t at which alpha^2 + sigma^2 is a moderate number`,
        );
      }
      const doc = { ...result, namedMixedTerms: namedMixedTerms(result) };
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(stamp("mcm.exponent/1", null, doc), null, 2)}\n`
          : `${formatExponentTable(result)}\n`,
      );
    });
  return cmd;
}
