/** Reading the JSON files a command keeps in its output directory: a parse error names the file. */
import { readFileSync } from "node:fs";

/** The parsed content of a JSON file; an unreadable or malformed file is an error naming it and `what`
 * it should be (a bare "Unexpected token ... in JSON at position 1" left the user guessing which file). */
export function readJsonFile(path: string, what = "the recorded file"): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${path}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: ${what} is not valid JSON (${(e as Error).message})`);
  }
}
