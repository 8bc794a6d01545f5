/**
 * Reads the JSON files named on the command line. Every failure is a ConfigError that names the
 * option and the path, because the fix is always on the caller's side (wrong mount, wrong file).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError } from "./errors.js";

export type JsonFileRole = "config" | "catalog" | "state";

/** Parsed JSON, or `undefined` for an empty (whitespace-only) file, which only state accepts. */
export async function readJsonFile(path: string, role: JsonFileRole): Promise<unknown> {
  // The platform may change the working directory; resolve now so messages show what was opened.
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "file not found" :
      code === "EACCES" ? "permission denied" :
      code === "EISDIR" ? "is a directory, not a file" :
      `cannot be read (${code ?? "unknown error"})`;
    throw new ConfigError(`--${role} ${absolute}: ${why}. Pass the path of the ${role} JSON file.`, { cause: err });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // editors on Windows add a BOM
  if (text.trim() === "") {
    if (role === "state") return undefined;
    throw new ConfigError(`--${role} ${absolute}: the file is empty; it must contain a JSON object.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError(`--${role} ${absolute}: not valid JSON (${syntaxDetail(err, text)}).`);
  }
}

/**
 * Where the JSON breaks, as line and column. V8's message can quote the file's content, and a config
 * file holds the API token, so only the position is kept.
 */
function syntaxDetail(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : "";
  const at = /position (\d+)/.exec(message);
  if (at?.[1] !== undefined) {
    const offset = Number(at[1]);
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    return `syntax error at line ${line}, column ${column}`;
  }
  if (/end of JSON input/i.test(message)) return "the file ends too early";
  return "the content is not JSON";
}
