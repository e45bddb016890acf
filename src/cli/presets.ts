/**
 * `--preset NAME` on the commands that have presets (src/experiments/presets.ts): before the action runs,
 * every flag of the preset that the user did not type is set as if typed, so explicit flags override the
 * preset and the command's own validation (and its error messages) apply unchanged. `--quick` picks the
 * preset's smaller variant (for `mcm demo` it is the demo's own `--quick`).
 */
import { type Command, Option } from "commander";
import { findPreset, type Preset, type PresetCommand, presetArgs, presetsOf } from "../experiments/presets.js";
import { UsageError } from "./errors.js";

/** The value source commander records for a flag that a preset set. */
export const PRESET_SOURCE = "preset";

/** Adds --preset (and --quick where the command has none) and the hook that applies them. */
export function addPresetOption(cmd: Command, command: PresetCommand): Command {
  const names = presetsOf(command).map((p) => p.name);
  cmd.addOption(
    new Option(
      "--preset <name>",
      `run a named preset (${names.join(", ")}; \`mcm presets\` lists them); flags given beside it override its values`,
    ),
  );
  const ownQuick = cmd.options.some((o) => o.long === "--quick");
  if (!ownQuick && presetsOf(command).some((p) => p.quick)) {
    cmd.addOption(
      new Option(
        "--quick",
        "with --preset: its smaller variant (the three smallest d of its grid and a quarter of its walkers, at least 6)",
      ),
    );
  }
  cmd.hook("preAction", (_hooked, action) => {
    applyPreset(action, command, ownQuick);
  });
  return cmd;
}

/** The preset of --preset for this command, or a UsageError naming the accepted ones. */
export function presetFor(name: string, command: PresetCommand): Preset {
  const names = presetsOf(command).map((p) => p.name);
  const preset = findPreset(name);
  if (preset === null) {
    throw new UsageError(
      `--preset: got ${JSON.stringify(name)}, expected one of ${names.join(", ")} (\`mcm presets\` lists every preset)`,
    );
  }
  if (preset.command !== command) {
    throw new UsageError(
      `--preset: ${name} is a preset of \`mcm ${preset.command}\`, not of \`mcm ${command}\` (run \`mcm ${preset.command} --preset ${name}\`; presets of ${command}: ${names.join(", ") || "none"})`,
    );
  }
  return preset;
}

/** Sets the preset's flags that were not typed; returns the preset (null without --preset). */
export function applyPreset(cmd: Command, command: PresetCommand, ownQuick = false): Preset | null {
  const name = cmd.getOptionValue("preset") as string | undefined;
  const quick = cmd.getOptionValue("quick") === true;
  if (name === undefined) {
    if (quick && !ownQuick)
      throw new UsageError("--quick: only with --preset NAME (it picks the preset's smaller variant)");
    return null;
  }
  const preset = presetFor(name, command);
  if (quick && !preset.quick && !ownQuick) throw new UsageError(`--quick: preset ${name} has no quick variant`);
  const args = presetArgs(preset, quick && preset.quick !== undefined);
  for (const [flag, value] of Object.entries(args)) {
    const option = cmd.options.find((o) => o.long === flag);
    if (!option) throw new Error(`preset ${name}: ${flag} is not a flag of mcm ${command}`);
    const key = option.attributeName();
    if (cmd.getOptionValueSource(key) === "cli") continue;
    cmd.setOptionValueWithSource(key, option.negate ? false : value, PRESET_SOURCE);
  }
  return preset;
}
