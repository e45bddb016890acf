/**
 * The page: builds the form from FIELDS, validates as the person types (errors next to the field), runs
 * the simulation in a module worker and redraws the chart as log points arrive. `?flavour=scalar` (or
 * `simd`) forces a kernel build. The final overlaps are exposed as IEEE-754 hex in #result's data
 * attributes, so tests can compare them bit for bit with Node.
 */

import { DIRECTIONS } from "../config/directions.js";
import type { Config, ConfigInput } from "../config/schema.js";
import { activationView } from "./activation.js";
import { chartCsv, chartJson } from "./export.js";
import { FIELDS, type FieldError, type FieldSpec, readForm, shownErrors } from "./form.js";
import { renderHistogram } from "./histogram.js";
import { extraText, findPagePreset, fromQuery, PAGE_PRESET_NAMES, toQuery } from "./page-state.js";
import { type ChartInput, renderChart, type SeriesPoint } from "./plot.js";
import { type LimitOverlay, limitOverlay, type Prediction, pagePredict, predictionText } from "./prediction.js";
import { type Flavour, type FromWorker, float64HexList, type LogPoint, type ToWorker } from "./protocol.js";
import { hitMedians, overlapQuartiles } from "./stats.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>("config");
const fieldsBox = $<HTMLDivElement>("fields");
const runButton = $<HTMLButtonElement>("run");
const stopButton = $<HTMLButtonElement>("stop");
const formError = $<HTMLParagraphElement>("form-error");
const chart = $<HTMLDivElement>("chart");
const statusLine = $<HTMLParagraphElement>("status");
const predictionLine = $<HTMLParagraphElement>("prediction");
const result = $<HTMLOutputElement>("result");
const generateButton = $<HTMLButtonElement>("generate");
const histogram = $<HTMLDivElement>("histogram");
const histogramStatus = $<HTMLParagraphElement>("histogram-status");
const activationPlot = $<HTMLDivElement>("activation-plot");
const activationText = $<HTMLParagraphElement>("activation-text");
const presetSelect = $<HTMLSelectElement>("preset");
const presetNote = $<HTMLParagraphElement>("preset-note");

/** The package version, set at build time (vite.web.config.ts). */
declare const __MCM_VERSION__: string;

const params = new URLSearchParams(location.search);
const forced = params.get("flavour");
const flavour: Flavour | undefined = forced === "simd" || forced === "scalar" ? forced : undefined;
// The form's state from the URL (page-state.ts): a preset and the fields that differ from it.
const start = fromQuery(location.search);
let presetName: string | null = start.preset;
let extra: ConfigInput = findPagePreset(presetName)?.extra ?? {};

// ---- form ----

const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
const errorSpans = new Map<string, HTMLElement>();

function makeField(spec: FieldSpec): HTMLElement {
  const box = document.createElement("div");
  box.className = spec.kind === "text" && spec.name !== "seed" && spec.name !== "steps" ? "field wide" : "field";
  const label = document.createElement("label");
  label.htmlFor = `f-${spec.name}`;
  label.textContent = spec.label;
  label.title = spec.title;
  let input: HTMLInputElement | HTMLSelectElement;
  if (spec.kind === "select") {
    const select = document.createElement("select");
    for (const option of spec.options ?? []) select.add(new Option(option, option));
    input = select;
  } else {
    const text = document.createElement("input");
    text.type = "text";
    text.inputMode = spec.kind === "text" ? "text" : "decimal";
    text.spellcheck = false;
    if (spec.suggestions) {
      const list = document.createElement("datalist");
      list.id = `l-${spec.name}`;
      for (const s of spec.suggestions) list.append(new Option(s));
      box.append(list);
      text.setAttribute("list", list.id);
    }
    input = text;
  }
  input.id = `f-${spec.name}`;
  input.name = spec.name;
  input.value = start.values[spec.name] ?? spec.initial;
  input.title = spec.title;
  const error = document.createElement("span");
  error.className = "error";
  error.id = `e-${spec.name}`;
  error.setAttribute("aria-live", "polite");
  input.setAttribute("aria-describedby", error.id);
  box.append(label, input, error);
  inputs.set(spec.name, input);
  errorSpans.set(spec.name, error);
  return box;
}

for (const spec of FIELDS) fieldsBox.append(makeField(spec));

function values(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, input] of inputs) out[name] = input.value;
  return out;
}

