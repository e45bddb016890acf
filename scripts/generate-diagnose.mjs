// Where a trained family's generated Var(x.u) falls short of the data's (docs/generate.md, "Why Var(x.u)
// stays below"): one family (seed 1) trained for `steps` samples per level, sampled beside the control
// families on the same grid and stream, and hybrids of the two (run `npm run build` first):
//   node scripts/generate-diagnose.mjs d levels steps delta [correlation] [activation] [sampler]
// env K (units, default 2), TARGET (x0|noise).
import { resolveConfig } from "../dist/config/schema.js";
import { gaussianVariance, unitAtSpikeFamily, wienerFamily } from "../dist/generate/controls.js";
import { trainLevel } from "../dist/generate/family.js";
import { defaultLevels, samplerGrid } from "../dist/generate/law.js";
import { createGenerator } from "../dist/generate/sampler.js";
import { sampleStats } from "../dist/generate/stats.js";

const [d, L, steps, delta] = process.argv.slice(2, 6).map(Number);
const correlation = process.argv[6] ?? "independent";
const activation = process.argv[7] ?? "tanh";
const sampler = process.argv[8] ?? "ddim";
const samples = 4000;
const seed = "1";
const config = resolveConfig({
  d,
  K: Number(process.env.K ?? 2),
  target: process.env.TARGET ?? "x0",
  delta,
  trainSkip: true,
  trainAmplitude: true,
  walkers: 1,
  correlation,
  activation,
});
const { K } = config;
const grid = samplerGrid(config.process, defaultLevels(config.process, L));
const show = (name, rows) => {
  const s = sampleStats(rows);
  console.log(
    name.padEnd(36),
    `varU ${s.varU.toFixed(3)} ± ${s.se.varU.toFixed(3)}  exKurtV ${s.exKurtV.toFixed(3)}  uv ${s.uv.toFixed(3)}`,
  );
};
const sample = (gen, family) => gen.sample({ grid, sampler, samples, stream: 0, family });
console.log(
  `d ${d}, ${L} levels, ${sampler}, ${steps} samples per level, delta ${delta}, K ${K}, ${activation}, ${correlation}`,
);
if (sampler !== "ddpm")
  console.log(
    "closed-form Gaussian Var(x.u) on this grid".padEnd(36),
    gaussianVariance(grid, 1 + config.betaU, sampler).toFixed(3),
  );
const gen = await createGenerator(config, seed);
const spikes = gen.sim.spikes();
show("oracle", sample(gen));
const lin = await createGenerator({ ...config, activation: "linear", K: 2 }, seed);
show("Wiener family", sample(lin, wienerFamily(config, spikes, grid)));
const atU = unitAtSpikeFamily(config, spikes.u, grid);
const unitGen = await createGenerator({ ...config, K }, seed);
show(`${activation} unit at w = u, best (b, a)`, sample(unitGen, atU));
const levels = [];
for (let l = 0; l < L; l++) levels.push((await trainLevel(config, seed, l, grid[l].t, [steps])).snapshots[0]);
const family = (pick) => {
  const w = new Float64Array(L * K * d);
  const a = new Float64Array(L * K);
  const b = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    const s = pick(l);
    w.set(s.w, l * K * d);
    a.set(s.a, l * K);
    b[l] = s.b[0];
  }
  return { w, a, b };
};
const trained = family((l) => levels[l]);
show("trained", sample(gen, trained));
console.log(
  "  per level max |w.u|:",
  levels.map((s) => Math.max(...Array.from({ length: K }, (_, k) => Math.abs(s.overlaps[3 * k]))).toFixed(2)).join(" "),
);
// The trained units with |w.u| > 0.5 turned onto u exactly, their b and a kept.
const onU = family((l) => {
  const s = levels[l];
  const w = s.w.slice();
  for (let k = 0; k < K; k++) {
    const o = s.overlaps[3 * k];
    if (Math.abs(o) > 0.5) for (let i = 0; i < d; i++) w[k * d + i] = Math.sign(o) * spikes.u[i];
  }
  return { ...s, w };
});
show("trained, aligned units turned onto u", sample(gen, onU));
// The levels from H on replaced by the best unit at w = u.
const best = (l) => ({ w: atU.w.slice(l * K * d, (l + 1) * K * d), a: atU.a.slice(l * K, (l + 1) * K), b: [atU.b[l]] });
for (const H of [Math.round(L / 2), L - 5, L - 3]) {
  show(
    `trained below level ${H}, best unit from it`,
    sample(
      gen,
      family((l) => (l < H ? levels[l] : best(l))),
    ),
  );
}
