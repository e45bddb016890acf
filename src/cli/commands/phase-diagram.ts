/**
 * `mcm phase-diagram`: the first hit of the fourth-cumulant direction over the latents' correlation P of
 * `mixed:P` and d, measured on the reduced backend beside the theory, with the crossover dimension per P
 * (src/experiments/phase-diagram.ts; docs/phase-diagram.md). The run directory's lifecycle is the shared one
 * (src/cli/rundir.ts): phase-spec.json holds the options, phase-state.json every finished task (the
 * checkpoint); the same command on the same --out continues where a kill stopped it; phase.json is last.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { int } from "../../config/schema.js";
import type { PhaseDiagramOptions } from "../../experiments/phase-diagram.js";
import { phaseDiagramSchema } from "../../experiments/phase-diagram.js";
import type { TaskResult } from "../../experiments/sweep-task.js";
import { canonicalJson } from "../../io/json.js";
import { stamp, unstamp } from "../../io/stamp.js";
import { header, readEnvelope, readJsonFile, writeEnvelope } from "../envelopes.js";
import { Interrupted } from "../errors.js";
import {
  addOutputOptions,
  addSchemaOptions,
  helpAfter,
  type ModelFlagValues,
  type OutputFlags,
  parseFlags,
} from "../options.js";
import { checkOutDir, utcStamp } from "../paths.js";
import { createReporter } from "../progress.js";
import { RunDir, type RunDirSpec } from "../rundir.js";
import { catchStopSignals } from "../signals.js";
import { writePlots } from "../sweep-output.js";
import { localBuild } from "../sweep-store.js";

export const PHASE_FILES = { spec: "phase-spec.json", state: "phase-state.json", json: "phase.json" } as const;
export const PHASE_SCHEMAS = { spec: "mcm.phase-spec/1", json: "mcm.phase-diagram/1" } as const;
const PLOTS = ["phase-diagram", "crossover"];

/** The directory of a phase diagram: phase-state.json is its checkpoint, phase.json is written last. */
export const PHASE_DIR: RunDirSpec = {
  command: "phase-diagram",
  files: [...Object.values(PHASE_FILES), ...PLOTS.flatMap((p) => [`${p}.svg`, `${p}.png`])],
  checkpoint: PHASE_FILES.state,
  checkpointOnly: true,
};

/** The flags of `mcm phase-diagram` beside the schema's. */
const runSchema = z
  .object({
    threads: int(0, 256)
      .optional()
      .meta({ flag: "--threads", placeholder: "n", help: "worker threads (default: 0, the cells run in this thread)" }),
  })
  .strict();

interface PhaseFlags extends OutputFlags {
  out?: string;
  force?: boolean;
}

/** The options as stored (lists as arrays): what decides whether --out holds the same diagram. */
const specOf = (o: PhaseDiagramOptions) => canonicalJson({ ...o, seed: String(o.seed) });

export function registerPhaseDiagram(program: Command): Command {
  const cmd = program
    .command("phase-diagram")
    .description(
      "Measure the median first hit of the fourth-cumulant direction v over a grid of the latents' correlation P " +
        "(mixed:P) and d, in the cubic regime with a covariance spike that repels (reduced backend), beside the " +
        "theory's prediction and the two paths alone (cubic, through the correlation); and the crossover " +
        "dimension per P above which the correlated path is the faster. A cell whose budget (--budget-factor " +
        "times its predicted median) exceeds --max-steps is not run and is marked censored.",
    );
  addSchemaOptions(cmd, phaseDiagramSchema);
  addSchemaOptions(cmd, runSchema)
    .option("--out <dir>", "output directory (default: ./mcm-output/phase-diagram-<UTC timestamp>)")
    .option("--force", "replace an earlier diagram in --out; run a grid whose estimated cost exceeds --max-work");
  return addOutputOptions(cmd, "the cells and the crossover")
    .addHelpText(
      "after",
      helpAfter(
        [
          [
            "Writes phase-spec.json, phase-state.json (finished tasks: the same command on the same --out resumes),",
            "phase-diagram.svg/.png, crossover.svg/.png and phase.json (docs/outputs.md) to --out.",
          ],
        ],
        ["mcm phase-diagram --threads 1", "mcm phase-diagram --p 0,1 --d 16,32 --walkers 8 --out /tmp/pd"],
      ),
    )
    .action(async (opts: PhaseFlags & ModelFlagValues) => {
      const options = parseFlags(phaseDiagramSchema, opts);
      const { threads } = parseFlags(runSchema, opts);
      await phaseDiagramAction(options, threads, opts);
    });
}