function showErrors(errors: readonly FieldError[]): void {
  for (const [name, span] of errorSpans) {
    const error = errors.find((e) => e.field === name);
    span.textContent = error ? error.message : "";
    inputs.get(name)?.setAttribute("aria-invalid", error ? "true" : "false");
  }
  const orphans = errors.filter((e) => !errorSpans.has(e.field));
  formError.textContent = orphans.map((e) => e.message).join("; ");
}

let running = false;
/** The last run's failure: shown until the form is edited or another run starts. */
let failure: FieldError | null = null;

/** Redraws g and g' and the Hermite coefficients when the activation field holds a valid one. */
function showActivation(r: ReturnType<typeof readForm>): void {
  const text = inputs.get("activation")?.value.trim() ?? "";
  if (!r.ok && r.errors.some((e) => e.field === "activation")) return; // the last valid drawing stays
  if (activationPlot.dataset.formula === text) return;
  try {
    const view = activationView(text);
    activationPlot.innerHTML = view.svg; // numbers and fixed labels only (src/web/activation.ts)
    activationPlot.dataset.formula = text;
    activationText.textContent = `g = ${text}: ${view.hermite}`;
  } catch (e) {
    activationText.textContent = e instanceof Error ? e.message : String(e);
  }
}

// ---- presets and the URL ----

presetSelect.add(new Option("(custom)", ""));
for (const p of PAGE_PRESET_NAMES) presetSelect.add(new Option(`${p.name}: ${p.description}`, p.name));
presetSelect.value = presetName ?? "";

function showPresetNote(): void {
  const p = findPagePreset(presetName);
  const hidden = extraText(extra);
  presetNote.textContent = p
    ? `preset ${p.name} at one d (\`mcm presets ${p.name}\` for its sweep)${hidden ? `; also set: ${hidden}` : ""}`
    : "";
}

