/** The package version, read from package.json (two levels up from both src/cli and dist/cli). */
import { readFileSync } from "node:fs";

let cachedVersion: string | null = null;

export function packageVersion(): string {
  if (cachedVersion === null) {
    const url = new URL("../../package.json", import.meta.url);
    cachedVersion = (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  }
  return cachedVersion;
}
