// The page and the library in real headless Chromium (Debian's package, driven by playwright-core): a run
// through the UI on the SIMD and the scalar build, each bit-identical to Node's; live curves and Stop;
// errors shown next to fields; the README example without a bundler. Screenshots go to test-output/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConfigInput, resolveConfig } from "../src/config/schema.js";
import { type KernelFlavour, loadKernels } from "../src/engine/kernels.js";
import { createSimulation } from "../src/engine/simulation.js";
import { PAGE_CONFIG } from "../src/web/form.js";
import { float64HexList } from "../src/web/protocol.js";
import { type StaticServer, serveStatic } from "../src/web/server.js";

const CHROMIUM = "/usr/bin/chromium";
const MISSING = "chromium not found: apt-get install -y chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const root = fileURLToPath(new URL("..", import.meta.url));
const pageRoot = join(root, "dist", "page");
const shots = join(root, "test-output");
const haveChromium = existsSync(CHROMIUM);

/** The final (or stopped-at) overlaps Node computes for a config, seed and step count, as hex. */
async function nodeOverlaps(input: ConfigInput, seed: string, steps: number, flavour: KernelFlavour) {
  const kernels = await loadKernels(undefined, { flavour });
  const sim = await createSimulation(input, { kernels });
  sim.init(seed);
  await sim.run(steps);
  return { hex: float64HexList(sim.overlaps()), buildHash: kernels.buildHash };
}

type Result = Record<string, string | undefined>;
const result = (page: Page): Promise<Result> =>
  page.evaluate(() => ({ ...(document.getElementById("result") as HTMLElement).dataset }));

async function waitForState(page: Page, states: string[]): Promise<Result> {
  await page.waitForFunction(
    (s) => s.includes((document.getElementById("result") as HTMLElement).dataset.state ?? ""),
    states,
    { timeout: 60_000 },
  );
  return result(page);
}

async function fill(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) {
    const selector = `#f-${name}`;
    if ((await page.locator(selector).evaluate((e) => e.tagName)) === "SELECT")
      await page.selectOption(selector, value);
    else await page.fill(selector, value);
  }
}

