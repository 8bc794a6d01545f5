/**
 * Reads the JSON files named on the command line. Every failure is a ConfigError that names the
 * option and the path, because the fix is always on the caller's side (wrong mount, wrong file).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError } from "../streams/contract/errors.js";

export type JsonFileRole = "config" | "catalog" | "state";

export interface JsonFileOptions {
  /**
   * Also take JSON Lines (one value per line, as a connector's stdout is): the values as a list.
   * Tried only when the whole text is not one JSON value.
   */
  readonly lines?: boolean;
}

/** Parsed JSON, or `undefined` for an empty (whitespace-only) file, which only state accepts. */
export async function readJsonFile(path: string, role: JsonFileRole, options: JsonFileOptions = {}): Promise<unknown> {
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
    const lines = options.lines === true ? jsonLines(text) : undefined;
    if (lines === undefined) throw new ConfigError(`--${role} ${absolute}: not valid JSON (${syntaxDetail(err, text)}).`);
    if ("values" in lines) return lines.values;
    throw new ConfigError(`--${role} ${absolute}: not valid JSON Lines (${syntaxDetail(lines.error, lines.text, lines.line)}).`);
  }
}

/**
 * The text as JSON Lines: undefined when it does not look like them (fewer than two non-blank lines, or
 * a first line that is not JSON on its own), else every line's value, or the first line that breaks.
 * A last line without its newline that does not parse is dropped: that is how the stdout of a killed
 * process ends, and a message cut short was never a whole message to anyone.
 */
function jsonLines(text: string): { values: unknown[] } | { line: number; text: string; error: unknown } | undefined {
  const lines = text.split("\n").map((line, i) => ({ line: i + 1, text: line })).filter((l) => l.text.trim() !== "");
  if (lines.length < 2) return undefined;
  const values: unknown[] = [];
  for (const [k, { line, text: one }] of lines.entries()) {
    try {
      values.push(JSON.parse(one) as unknown);
    } catch (error) {
      if (values.length === 0) return undefined;
      if (k === lines.length - 1 && !text.endsWith("\n")) break;
      return { line, text: one, error };
    }
  }
  return { values };
}

/**
 * Where the JSON breaks, as line and column (`line`: the text is that one line of the file). V8's
 * message can quote the file's content, and a config file holds the API token, so only the position
 * is kept.
 */
function syntaxDetail(err: unknown, text: string, line?: number): string {
  const message = err instanceof Error ? err.message : "";
  const at = /position (\d+)/.exec(message);
  if (at?.[1] !== undefined) {
    const offset = Number(at[1]);
    const before = text.slice(0, offset);
    const column = offset - before.lastIndexOf("\n");
    return `syntax error at line ${line ?? before.split("\n").length}, column ${column}`;
  }
  if (/end of JSON input/i.test(message)) return line === undefined ? "the file ends too early" : `line ${line} ends too early`;
  return line === undefined ? "the content is not JSON" : `line ${line} is not JSON`;
}
