/**
 * `mcm presets`: the named presets (src/experiments/presets.ts), one line each; `mcm presets NAME` shows
 * one in full: the command it stands for, its quick variant, the expected time and the committed reference.
 */
import type { Command } from "commander";
import { commandLine, findPreset, PRESETS, type Preset } from "../../experiments/presets.js";
import { UsageError } from "../errors.js";

function presetDoc(p: Preset) {
  return {
    name: p.name,
    command: p.command,
    description: p.description,
    doc: p.doc,
    time: p.time,
    quickTime: p.quickTime ?? null,
    reference: p.reference,
    commandLine: commandLine(p),
    quickCommandLine: p.quick ? commandLine(p, true) : null,
  };
}

/** The one-line-each table. */
export function formatPresets(presets: readonly Preset[]): string {
  const rows = presets.map((p) => [p.name, p.command, p.time.replace(/^about /, "~"), p.description]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join("  ");
  return rows.map(line).join("\n");
}

function formatOne(p: Preset): string {
  const lines = [
    `${p.name}: ${p.description}`,
    `  command    ${commandLine(p)}`,
    `  run it     mcm ${p.command} --preset ${p.name}   (flags given beside it override the preset's)`,
    `  time       ${p.time} (a 2-core machine)`,
  ];
  if (p.quick) {
    lines.push(`  quick      ${commandLine(p, true)}`, `             (--quick: ${p.quickTime ?? "shorter"})`);
  }
  lines.push(`  reference  ${p.reference}`, `  reported   ${p.doc}`);
  return lines.join("\n");
}

export function registerPresets(program: Command): Command {
  return program
    .command("presets")
    .summary("list the named presets: one per claim or figure of the docs (`--preset NAME` runs one)")
    .description(
      "List the named presets, one line each: name, command, expected time on 2 cores, what it measures. " +
        "With a NAME, show that preset in full: the command it stands for, its quick variant, the committed " +
        "reference output it reproduces and the doc that reports it. docs/figures.md maps every figure to its preset.",
    )
    .argument("[name]", "one preset to show in full")
    .option("--json", "print exactly one JSON document (the presets) on stdout")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  mcm presets",
        "  mcm presets C2",
        "  mcm sweep --preset C2 --quick           # C2 on its three smallest d with 6 walkers each",
        "  mcm sweep --preset A --seeds 48         # the preset with more walkers",
      ].join("\n"),
    )
    .action((name: string | undefined, opts: { json?: boolean }) => {
      let chosen: readonly Preset[] = PRESETS;
      if (name !== undefined) {
        const p = findPreset(name);
        if (!p) {
          throw new UsageError(
            `name: got ${JSON.stringify(name)}, expected one of ${PRESETS.map((x) => x.name).join(", ")}`,
          );
        }
        chosen = [p];
      }
      if (opts.json) {
        const docs = chosen.map(presetDoc);
        process.stdout.write(`${JSON.stringify(name === undefined ? docs : docs[0], null, 2)}\n`);
        return;
      }
      const text = name === undefined ? formatPresets(chosen) : formatOne(chosen[0]);
      const tail =
        name === undefined ? "\n\n`mcm presets NAME` shows one in full; `mcm COMMAND --preset NAME` runs it.\n" : "\n";
      process.stdout.write(`${text}${tail}`);
    });
}
