/** The config layer's error: a leaf, so that the schema and the parsers it uses (./expr.ts) share it. */

/** Thrown for any invalid configuration value; the message names the field, the value and the range. */
export class ConfigError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "ConfigError";
    this.field = field;
  }
}
