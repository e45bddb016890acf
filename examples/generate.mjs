// Generation on the MCM from a script (`mcm generate` without files): a family of denoisers, one per noise
// level, sampled by the reverse process at snapshots of training and compared with the data law and the
// oracle. Tiny sizes, so that it runs in seconds. Run by test/examples.test.ts.
import { generate } from "mcm-diffusion";

const result = await generate(
  { config: { d: 16 }, seed: 3, steps: "40*d", levels: 6, samples: 400, snapshots: 2 },
  { onStep: (text) => process.stderr.write(`${text}\n`) },
);
const last = result.snapshots[result.snapshots.length - 1];
for (const stat of ["varU", "exKurtV"]) {
  console.log(`${stat}: data ${result.data[stat].toFixed(3)}, oracle ${result.oracle[stat].toFixed(3)}, family after n = ${last.n}: ${last[stat].toFixed(3)}`);
}
