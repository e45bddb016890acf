/**
 * createSimulation: resolves the config, derives the model (config/model.ts), loads the kernels and picks
 * the backend: the full one (./full.ts, docs/model.md sections 2 to 5) or the exact reduced chain of section 8
 * (./reduced.ts). Both become the same Simulation through the shared shell (./shell.ts): `init(seed)`, then
 * `run(steps)` with every walker advancing in lockstep, chunk by chunk.
 */
import { deriveModel } from "../config/model.js";
import { type Config, type ConfigInput, resolveConfig } from "../config/schema.js";
import { Arena } from "./arena.js";
import { writeParams } from "./backend.js";
import { createFullBackend } from "./full.js";
import { loadKernels } from "./kernels.js";
import { createReducedBackend } from "./reduced.js";
import { createShell } from "./shell.js";
import { buildActivationTable } from "./table.js";
import type { Simulation, SimulationOptions } from "./types.js";

export { learningRate } from "../config/model.js";
export { seedWords } from "./layout.js";
export {
  copyLogEntry,
  DivergenceError,
  type FullState,
  type LogEntry,
  type Progress,
  type RunOptions,
  type Samples,
  type Simulation,
  type SimulationOptions,
  type SimulationState,
} from "./types.js";

/** Creates a simulation of config.backend ("full" or "reduced"); call init(seed) before run(). */
export async function createSimulation(
  input: ConfigInput | Config,
  options: SimulationOptions = {},
): Promise<Simulation> {
  const derived = deriveModel(resolveConfig(input));
  const kernels = options.kernels ?? (await loadKernels());
  const exports = await kernels.instantiate();
  const arena = new Arena(exports);
  // A formula activation: its table, built in this instance's memory before the arena is laid out.
  const { activation } = derived;
  const model =
    activation.kind === "expr"
      ? {
          ...derived,
          table: buildActivationTable(
            exports,
            arena,
            activation,
            options.tableRange ?? derived.tableRange,
            exports.heapBase(),
          ),
        }
      : derived;
  const create = model.config.backend === "reduced" ? createReducedBackend : createFullBackend;
  const backend = create(model, exports, arena);
  writeParams(arena, backend.layout, model, model.config.walkers);
  backend.configure?.();
  return createShell({ model, kernels, exports, arena, backend, options });
}