/** The URL follows the form (replaceState: no history entry per keystroke); ?flavour= is kept. */
function syncUrl(): void {
  const keep: Record<string, string> = forced ? { flavour: forced } : {};
  const query = toQuery({ preset: presetName, values: values() }, keep);
  history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}`);
}

presetSelect.addEventListener("change", () => {
  const p = findPagePreset(presetSelect.value || null);
  presetName = p?.name ?? null;
  extra = p?.extra ?? {};
  if (p) for (const [name, input] of inputs) input.value = p.values[name] ?? input.value;
  showPresetNote();
  validate();
});
showPresetNote();

function validate(): ReturnType<typeof readForm> {
  syncUrl();
  const r = readForm(values(), extra);
  showErrors(shownErrors(r.ok ? [] : r.errors, failure));
  showActivation(r);
  runButton.disabled = running || !r.ok;
  if (r.ok && !running) {
    showPrediction(r.run.config, r.run.steps);
    // Before any run, the empty chart follows the form (its axis, and the limit's bands once computed).
    if (view && view.points.length === 0) {
      view = { config: r.run.config, steps: r.run.steps, points: [], current: 0 };
      requestDraw();
    }
  }
  return r;
}

let prediction: Prediction | null = null;
// The limit theory's bands take up to a second (seconds for dependent latents): computed once per config and run length, after typing
// pauses. #chart's data-limit is "pending", "drawn" or "none".
let limit: { key: string; overlay: LimitOverlay } | null = null;
let limitTimer: ReturnType<typeof setTimeout> | undefined;
const limitKey = (config: Config, steps: number) => JSON.stringify([config, steps]);
function showPrediction(config: Config, steps: number): void {
  const p = predictionText(pagePredict, config);
  prediction = p.prediction;
  const key = limitKey(config, steps);
  if (limit?.key === key) {
    predictionLine.textContent = `${p.text}; ${limit.overlay.text}`;
    return;
  }
  // Dependent latents: the coupled ODE takes seconds the first time; say so before the page pauses for it.
  predictionLine.textContent =
    config.correlation === "independent" ? p.text : `${p.text}; limit: computing the coupled ODE (a few seconds)`;
  chart.dataset.limit = "pending";
  clearTimeout(limitTimer);
  limitTimer = setTimeout(() => {
    const overlay = limitOverlay(config, steps);
    limit = { key, overlay };
    chart.dataset.limit = Object.keys(overlay.bands).length ? "drawn" : "none";
    predictionLine.textContent = `${p.text}; ${overlay.text}`;
    requestDraw();
  }, 250);
}

const edited = () => {
  failure = null;
  validate();
};
form.addEventListener("input", edited);
form.addEventListener("change", edited);

// ---- chart ----

interface RunView {
  config: Config;
  steps: number;
  points: { step: number; q: ReturnType<typeof overlapQuartiles> }[];
  current: number;
}
let view: RunView | null = null;
let renders = 0;
let frameRequested = false;

function draw(): void {
  frameRequested = false;
  if (!view) return;
  const { config, steps, points } = view;
  const series: ChartInput["series"] = {};
  DIRECTIONS.forEach((dir, i) => {
    if (dir === "m" && config.betaM === 0) return;
    series[dir] = points.filter((p) => p.step > 0).map((p): SeriesPoint => ({ nOverD: p.step / config.d, ...p.q[i] }));
  });
  chart.innerHTML = renderChart({
    d: config.d,
    steps,
    current: running ? view.current : null,
    threshold: config.threshold,
    series,
    markers: prediction?.markers,
    limit: limit?.key === limitKey(config, steps) ? limit.overlay.bands : undefined,
  });
  renders++;
  chart.dataset.renders = String(renders);
}

function requestDraw(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(draw);
}

// ---- worker ----

let worker: Worker | null = null;

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (event: MessageEvent<FromWorker>) => onWorkerMessage(event.data);
  worker.onerror = (event) => {
    failure = { field: "", message: `worker failed: ${event.message || "could not load the worker"}` };
    finish("error");
  };
  return worker;
}

function setRunning(on: boolean): void {
  running = on;
  stopButton.disabled = !on;
  for (const input of inputs.values()) input.disabled = on;
  runButton.disabled = on;
  generateButton.disabled = on;
  presetSelect.disabled = on;
}

function finish(state: "done" | "stopped" | "error"): void {
  setRunning(false);
  result.dataset.state = state;
  validate();
  requestDraw();
}

const fmtRate = (r: number) =>
  r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : r >= 1e3 ? `${(r / 1e3).toFixed(1)} k` : r.toFixed(0);

function onWorkerMessage(message: FromWorker): void {
  switch (message.type) {
    case "started": {
      result.dataset.flavour = message.flavour;
      result.dataset.buildHash = message.buildHash;
      result.dataset.config = JSON.stringify(message.config);
      statusLine.textContent = `running on the ${message.flavour} build, eta = ${message.eta.toPrecision(3)}`;
      break;
    }
    case "log": {
      if (!view) return;
      const { walkers, K } = view.config;
      for (const p of message.points as LogPoint[]) {
        view.points.push({ step: p.step, q: overlapQuartiles(p.overlaps, walkers, K) });
      }
      requestDraw();
      break;
    }
    case "progress": {
      if (!view) return;
      view.current = message.step;
      result.dataset.step = String(message.step);
      const last = view.points[view.points.length - 1];
      const med = last ? ` · median overlap u ${last.q[0].median.toFixed(3)}, v ${last.q[1].median.toFixed(3)}` : "";
      statusLine.textContent = `step ${message.step} of ${message.total} (n/d = ${(message.step / view.config.d).toPrecision(3)}) · ${fmtRate(message.stepsPerSecond)} steps/s per walker${med}`;
      requestDraw();
      break;
    }
    case "done": {
      if (!view) return;
      view.current = message.step;
      result.dataset.step = String(message.step);
      result.dataset.overlaps = float64HexList(message.overlaps);
      const q = overlapQuartiles(message.overlaps, view.config.walkers, view.config.K);
      const hit = hitMedians(message.hits, view.config.walkers, view.config.K);
      result.dataset.hitMedians = JSON.stringify(hit);
      const nStar = (n: number | null) => (n === null ? "not reached" : String(n));
      result.textContent = `${message.stopped ? "stopped" : "done"} at step ${message.step}: median overlap u ${q[0].median.toFixed(4)}, v ${q[1].median.toFixed(4)}${view.config.betaM > 0 ? `, m ${q[2].median.toFixed(4)}` : ""}; median n* u ${nStar(hit.u)}, v ${nStar(hit.v)}${view.config.betaM > 0 ? `, m ${nStar(hit.m)}` : ""}`;
      statusLine.textContent = `${message.stopped ? "stopped" : "finished"} at step ${message.step} of ${view.steps} (${result.dataset.flavour} build)`;
      finish(message.stopped ? "stopped" : "done");
      break;
    }
    case "generated": {
      histogram.innerHTML = renderHistogram(message);
      histogram.dataset.snapshots = String(Number(histogram.dataset.snapshots) + 1);
      histogramStatus.textContent = `${message.label}: Var(x·u) = ${message.varU.toFixed(2)}, excess kurtosis of x·v = ${message.exKurtV.toFixed(2)} (line: the data law's density)`;
      if (message.done) {
        statusLine.textContent = "generate finished";
        finish("done");
      }
      break;
    }
    case "error": {
      failure = {
        field: message.field && errorSpans.has(message.field) ? message.field : "",
        message: message.message,
      };
      statusLine.textContent = "the run failed";
      finish("error");
      break;
    }
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (running) return;
  failure = null;
  const r = validate();
  if (!r.ok) return;
  const { config, seed, steps } = r.run;
  view = { config, steps, points: [], current: 0 };
  formError.textContent = "";
  result.textContent = "";
  result.dataset.state = "running";
  result.dataset.step = "0";
  delete result.dataset.overlaps;
  result.dataset.seed = seed;
  result.dataset.steps = String(steps);
  setRunning(true);
  statusLine.textContent = "loading the kernels…";
  const request: ToWorker = { type: "run", config, seed, steps, flavour };
  getWorker().postMessage(request);
  requestDraw();
});

