/**
 * Runs the BUILT connector (`node dist/source/main.js`) as a child process, with config, catalog and
 * state written to temp files. Returns the parsed messages, raw output and exit code. `killAfterRecords`
 * SIGKILLs the process once that many RECORD lines have been read from its stdout (crash tests).
 */
import { fileURLToPath } from "node:url";
import type { AirbyteMessage } from "../../source/messages.js";
import { runChild, wholeLines, withInputFiles } from "./child.js";
import { parseLines } from "./protocol.js";

export const MAIN = fileURLToPath(new URL("../../dist/source/main.js", import.meta.url));

export interface CliRun {
  /** Command and extra raw args, e.g. ["check"] or ["read", "--debug"]. */
  args: readonly string[];
  /** Objects are written as JSON; strings are written verbatim (to test broken files). */
  config?: unknown;
  catalog?: unknown;
  state?: unknown;
  env?: Record<string, string>;
  timeoutMs?: number;
  killAfterRecords?: number;
  /** For --help/--version: stdout is human text, not messages (messages is then empty). */
  humanOutput?: boolean;
  /** Send this signal once the first RECORD is seen (graceful-interruption tests). */
  signalAfterFirstRecord?: NodeJS.Signals;
  /** A command to run Node under (ChildRun.wrapper). */
  wrapper?: readonly string[];
  /** Sees each whole stdout line as it arrives (and whether it is the last read so far); a signal it returns is sent at once. */
  onLine?: (line: string, last: boolean) => NodeJS.Signals | undefined;
}

export interface CliResult {
  messages: AirbyteMessage[];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  records: number;
}

export async function runCli(run: CliRun): Promise<CliResult> {
  const stops = [
    ...(run.killAfterRecords !== undefined ? [{ afterRecords: run.killAfterRecords, signal: "SIGKILL" as const }] : []),
    ...(run.signalAfterFirstRecord !== undefined ? [{ afterRecords: 1, signal: run.signalAfterFirstRecord }] : []),
  ];
  const result = await withInputFiles("ignite-cli-", (file) => {
    const args = [MAIN, ...run.args];
    if (run.config !== undefined) args.push("--config", file("config.json", run.config));
    if (run.catalog !== undefined) args.push("--catalog", file("catalog.json", run.catalog));
    if (run.state !== undefined) args.push("--state", file("state.json", run.state));
    return runChild({ argv: args, env: run.env, timeoutMs: run.timeoutMs, stops, onLine: run.onLine, ...(run.wrapper !== undefined && { wrapper: run.wrapper }) });
  });
  const complete = result.signal === "SIGKILL" ? wholeLines(result.stdout) : result.stdout;
  const messages = run.humanOutput === true ? [] : parseLines(complete);
  return { ...result, messages, records: messages.filter((m) => m.type === "RECORD").length };
}

/** A configured catalog for the given discovered streams (full_refresh unless told otherwise). */
export function configuredCatalog(
  streams: readonly { name: string; json_schema: unknown; supported_sync_modes: readonly string[]; default_cursor_field?: readonly string[] }[],
  syncMode: "full_refresh" | "incremental" = "full_refresh",
): { streams: unknown[] } {
  return {
    streams: streams.map((s) => ({
      stream: s,
      sync_mode: syncMode,
      destination_sync_mode: "append",
      ...(syncMode === "incremental" && s.default_cursor_field !== undefined ? { cursor_field: s.default_cursor_field } : {}),
    })),
  };
}
