// Builds the page (src/web) into a self-contained static folder, dist/page: HTML, bundled ES modules
// (the module worker included) and the two WASM builds as assets. Relative URLs, so any static server
// and any sub-path work.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string };

export default defineConfig({
  root: fileURLToPath(new URL("./src/web", import.meta.url)),
  base: "./",
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("./dist/page", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  worker: { format: "es" },
  // The version the page's exports record.
  define: { __MCM_VERSION__: JSON.stringify(version) },
});
