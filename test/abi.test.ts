import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script without types
import { generate, PAIRS } from "../scripts/gen-abi.mjs";
// @ts-expect-error: a plain ES module script without types
import { generate as generateTypes, MODULES, TARGET } from "../scripts/gen-kernel-types.mjs";

describe("the host's kernel ABI (src/engine/abi.ts, src/experiments/images/abi.ts)", () => {
  for (const [from, to] of PAIRS as [string, string][]) {
    it(`${to} is what scripts/gen-abi.mjs generates from ${from}`, () => {
      expect(readFileSync(to, "utf8")).toBe(generate(readFileSync(from, "utf8"), from));
    });
  }

  it("the generator rejects a line that is not a named i32 constant", () => {
    expect(() => generate("export const P_D: i32 = 0;\nlet x = 1;\n", "x.ts")).toThrow(/x\.ts:2/);
  });
});

describe("the host's types of the kernels' exports (src/engine/kernel-exports.ts)", () => {
  const modules = MODULES as { name: string; from: string }[];

  it(`${TARGET} is what scripts/gen-kernel-types.mjs generates from the built kernels' declarations`, () => {
    expect(readFileSync(TARGET, "utf8")).toBe(generateTypes(modules.map((m) => readFileSync(m.from, "utf8"))));
  });

  it("every export of each build, SIMD and scalar, is declared, and nothing else (the modules' export lists)", () => {
    const text = readFileSync(TARGET, "utf8");
    for (const m of modules) {
      const declared = new RegExp(`export interface ${m.name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(text)?.[1] ?? "";
      const names = [...declared.matchAll(/^ {2}(?:readonly )?(\w+)[(:]/gm)].map((x) => x[1]).sort();
      for (const flavour of ["scalar", "simd"]) {
        const wasm = new WebAssembly.Module(readFileSync(m.from.replace(/-scalar\.d\.ts$/, `-${flavour}.wasm`)));
        expect(names, `${m.name}, ${flavour}`).toEqual(
          WebAssembly.Module.exports(wasm)
            .map((e) => e.name)
            .sort(),
        );
      }
    }
  });

  it("the generator refuses a type other than a number crossing the boundary", () => {
    const dts = "declare namespace __AdaptedExports {\n  export function f(s: string): void;\n}\n";
    expect(() => generateTypes([dts, dts, dts])).toThrow(/a string crosses the kernels' boundary/);
  });
});
