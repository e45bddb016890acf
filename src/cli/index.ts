#!/usr/bin/env node
/**
 * The `mcm` command line (bin entry; the library entry is src/index.ts). Each command lives in
 * commands/<name>.ts, listed in ./commands.ts; only the module of the command that runs is loaded, so that
 * `mcm --version` and `mcm <command> --help` start fast. Errors go through the one translator of
 * ./errors.ts: usage errors exit 2, runtime failures 1, interrupted runs 130 (SIGINT) or 143 (SIGTERM).
 */
import { Command, CommanderError, Help } from "commander";
import { packageVersion, stamp } from "../io/stamp.js";
import { COMMANDS, invokedCommand } from "./commands.js";
import { EXIT, translate } from "./errors.js";
import { refuseFlagsAsValues } from "./options.js";

/** The program with every command listed, and `invoked` (when it names one) registered in full. */
export async function buildProgram(invoked?: string): Promise<Command> {
  const program = new Command("mcm")
    .description("Simulate how a diffusion denoiser learns the mixed cumulant model with online SGD.")
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .showHelpAfterError("(see --help for usage)")
    .configureHelp({
      sortSubcommands: false,
      showGlobalOptions: false,
      // Commands not loaded have no options yet: the table says how to list them.
      subcommandTerm: (c) => COMMANDS.find((e) => e.name === c.name())?.term ?? new Help().subcommandTerm(c),
    })
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
  // `mcm resume DIR` hands a sweep, generate, images or diffusion directory to that command: those load too.
  const full = new Set(invoked === "resume" ? ["resume", "sweep", "generate", "images", "diffusion"] : [invoked]);
  for (const entry of COMMANDS) {
    const loaded = full.has(entry.name);
    const cmd = loaded ? (await entry.load())(program) : program.command(entry.name);
    cmd.summary(entry.summary);
    if (loaded) {
      // --preset NAME on every command that has presets (src/experiments/presets.ts), loaded with the command.
      const { PRESET_COMMANDS } = await import("../experiments/presets.js");
      const preset = PRESET_COMMANDS.find((c) => c === entry.name);
      if (preset) (await import("./presets.js")).addPresetOption(cmd, preset);
      // A flag given no value must not swallow the next flag (`mcm run --d --out X`).
      refuseFlagsAsValues(cmd);
    }
  }
  return program;
}

// A closed pipe on stdout (e.g. `mcm ... | head`) ends the program quietly.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

async function main(argv: string[]): Promise<void> {
  const invoked = invokedCommand(argv.slice(2));
  let program: Command | undefined;
  try {
    program = await buildProgram(invoked);
    await program.parseAsync(argv);
  } catch (e) {
    let code: number;
    let message: string;
    if (e instanceof CommanderError) {
      // commander has printed its own message; help and version are not errors.
      const quiet = e.exitCode === 0 || e.code === "commander.helpDisplayed" || e.code === "commander.version";
      code = quiet ? EXIT.ok : EXIT.usage;
      message = e.message.replace(/^error: /, "");
    } else {
      ({ code, message } = translate(
        e,
        program?.commands.find((c) => c.name() === invoked),
      ));
      process.stderr.write(
        code === EXIT.failure || code === EXIT.usage ? `mcm: error: ${message}\n` : `mcm: ${message}\n`,
      );
      if (code === EXIT.failure && process.env.MCM_DEBUG && e instanceof Error && e.stack) {
        process.stderr.write(`${e.stack}\n`);
      }
    }
    process.exitCode = code;
    // With --json, stdout always holds one JSON document: the result, or on failure this error object.
    if (code !== EXIT.ok && argv.slice(2).includes("--json")) {
      const kind = code === EXIT.usage ? "usage" : code === EXIT.failure ? "failure" : "interrupted";
      process.stdout.write(
        `${JSON.stringify(stamp("mcm.error/1", null, { error: { exitCode: code, kind, message } }))}\n`,
      );
    }
  }
}

await main(process.argv);
