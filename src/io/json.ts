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

/**
 * The first object key that appears twice in the same object of a JSON text, as a dotted path ("d",
 * "config.d"), or null. JSON.parse keeps the last of them silently; a config file that sets a field twice
 * is a mistake to name. The text must already be valid JSON (parse it first).
 */
export function duplicateJsonKey(text: string): string | null {
  // One frame per open object (its keys so far and its path) or array (null).
  const stack: ({ keys: Set<string>; path: string } | null)[] = [];
  let expectKey = false;
  let lastKey = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return top.path ? `${top.path}.${key}` : key;
        top.keys.add(key);
        lastKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === "{" || c === "[") {
      const parent = stack[stack.length - 1];
      const path = parent ? (parent.path ? `${parent.path}.${lastKey}` : lastKey) : "";
      stack.push(c === "{" ? { keys: new Set(), path } : null);
      expectKey = c === "{";
    } else if (c === "}" || c === "]") {
      stack.pop();
      expectKey = false;
    } else if (c === ",") {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    }
  }
  return null;
}
