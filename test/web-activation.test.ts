// The page's live view of a typed activation (src/web/activation.ts): g and g' drawn from the formula, and
// its Hermite coefficients.
import { describe, expect, it } from "vitest";
import { activationView } from "../src/web/activation.js";
import { FIELDS, readForm } from "../src/web/form.js";

const initial = (): Record<string, string> => Object.fromEntries(FIELDS.map((f) => [f.name, f.initial]));

/** The y pixel of a path's points, in order. */
const ys = (svg: string, cls: string) =>
  [...(new RegExp(`class="${cls}" d="([^"]*)"`).exec(svg)?.[1] ?? "").matchAll(/[ML][-0-9.]+,([-0-9.]+)/g)].map((m) =>
    Number(m[1]),
  );

describe("the page's activation view", () => {
  it("draws g and g' of a typed formula: 161 points each, 161 points each", () => {
    const v = activationView("expr:x*sigmoid(1.702*x)");
    const g = ys(v.svg, "g");
    const gp = ys(v.svg, "gp");
    expect(g).toHaveLength(161);
    expect(gp).toHaveLength(161);
    // g rises to the right (smaller y pixel), g' tends to 1 there and to 0 on the left.
    expect(g[160]).toBeLessThan(g[0]);
    expect(Math.abs(gp[0] - gp[160])).toBeGreaterThan(10);
    expect(v.coefficients[1]).toBeCloseTo(0.5, 10);
    expect(v.hermite).toMatch(/^Hermite coefficients E\[g\(Z\) He_n\(Z\)\], n = 0\.\.5: /);
  });

  it("a built-in is drawn from its formula: tanh's Hermite coefficients are odd-only", () => {
    const v = activationView("tanh");
    expect(v.coefficients[0]).toBe(0);
    expect(v.coefficients[2]).toBe(0);
    expect(v.coefficients[1]).toBeCloseTo(0.6057, 4);
  });

  it("the activation field is free text: a formula is accepted, a broken one is named with its position", () => {
    expect(readForm({ ...initial(), activation: "expr:x*sigmoid(1.702*x)" }).ok).toBe(true);
    const r = readForm({ ...initial(), activation: "expr:x*sigmoid(1.702*x" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.find((e) => e.field === "activation")?.message).toMatch(/closing sigmoid\(.* at position 18/);
  });
});