if (!haveChromium) {
  describe("browser (headless Chromium)", () => {
    if (process.env.CI === "true") {
      it("chromium is installed (CI=true: the browser tests must run, not be skipped)", () => {
        throw new Error(MISSING);
      });
    } else {
      it.skipIf(!haveChromium)(MISSING, () => {});
      console.warn(`test/browser.test.ts: skipped, ${MISSING}`);
    }
  });
} else {
  describe("browser (headless Chromium)", () => {
    let context: BrowserContext | undefined;
    let site: StaticServer | undefined;
    let repo: StaticServer | undefined;
    let profile = "";
    const errors: string[] = [];

    beforeAll(async () => {
      mkdirSync(shots, { recursive: true });
      site = await serveStatic({ port: 0, root: existsSync(pageRoot) ? pageRoot : root });
      // The library fixture has inline scripts (an import map, a module): the repository server allows them;
      // the page's server keeps the strict default policy, and the page must work under it.
      repo = await serveStatic({
        port: 0,
        root,
        contentSecurityPolicy:
          "default-src 'self'; img-src 'self' data:; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'",
      });
      profile = mkdtempSync(join(tmpdir(), "mcm-chromium-"));
      const { chromium } = await import("playwright-core");
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ARGS,
        viewport: { width: 1200, height: 720 },
      });
      context.on("weberror", (e) => errors.push(e.error().message));
      // A resource the page's Content-Security-Policy blocks is logged on the console, not thrown.
      context.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
      });
    });

    afterAll(async () => {
      await context?.close();
      await site?.close();
      await repo?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    const open = async (query = ""): Promise<Page> => {
      if (!context || !site) throw new Error("browser not started");
      if (!existsSync(join(pageRoot, "index.html"))) {
        throw new Error(`${pageRoot}/index.html is missing: run npm run build first (npm test does)`);
      }
      const page = await context.newPage();
      const response = await page.goto(`${site.url}${query}`);
      expect(response?.headers()["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
      await page.waitForSelector("#f-d");
      return page;
    };

    it("a run through the UI (SIMD build by detection) gives overlaps bit-identical to Node's", async () => {
      const page = await open();
      const fields = {
        d: "40",
        K: "2",
        process: "ve",
        t: "0.8",
        betaU: "4",
        betaV: "6",
        betaM: "2",
        latent: "skewed:0.3",
        correlation: "mixed:0.3",
        activation: "erf",
        delta: "0.7",
        lrExponent: "1",
        steps: "3000",
        walkers: "5",
        seed: "12345678901234567890",
      };
      await fill(page, fields);
      await page.click("#run");
      const r = await waitForState(page, ["done", "error"]);
      expect(r.state).toBe("done");
      expect(r.flavour).toBe("simd");
      expect(r.step).toBe("3000");
      const input: ConfigInput = {
        ...PAGE_CONFIG,
        d: 40,
        K: 2,
        process: "ve",
        t: 0.8,
        betaU: 4,
        betaV: 6,
        betaM: 2,
        latent: "skewed:0.3",
        correlation: "mixed:0.3",
        activation: "erf",
        delta: 0.7,
        lrExponent: 1,
        walkers: 5,
      };
      expect(JSON.parse(r.config ?? "null")).toEqual(resolveConfig(input));
      const node = await nodeOverlaps(input, fields.seed, 3000, "simd");
      expect(r.buildHash).toBe(node.buildHash);
      expect(r.overlaps?.split(",")).toHaveLength(5 * 2 * 3);
      expect(r.overlaps).toBe(node.hex);
      // m is drawn when betaM > 0.
      expect(await page.locator('polyline.median[data-direction="m"]').count()).toBe(1);
      await page.screenshot({ path: join(shots, "page-simd-done.png") });
      await page.close();
    });

    it("?flavour=scalar runs the scalar build, bit-identical to Node's scalar build", async () => {
      const page = await open("?flavour=scalar");
      await fill(page, { d: "32", steps: "2500", walkers: "3", seed: "7", correlation: "sign" });
      await page.click("#run");
      const r = await waitForState(page, ["done", "error"]);
      expect(r.state).toBe("done");
      expect(r.flavour).toBe("scalar");
      const node = await nodeOverlaps(
        { ...PAGE_CONFIG, d: 32, walkers: 3, correlation: "sign", K: 1 },
        "7",
        2500,
        "scalar",
      );
      expect(r.buildHash).toBe(node.buildHash);
      expect(r.overlaps).toBe(node.hex);
      await page.close();
    });

    it("Generate trains a small family and draws the histogram of x·v of each snapshot's samples", async () => {
      const page = await open();
      await fill(page, { d: "16", K: "2", steps: "300", seed: "2" });
      await page.click("#generate");
      const r = await waitForState(page, ["done", "error"]);
      expect(r.state).toBe("done");
      // The oracle's histogram, then one per snapshot (n = 1, 5, 19, 75, 300), each replacing the last.
      expect(await page.locator("#histogram").getAttribute("data-snapshots")).toBe("6");
      expect(await page.locator("#histogram rect.bar").count()).toBe(64);
      expect(await page.locator("#histogram-status").textContent()).toMatch(/^n\/d = 18\.8: Var\(x·u\) = /);
      await page.screenshot({ path: join(shots, "page-generate.png") });
      await page.close();
    });

    it("the curves grow live while running, Stop stops, and the stopped state matches Node at that step", async () => {
      const page = await open();
      await fill(page, { steps: "1e8", seed: "3" }); // d = 128, 16 walkers: far more than the test waits for
      await page.click("#run");
      expect(await page.isEnabled("#stop")).toBe(true);
      expect(await page.isDisabled("#run")).toBe(true);
      // u is learned after a few d steps: wait until the live median has crossed the threshold.
      await page.waitForFunction(
        () => {
          const line = document.querySelector('polyline.median[data-direction="u"]');
          const step = Number((document.getElementById("result") as HTMLElement).dataset.step);
          return line && Number(line.getAttribute("data-points")) >= 40 && step >= 40 * 128;
        },
        null,
        { timeout: 60_000 },
      );
      const during = await result(page);
      expect(during.state).toBe("running");
      expect(Number(await page.getAttribute("#chart", "data-renders"))).toBeGreaterThan(3);
      expect(await page.locator('polygon.band[data-direction="u"]').count()).toBe(1);
      await page.screenshot({ path: join(shots, "page-live.png") });
      await page.click("#stop");
      const r = await waitForState(page, ["stopped", "done", "error"]);
      expect(r.state).toBe("stopped");
      const step = Number(r.step);
      expect(step).toBeGreaterThanOrEqual(40 * 128);
      expect(step).toBeLessThan(1e8);
      expect(await page.isEnabled("#run")).toBe(true);
      const node = await nodeOverlaps({ ...PAGE_CONFIG, walkers: 16 }, "3", step, "simd");
      expect(r.overlaps).toBe(node.hex);
      await page.screenshot({ path: join(shots, "page-stopped.png") });
      await page.close();
    });

    it("shows invalid values next to their field and disables Run until they are fixed", async () => {
      const page = await open();
      await fill(page, { t: "-1", d: "abc" });
      expect(await page.textContent("#e-t")).toBe('t: got -1, expected a finite number >= 0 for process "vp"');
      expect(await page.textContent("#e-d")).toBe('d: got "abc", expected an integer in [2, 1000000]');
      expect(await page.getAttribute("#f-d", "aria-invalid")).toBe("true");
      expect(await page.isDisabled("#run")).toBe(true);
      await page.screenshot({ path: join(shots, "page-errors.png") });
      await fill(page, { d: "64" });
      expect(await page.textContent("#e-d")).toBe("");
      await fill(page, { process: "linear", t: "1.5" });
      expect(await page.textContent("#e-t")).toBe('t: got 1.5, expected a number in [0, 1] for process "linear"');
      await fill(page, { t: "0.5" });
      expect(await page.textContent("#e-t")).toBe("");
      expect(await page.isEnabled("#run")).toBe(true);
      expect(await page.textContent("#prediction")).toMatch(/^prediction: k_u = 2 \(n ~ d log d, p = 1\); k_v = 4/);
      await page.close();
    });

    it("draws the limit theory's predicted n*/d band and overlap curve for u before a run, and names its median", async () => {
      const page = await open();
      await fill(page, { d: "256", steps: "12800" });
      await page.waitForFunction(() => document.getElementById("chart")?.dataset.limit === "drawn", null, {
        timeout: 60_000,
      });
      await page.waitForSelector('#chart rect.hit-band[data-direction="u"]');
      expect(await page.locator('#chart rect.hit-band[data-direction="u"]').count()).toBe(1);
      expect(await page.locator('#chart polyline.predicted-median[data-direction="u"]').count()).toBe(1);
      expect(await page.locator('#chart rect.hit-band[data-direction="v"]').count()).toBe(0);
      expect(await page.textContent("#prediction")).toMatch(/; limit: n\*_u median \d+ \[q25 \d+, q75 \d+\], v never$/);
      await page.screenshot({ path: join(shots, "page-limit.png") });
      await page.close();
    });

    it("a preset from the URL fills the form, the URL follows the form, and the chart and its data export", async () => {
      const page = await open("?preset=C2&walkers=8");
      expect(await page.inputValue("#preset")).toBe("C2");
      expect(await page.inputValue("#f-d")).toBe("2048");
      expect(await page.inputValue("#f-correlation")).toBe("uncorrelated");
      expect(await page.inputValue("#f-activation")).toBe("relu");
      expect(await page.inputValue("#f-walkers")).toBe("8");
      expect(await page.textContent("#preset-note")).toMatch(/also set: backend reduced, threshold 0\.[0-9]+/);
      await fill(page, { seed: "9" });
      expect(new URL(page.url()).search).toBe("?preset=C2&walkers=8&seed=9");
      await page.selectOption("#preset", "A");
      expect(await page.inputValue("#f-activation")).toBe("tanh");
      expect(new URL(page.url()).search).toBe("?preset=A");
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
      expect(download.suggestedFilename()).toBe("mcm-A-d256.csv");
      const [svg] = await Promise.all([page.waitForEvent("download"), page.click("#export-svg")]);
      expect(svg.suggestedFilename()).toBe("mcm-A-d256.svg");
      await page.screenshot({ path: join(shots, "page-preset.png") });
      await page.close();
    });

    it("the README example runs as written in the browser, without a bundler, with Node's output", async () => {
      if (!context || !repo) throw new Error("browser not started");
      const page = await context.newPage();
      await page.goto(`${repo.url}test/fixtures/library.html`);
      await page.waitForFunction(() => document.body.dataset.state, null, { timeout: 60_000 });
      const text = await page.textContent("#out");
      expect(await page.getAttribute("body", "data-state"), text ?? "").toBe("done");
      const node = execFileSync(process.execPath, [join(root, "examples", "basic.mjs")], {
        cwd: root,
        encoding: "utf8",
      });
      expect(text).toBe(node);
      await page.close();
    });

    it("raised no uncaught errors in any page or worker", () => {
      expect(errors).toEqual([]);
    });
  });
}
