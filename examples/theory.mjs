// The theory from a script: information exponents (`mcm exponent`) and the high-dimensional limit's
// predicted first-hitting quartiles (`mcm predict`) of one config. Run by test/examples.test.ts.
import { exponent, predict } from "mcm-diffusion";

const config = { d: 256, betaU: 5, betaV: 5, correlation: "independent", activation: "tanh" };

const e = exponent(config);
for (const [dir, r] of Object.entries(e.directions)) {
  if (r) console.log(`w.${dir}: information exponent k = ${r.k}, n* ~ ${r.predictedScaling}`);
}

const p = predict(config, { paths: 400, curves: false });
for (const [dir, r] of Object.entries(p.directions)) {
  const h = r?.predictedHit;
  if (h) console.log(`w.${dir} at d = 256: predicted n* quartiles ${[h.q25, h.median, h.q75].map((x) => Math.round(x)).join(", ")}`);
}