async function phaseDiagramAction(options: PhaseDiagramOptions, threads: number | undefined, opts: PhaseFlags) {
  const reporter = createReporter({ quiet: opts.quiet === true });
  const { planPhaseDiagram, runPhaseDiagram, phaseDiagramDoc } = await import("../../experiments/phase-diagram.js");
  const t0 = performance.now();
  // The plan validates the cost before anything is written.
  const plan = await reporter.phase(
    "predicting every cell",
    () => planPhaseDiagram(options, opts.force === true),
    (p, s) => `predicted ${p.cells.length} cells in ${s.toFixed(1)}s; ${p.cells.filter((c) => c.run).length} run`,
  );
  const outText = opts.out ?? join("mcm-output", `phase-diagram-${utcStamp()}`);
  const specPath = join(checkOutDir("--out", outText), PHASE_FILES.spec);
  const spec = specOf(options);
  let same = false;
  try {
    same =
      canonicalJson(unstamp(specPath, readJsonFile(specPath, "the stored phase diagram"), PHASE_SCHEMAS.spec)) === spec;
  } catch {
    same = false;
  }
  const dir = same
    ? RunDir.open(PHASE_DIR, "--out", outText)
    : RunDir.create(PHASE_DIR, "--out", outText, opts.force === true);
  await dir.around(async () => {
    const tasks: Record<string, TaskResult> = {};
    if (dir.has(PHASE_FILES.state)) {
      const { payload } = readEnvelope(dir, PHASE_FILES.state, "phase-diagram", (raw) => {
        if (canonicalJson(raw) !== spec) throw new Error("another phase diagram's options");
        return raw;
      });
      Object.assign(tasks, (JSON.parse(new TextDecoder().decode(payload)) as { tasks: typeof tasks }).tasks);
      reporter.info(`resuming: ${Object.keys(tasks).length} finished tasks in ${dir.dir}`);
    }
    dir.write(PHASE_FILES.spec, `${JSON.stringify(stamp(PHASE_SCHEMAS.spec, null, JSON.parse(spec)), null, 2)}\n`);
    reporter.info(
      `${plan.cells.filter((c) => c.run).length} of ${plan.cells.length} cells to run, up to ${plan.work.toPrecision(3)} walker-steps; outputs in ${dir.dir}`,
    );
    const stop = catchStopSignals(
      () => `the tasks in progress are lost (${Object.keys(tasks).length} finished tasks are saved)`,
    );
    const bar = reporter.bar("phase diagram", plan.work / 1e6, "Mwork");
    let cells: Awaited<ReturnType<typeof runPhaseDiagram>>;
    try {
      cells = await runPhaseDiagram(plan, {
        threads,
        finished: new Map(Object.entries(tasks)),
        signal: stop.signal,
        onTask: (key, r) => {
          tasks[key] = r;
          writeEnvelope(
            dir,
            PHASE_FILES.state,
            "phase-diagram",
            header(JSON.parse(spec), options.seed, null),
            JSON.stringify({ tasks }),
          );
        },
        onProgress: (done) => {
          const seconds = (performance.now() - t0) / 1000;
          bar.update(done / 1e6, seconds > 0 ? done / 1e6 / seconds : 0);
        },
      });
    } catch (e) {
      const caught = stop.caught();
      stop.release();
      if (caught !== null) {
        throw new Interrupted(
          caught,
          `phase diagram interrupted by ${caught}; ${Object.keys(tasks).length} finished tasks saved in ${dir.dir}\ncontinue with the same command and --out`,
        );
      }
      throw e;
    }
    stop.release();
    bar.done(
      `phase diagram: ${cells.filter((c) => c.run).length} cells measured in ${((performance.now() - t0) / 1000).toFixed(0)}s`,
    );
    const doc = stamp(PHASE_SCHEMAS.json, localBuild(), phaseDiagramDoc(plan, cells));
    const { phaseDiagramSpecs } = await import("../../report/phase-diagram.js");
    await writePlots(dir.dir, phaseDiagramSpecs(doc));
    const text = `${JSON.stringify(doc, null, 1)}\n`;
    dir.write(PHASE_FILES.json, text);
    if (opts.json) process.stdout.write(text);
    else process.stdout.write(`${formatCells(doc.cells, doc.crossover)}\noutputs: ${dir.dir}\n`);
  });
}

/** The cells as a table (P, d, measured with interval, predicted) and the crossover per P. */
function formatCells(
  cells: {
    P: number;
    d: number;
    measuredMedian: number | null;
    lo: number | null;
    hi: number | null;
    predictedMedian: number | null;
    note: string | null;
  }[],
  crossover: { P: number; d: number | null }[],
): string {
  const f = (x: number | null) => (x === null ? "-" : x.toPrecision(3));
  const rows = cells.map(
    (c) =>
      `  P ${String(c.P).padEnd(5)} d ${String(c.d).padEnd(6)} measured ${f(c.measuredMedian)} [${f(c.lo)}, ${f(c.hi)}]  predicted ${f(c.predictedMedian)}${c.note ? `  (${c.note})` : ""}`,
  );
  const cross = crossover.map((x) => `  P ${x.P}: d > ${f(x.d)}`);
  return `median first hit of v\n${rows.join("\n")}\ncrossover (the correlated path beats the cubic one)\n${cross.join("\n")}\n`;
}
