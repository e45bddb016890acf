#!/usr/bin/env node
/**
 * The `mcm` command line (bin entry; the library entry is src/index.ts). Each command lives in
 * commands/<name>.ts and registers itself here; this file owns the one error handler:
 * usage errors exit 2, runtime failures 1, interrupted runs 130 (SIGINT) or 143 (SIGTERM).
 */
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/schema.js";
import { StepsError } from "../config/steps.js";
import { CheckpointMismatchError } from "../engine/checkpoint.js";
import { EnvelopeMismatchError } from "../io/envelope.js";
import { stamp } from "../io/stamp.js";
import { registerBench } from "./commands/bench.js";
import { registerDemo } from "./commands/demo.js";
import { registerDiffusion } from "./commands/diffusion.js";
import { registerExponent } from "./commands/exponent.js";
import { registerGenerate } from "./commands/generate.js";
import { registerImages } from "./commands/images.js";
import { registerPredict } from "./commands/predict.js";
import { registerQueue } from "./commands/queue.js";
import { registerResume } from "./commands/resume.js";
import { registerRun } from "./commands/run.js";
import { registerServe } from "./commands/serve.js";
import { registerSweep } from "./commands/sweep.js";
import { registerWorker } from "./commands/worker.js";
import { EXIT, Interrupted, UsageError } from "./errors.js";
import { packageVersion } from "./session.js";

export function buildProgram(): Command {
  const program = new Command("mcm")
    .description("Simulate how a diffusion denoiser learns the mixed cumulant model with online SGD.")
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .showHelpAfterError("(see --help for usage)")
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .addHelpText(
      "after",
      [
        "",
        "Which direction (covariance u, cumulant v, mean m) does the denoiser learn after how many samples?",
        "Start with `mcm run --help`. A run writes config.json, series.csv, summary.json and checkpoint.npz",
        "to its --out directory; stop it with Ctrl-C and continue it with `mcm resume DIR`.",
        "",
        "Exit codes: 0 done, 1 runtime failure, 2 usage error, 130/143 interrupted (checkpoint written).",
      ].join("\n"),
    );
  registerDemo(program);
  registerRun(program);
  registerResume(program);
  registerExponent(program);
  registerPredict(program);
  registerSweep(program);
  registerGenerate(program);
  registerImages(program);
  registerDiffusion(program);
  registerWorker(program);
  registerQueue(program);
  registerBench(program);
  registerServe(program);
  return program;
}

/** The message of an error as the user sees it (commander's own without its "error: " prefix). */
function messageOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/^error: /, "");
}

/** Maps any error to an exit code and a message on stderr. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) {
    // commander has printed its own message; help and version are not errors.
    if (e.exitCode === 0 || e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT.ok;
    return EXIT.usage;
  }
  if (e instanceof Interrupted) {
    process.stderr.write(`mcm: ${e.message}\n`);
    return e.exitCode;
  }
  // A malformed --queue URL (src/queue/connection.ts, not imported here: it loads the Redis client), or a
  // file of another kind or newer format where a run record or spec was expected (src/io/stamp.ts).
  const queueUrl = e instanceof Error && (e.name === "QueueUrlError" || e.name === "StampError");
  const usage = e instanceof UsageError || e instanceof ConfigError || e instanceof StepsError;
  if (usage || e instanceof CheckpointMismatchError || e instanceof EnvelopeMismatchError || queueUrl) {
    process.stderr.write(`mcm: error: ${e.message}\n`);
    return EXIT.usage;
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`mcm: error: ${message}\n`);
  if (process.env.MCM_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return EXIT.failure;
}

// A closed pipe on stdout (e.g. `mcm ... | head`) ends the program quietly.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const code = exitCodeFor(e);
    process.exitCode = code;
    // With --json, stdout always holds one JSON document: the result, or on failure this error object.
    if (code !== EXIT.ok && argv.slice(2).includes("--json")) {
      const kind = code === EXIT.usage ? "usage" : code === EXIT.failure ? "failure" : "interrupted";
      const error = { exitCode: code, kind, message: messageOf(e) };
      process.stdout.write(`${JSON.stringify(stamp("mcm.error/1", null, { error }))}\n`);
    }
  }
}

await main(process.argv);
