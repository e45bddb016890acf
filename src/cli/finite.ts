/** Non-finite numbers in a result are errors, never output: this finds the first one and where it sits. */

/** The path ("hermite[0]", "directions.u.c") of the first NaN or infinite number in a value, or null. */
export function firstNonFinite(value: unknown, path = ""): { path: string; value: number } | null {
  if (typeof value === "number") return Number.isFinite(value) ? null : { path: path || "(result)", value };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstNonFinite(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const found = firstNonFinite(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return null;
}
