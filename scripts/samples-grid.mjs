#!/usr/bin/env node
// One snapshot of a diffusion run's samples.json as a square grid (run after `npm run build`; reads dist/):
//   node scripts/samples-grid.mjs RUN/samples.json OUT.png [--step N] [--label R] [--cols 16] [--rows 4] [--title T]
// The default is the last snapshot's R row (the data-trained network), 16 columns by 4 rows.
import { writeFileSync } from "node:fs";
import { readStamped, DIFFUSION_SCHEMAS as SCHEMAS } from "../dist/cli/commands/diffusion-run.js";
import { samplesGrid } from "../dist/report/diffusion.js";
import { svgToPng } from "../dist/report/png.js";

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const [file, out] = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--")));
if (!file || !out) {
  process.stderr.write(
    "usage: node scripts/samples-grid.mjs RUN/samples.json OUT.png [--step N] [--label R] [--cols 16] [--rows 4] [--title T]\n",
  );
  process.exit(2);
}
const doc = readStamped(file, SCHEMAS.samples);
const label = flag("--label", "R");
const matching = doc.rows.filter((r) => r.label.split(" ")[0] === label);
const step = flag("--step", null);
const row = step === null ? matching[matching.length - 1] : matching.find((r) => r.label === `${label} ${step}`);
if (!row) {
  process.stderr.write(
    `--step/--label: no row "${label}" at ${step ?? "the last snapshot"}; rows: ${doc.rows.map((r) => r.label).join(", ")}\n`,
  );
  process.exit(2);
}
const cols = Number(flag("--cols", 16));
const nrows = Math.min(Number(flag("--rows", 4)), Math.floor(row.images.n / cols));
const { H, W } = row.images;
const rows = Array.from({ length: nrows }, (_, i) => ({
  label: "",
  images: { H, W, n: cols, pixels: row.images.pixels.slice(i * cols * H * W, (i + 1) * cols * H * W) },
}));
const title = flag("--title", `${label} at step ${row.label.split(" ")[1]}: ${nrows * cols} samples`);
writeFileSync(out, svgToPng(samplesGrid(title, rows)));
process.stdout.write(`${out}: ${row.label}, ${nrows} x ${cols}\n`);
