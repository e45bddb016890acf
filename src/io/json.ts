/** JSON with object keys sorted at every depth, so that equal values give equal text (and equal hashes)
 * whatever their key order: config hashes in checkpoints, sweep point seeds, task keys. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}
