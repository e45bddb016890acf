/** The tokens of the config's small expression grammars (./steps.ts, ./expr.ts). */

export interface Token {
  type: "num" | "name" | "op" | "end";
  text: string;
  /** 0-based character offset in the source. */
  at: number;
  value?: number;
}

/**
 * Splits src into numbers (`1`, `2.5`, `.5e3`), names and the one-character operators listed in `ops`,
 * skipping spaces and tabs, and ends with an "end" token; `fail(at, c)` throws for any other character.
 */
export function tokenize(src: string, ops: string, fail: (at: number, c: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    // "1e" or "2e+" without digits: the regex stops before the e; a letter right after a number is a
    // syntax error for the parser.
    const num = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i));
    if (num) {
      tokens.push({ type: "num", text: num[0], at: i, value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      tokens.push({ type: "name", text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    if (ops.includes(c)) {
      tokens.push({ type: "op", text: c, at: i });
      i++;
      continue;
    }
    fail(i, c);
  }
  tokens.push({ type: "end", text: "", at: src.length });
  return tokens;
}

/**
 * How an error message shows a source and a 0-based position (-1: none): `where` (" at position N", 1-based),
 * the source quoted (a long one by its start and length), and a caret line under the position (none for a
 * long source).
 */
export function pointAt(src: string, position: number): { where: string; quoted: string; caret: string } {
  const long = src.length > 120;
  return {
    where: position >= 0 ? ` at position ${position + 1}` : "",
    quoted: long ? `${JSON.stringify(src.slice(0, 40))}... (${src.length} characters)` : JSON.stringify(src),
    caret: position >= 0 && !long ? `\n  ${src}\n  ${" ".repeat(position)}^` : "",
  };
}
