#!/usr/bin/env node
// Markdown tables (run after `npm run build`: it reads the t quantiles from dist/) of one or two dsb.json files (`mcm diffusion --seeds ... --out DIR` writes DIR/dsb.json),
// as printed in docs/diffusion.md:
//   node scripts/dsb-tables.mjs DIR/dsb.json              the decision per t and h / eG over the steps
//   node scripts/dsb-tables.mjs A/dsb.json B/dsb.json     both, then B against A: log10(tauH / tauG) per t and q,
//                                                         the difference of the seeds' means with a Welch 95% interval
import { readFileSync } from "node:fs";
import { t975 } from "../dist/diffusion/decide.js";

const QS = ["0.05", "0.1", "0.2"];

const g = (x, p = 2) => (x == null || !Number.isFinite(x) ? "-" : Number(x.toPrecision(p)).toString());
const iv = (v, p = 2) => {
  if (!v) return "-";
  const range = Number.isFinite(v.lo) && Number.isFinite(v.hi) ? ` [${g(v.lo, p)}, ${g(v.hi, p)}]` : "";
  return `${g(v.mean, p)}${range}${v.n != null && v.n < 3 ? ` (n = ${v.n})` : ""}`;
};
const steps = (v) => {
  if (!v) return "-";
  const range =
    Number.isFinite(v.lo) && Number.isFinite(v.hi) && v.lo > 0 ? ` [${Math.round(v.lo)}, ${Math.round(v.hi)}]` : "";
  return `${Math.round(v.mean)}${range}${v.n < 3 ? ` (n = ${v.n})` : ""}`;
};

function perRunRatios(dsb, t, q) {
  const out = [];
  for (const r of dsb.runs) {
    const d = r.decision[t];
    const a = d?.tauH?.[q];
    const b = d?.tauG?.[q];
    if (a != null && b != null) out.push(Math.log10(a / b));
  }
  return out;
}

function tables(dsb) {
  const lines = [];
  const ts = Object.keys(dsb.perT);
  lines.push(
    `${dsb.dataset} ${dsb.side} x ${dsb.side}, seeds ${dsb.seeds.join(", ")}, ${dsb.options.steps} steps: overall **${dsb.verdict}**`,
  );
  lines.push("");
  lines.push(
    "| t | verdict | h / eG after step 40 | h / eG at the last step | tauG(0.2) | tauG(0.1) | tauH(0.1) | tauH(0.2) | log10(tauH/tauG), q = 0.2 | q = 0.1 | q = 0.05 | crossing h = eG | min R-W (step) | straight-path null |",
  );
  lines.push(`|${" --- |".repeat(14)}`);
  for (const t of ts) {
    const p = dsb.perT[t];
    const after = p.hOverEG.find((x) => x.step > 40);
    const last = p.hOverEG[p.hOverEG.length - 1];
    const cell = (x) => (x ? `${iv(x)} (step ${x.step})` : "-");
    lines.push(
      `| ${t} | ${p.verdict} | ${cell(after)} | ${cell(last)} | ${steps(p.tauG["0.2"])} | ${steps(p.tauG["0.1"])} | ${steps(p.tauH["0.1"])} | ${steps(p.tauH["0.2"])} | ${iv(p.log10Ratio["0.2"])} | ${iv(p.log10Ratio["0.1"])} | ${iv(p.log10Ratio["0.05"])} | ${steps(p.crossing)} | ${iv(p.uMin, 3)} (${p.uMinStep ? Math.round(p.uMinStep.mean) : "-"}) | ${iv(p.straightNull, 3)} |`,
    );
  }
  lines.push("");
  const timing = dsb.timing.map(
    (x) => `seed ${x.seed}: ${Math.round(x.cpuSeconds)} CPU s, ${Math.round(x.wallSeconds / 60)} min wall`,
  );
  lines.push(`Timing: ${timing.join("; ")}`);
  lines.push("");
  lines.push("h / eG over the steps (seeds' mean and 95% t-interval):");
  lines.push("");
  lines.push(`| step | ${ts.map((t) => `t = ${t}`).join(" | ")} |`);
  lines.push(`|${" --- |".repeat(ts.length + 1)}`);
  for (const [i, s] of dsb.perT[ts[0]].hOverEG.entries()) {
    if (s.step < 10) continue;
    lines.push(`| ${s.step} | ${ts.map((t) => iv(dsb.perT[t].hOverEG[i])).join(" | ")} |`);
  }
  return lines.join("\n");
}

function compare(a, b) {
  const lines = [];
  lines.push(
    `log10(tauH / tauG): ${b.dataset} ${b.side} x ${b.side} (B) against ${a.dataset} ${a.side} x ${a.side} (A); the difference B - A of the seeds' means with a Welch 95% interval (positive: the gap between the phases is wider in B)`,
  );
  lines.push("");
  lines.push("| t | q | A: mean (seeds) | B: mean (seeds) | B - A [95%] |");
  lines.push("| --- | --- | --- | --- | --- |");
  for (const t of Object.keys(a.perT)) {
    if (!b.perT[t]) continue;
    for (const q of QS) {
      const x = perRunRatios(a, t, q);
      const y = perRunRatios(b, t, q);
      if (x.length === 0 && y.length === 0) continue;
      const mean = (v) => v.reduce((s, u) => s + u, 0) / v.length;
      const vr = (v) => v.reduce((s, u) => s + (u - mean(v)) ** 2, 0) / (v.length - 1);
      let diff = "-";
      if (x.length >= 2 && y.length >= 2) {
        const sa = vr(x) / x.length;
        const sb = vr(y) / y.length;
        const se = Math.sqrt(sa + sb);
        const nu = (sa + sb) ** 2 / (sa ** 2 / (x.length - 1) + sb ** 2 / (y.length - 1));
        const d = mean(y) - mean(x);
        // Welch–Satterthwaite degrees of freedom, rounded down (conservative).
        const h = t975(Math.max(1, Math.floor(nu))) * se;
        diff = `${g(d)} [${g(d - h)}, ${g(d + h)}]`;
      }
      const m = (v) => (v.length ? `${g(mean(v))} (${v.length})` : "-");
      lines.push(`| ${t} | ${q} | ${m(x)} | ${m(y)} | ${diff} |`);
    }
  }
  return lines.join("\n");
}

const files = process.argv.slice(2);
if (files.length < 1 || files.length > 2) {
  process.stderr.write("usage: node scripts/dsb-tables.mjs DSB.json [DSB2.json]\n");
  process.exit(2);
}
const docs = files.map((f) => JSON.parse(readFileSync(f, "utf8")));
for (const d of docs) process.stdout.write(`${tables(d)}\n\n`);
if (docs.length === 2) process.stdout.write(`${compare(docs[0], docs[1])}\n`);
