#!/usr/bin/env node
// One snapshot of a diffusion run's samples.json as a square grid (run after `npm run build`; reads dist/):
//   node scripts/samples-grid.mjs RUN/samples.json OUT.png [--step N | --steps N,M,...] [--label R] [--cols 16] [--rows 4] [--title T]
// The default is the last snapshot's R row (the data-trained network), 16 columns by as many rows (up to
// --rows) as the snapshot holds; --steps draws one row per listed snapshot (the same noise in each column).
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
const listed = flag("--steps", null);
const wanted = listed === null ? [flag("--step", null)] : listed.split(",");
const found = wanted.map((step) =>
  step === null ? matching[matching.length - 1] : matching.find((r) => r.label === `${label} ${step}`),
);
const missing = wanted.find((_, i) => !found[i]);
if (missing !== undefined) {
  process.stderr.write(
    `--step/--label: no row "${label}" at ${missing ?? "the last snapshot"}; rows: ${doc.rows.map((r) => r.label).join(", ")}\n`,
  );
  process.exit(2);
}
const cols = Number(flag("--cols", 16));
const cut = (row, i) => {
  const { H, W } = row.images;
  return { H, W, n: cols, pixels: row.images.pixels.slice(i * cols * H * W, (i + 1) * cols * H * W) };
};
const rows =
  listed === null
    ? Array.from({ length: Math.min(Number(flag("--rows", 4)), Math.floor(found[0].images.n / cols)) }, (_, i) => ({
        label: "",
        images: cut(found[0], i),
      }))
    : found.map((row) => ({ label: `step ${row.label.split(" ")[1]}`, images: cut(row, 0) }));
const title = flag("--title", `${label}: ${rows.length * cols} samples (${found.map((r) => r.label).join(", ")})`);
writeFileSync(out, svgToPng(samplesGrid(title, rows)));
process.stdout.write(`${out}: ${found.map((r) => r.label).join(", ")}, ${rows.length} x ${cols}\n`);
