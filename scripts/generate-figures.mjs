// Figures of docs/generate.md from `mcm generate` output folders (run `npm run build` first):
//   node scripts/generate-figures.mjs OUT_DIR name=RUN_DIR ...
// writes OUT_DIR/<name>-stats.png and <name>-histograms.png for each run, and OUT_DIR/latents.png, the
// excess kurtosis along v and E[(x.u)^2 (x.v)] of every run against n/d (bands: +- 1 SE).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateHistogramSpec, generateStatsSpec } from "../dist/report/generate-plots.js";
import { linePlot, PALETTE } from "../dist/report/lines.js";
import { renderSvg } from "../dist/report/plots.js";
import { svgToPng } from "../dist/report/png.js";

const [out, ...runs] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const results = runs.map((r) => {
  const [name, dir] = r.split("=");
  return { name, result: JSON.parse(readFileSync(join(dir, "generate.json"), "utf8")) };
});
for (const { name, result } of results) {
  writeFileSync(
    join(out, `${name}-stats.png`),
    svgToPng(await renderSvg(generateStatsSpec(result, `Generated statistics: ${name}`))),
  );
  writeFileSync(join(out, `${name}-histograms.png`), svgToPng(await renderSvg(generateHistogramSpec(result))));
}
for (const [stat, label] of [
  ["exKurtV", "excess kurtosis of x.v"],
  ["u2v", "E[(x.u)^2 (x.v)]"],
]) {
  const series = results.map(({ name, result }, i) => ({
    name,
    x: result.snapshots.map((s) => s.nOverD),
    y: result.snapshots.map((s) => s[stat]),
    band: result.snapshots.map((s) => s.se[stat] ?? 0),
    color: PALETTE[i % PALETTE.length],
    markers: true,
  }));
  const hlines = results
    .map(({ name, result }, i) => ({
      name: results.every((r) => Math.abs(r.result.data[stat] - result.data[stat]) < 1e-9)
        ? "data law"
        : `data (${name})`,
      y: result.data[stat],
      color: PALETTE[i % PALETTE.length],
      dash: "6 3",
    }))
    .filter((h, i, all) => all.findIndex((o) => Math.abs(o.y - h.y) < 1e-9) === i);
  const svg = await linePlot({
    title: `${label} of generated samples`,
    xLabel: "n / d per level",
    yLabel: label,
    xLog: true,
    series,
    hlines,
  });
  writeFileSync(join(out, `latents-${stat}.png`), svgToPng(svg));
}
