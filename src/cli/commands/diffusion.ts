/**
 * `mcm diffusion`: a small U-Net (or MLP) diffusion model trained over all noise levels on MNIST,
 * Fashion-MNIST or a .npy of images beside its Gaussian twins, measured per noise level against them and
 * against the Wiener denoiser, and its samples scored (docs/diffusion.md). The flags are generated from the
 * options' schema (src/diffusion/options.ts). Checkpoints and --resume like `mcm images`; a finished run is
 * never overwritten without --force. `--seeds` runs several seeds into subdirectories and writes dsb.json
 * (./diffusion-seeds.ts).
 */
import { join } from "node:path";
import type { Command } from "commander";
import { CHECKPOINT_EVERY_TEXT } from "../../config/schema.js";
import { DIFFUSION_DEFAULTS } from "../../diffusion/options.js";
import { addFlagOptions, helpAfter } from "../options.js";
import { addTrainingRunOptions } from "../outputs.js";
import { utcStamp } from "../paths.js";
import { refuseResumeFlags } from "../rundir.js";
import {
  DIFFUSION_CHECKPOINT_EVERY,
  DIFFUSION_FLAGS,
  describeResult,
  optionsFromFlags,
  RESUME_FLAGS,
  resumeRun,
  runFlags,
  startRun,
} from "./diffusion-run.js";

export function registerDiffusion(program: Command): Command {
  const cmd = program
    .command("diffusion")
    .summary("train a small U-Net diffusion model on images beside its Gaussian twins")
    .description(
      "Train a small U-Net (or an MLP) R to predict the noise at all noise levels of the VP process on MNIST, " +
        "Fashion-MNIST or your .npy images, and beside it two twins G and G' on fresh samples of the data's " +
        "Gaussian clone (same initial weights, same t and noise draws). On a log grid of steps measure, per t, " +
        "how far G is from the Wiener denoiser (eG) and how far R has moved beyond G (h, above the floor " +
        "|G - G'|^2), and score what the networks generate from the same noise.",
    );
  addFlagOptions(cmd, DIFFUSION_FLAGS, DIFFUSION_DEFAULTS);
  addTrainingRunOptions(cmd, "diffusion", [
    `when to checkpoint besides every snapshot: ${CHECKPOINT_EVERY_TEXT}`,
    DIFFUSION_CHECKPOINT_EVERY,
  ])
    .option(
      "--threads <n>",
      "worker threads computing the shards' gradients (1: inline); the results do not depend on it",
      "1",
    )
    .option(
      "--seeds <list>",
      "run these seeds in turn (comma-separated) into DIR/seed-N of --out, resumably, and write DIR/dsb.json",
    )
    .addHelpText(
      "after",
      helpAfter(
        [
          [
            "Writes result.json (snapshots; twin = {t, snapshots: [{step, eG, h, floor, ...}]}; decision per t),",
            "twin.png, distances.png, frechet.png, shape.png, spectrum.png, samples.png (R and G from the same",
            "noise, a row each per snapshot), reference.png and diffusion-checkpoint.bin. With --seeds: a run per",
            "seed in DIR/seed-N and DIR/dsb.json (the decision over seeds: strict, weak or refuted per t).",
          ],
        ],
        [
          "mcm diffusion --out runs/mnist                     # pooled MNIST with twins (docs/diffusion.md)",
          "mcm diffusion --dataset mnist --steps 400 --twin    # a short run",
          "mcm diffusion --seeds 1,2,3,4,5 --steps 1000 --out runs/dsb-mnist",
          "mcm diffusion --dataset my-images.npy --pool 1 --arch mlp --no-twin",
          "mcm diffusion --resume runs/mnist",
        ],
      ),
    )
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      if (opts.seeds !== undefined) {
        const { seedsAction } = await import("./diffusion-seeds.js");
        await seedsAction(opts);
      } else await diffusionAction(opts, cmd);
    });
  return cmd;
}

async function diffusionAction(opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const flags = { ...runFlags(opts), quiet: opts.quiet === true, json: opts.json === true };
  let run: Awaited<ReturnType<typeof startRun>>;
  if (typeof opts.resume === "string") {
    refuseResumeFlags(cmd, RESUME_FLAGS, opts.resume);
    run = await resumeRun("--resume", opts.resume, flags);
  } else {
    const options = optionsFromFlags(opts);
    const out = typeof opts.out === "string" ? opts.out : join("mcm-output", `diffusion-${utcStamp()}`);
    run = await startRun(options, "--out", out, opts.force === true, flags);
  }
  if (run.printed || flags.json) return;
  process.stdout.write(`${describeResult(run.result)}\noutputs: ${run.dir}\n`);
}
