/**
 * The one test that a parsed JSON value is an object (not null, not an array): the runtime checks its
 * config, catalog and state files with it, and streams the API's answers.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