generateButton.addEventListener("click", () => {
  if (running) return;
  failure = null;
  const r = validate();
  if (!r.ok) return;
  const { config, seed, steps } = r.run;
  formError.textContent = "";
  histogram.dataset.snapshots = "0";
  result.dataset.state = "running";
  setRunning(true);
  statusLine.textContent = `generate: training 12 levels for ${steps} steps each, then sampling 2000 points per snapshot…`;
  const request: ToWorker = { type: "generate", config, seed, steps, levels: 12, samples: 2000, snapshots: 6, flavour };
  getWorker().postMessage(request);
});

stopButton.addEventListener("click", () => {
  if (running) getWorker().postMessage({ type: "stop" } satisfies ToWorker);
});

// ---- export: the figure (SVG, PNG) and its data (JSON, CSV) ----

function download(name: string, blob: Blob): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function chartData() {
  if (!view) return null;
  return { config: view.config, seed: result.dataset.seed ?? values().seed, steps: view.steps, points: view.points };
}

const exportName = () => `mcm-${presetName ?? "run"}-d${view?.config.d ?? ""}`;

function currentSvg(): string | null {
  const svg = chart.querySelector("svg");
  if (!svg) return null;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const box = copy.viewBox.baseVal;
  copy.setAttribute("width", String(box.width));
  copy.setAttribute("height", String(box.height));
  copy.setAttribute("font-family", "DejaVu Sans, sans-serif");
  // The chart's look comes from the page's stylesheet: its rules go into the file, variables resolved.
  const root = getComputedStyle(document.documentElement);
  const rules: string[] = [];
  for (const sheet of Array.from(document.styleSheets)) {
    for (const rule of Array.from(sheet.cssRules)) {
      if (!(rule instanceof CSSStyleRule) || !rule.selectorText.includes(".chart ")) continue;
      const text = rule.cssText.replaceAll(".chart ", "");
      rules.push(text.replace(/var\((--[a-z-]+)\)/g, (_, name: string) => root.getPropertyValue(name).trim()));
    }
  }
  const style = document.createElementNS("http://www.w3.org/2000/svg", "style");
  style.textContent = rules.join("\n");
  copy.prepend(style);
  return new XMLSerializer().serializeToString(copy);
}

$<HTMLButtonElement>("export-svg").addEventListener("click", () => {
  const svg = currentSvg();
  if (svg) download(`${exportName()}.svg`, new Blob([svg], { type: "image/svg+xml" }));
});
$<HTMLButtonElement>("export-png").addEventListener("click", () => {
  const svg = currentSvg();
  if (!svg) return;
  const image = new Image();
  image.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = image.width * 2;
    canvas.height = image.height * 2;
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    canvas.toBlob((blob) => blob && download(`${exportName()}.png`, blob), "image/png");
  };
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
});
const meta = () => ({ tool: "mcm-diffusion page", version: __MCM_VERSION__, build: result.dataset.buildHash });
$<HTMLButtonElement>("export-json").addEventListener("click", () => {
  const data = chartData();
  if (data) download(`${exportName()}.json`, new Blob([chartJson(data, meta())], { type: "application/json" }));
});
$<HTMLButtonElement>("export-csv").addEventListener("click", () => {
  const data = chartData();
  if (data) download(`${exportName()}.csv`, new Blob([chartCsv(data)], { type: "text/csv" }));
});

const initial = validate();
if (initial.ok) {
  view = { config: initial.run.config, steps: initial.run.steps, points: [], current: 0 };
  draw();
}
