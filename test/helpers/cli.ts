/**
 * Runs the BUILT connector (`node dist/source/main.js`) as a child process, with config, catalog and
 * state written to temp files. Returns the parsed messages, raw output and exit code. `killAfterRecords`
 * SIGKILLs the process once that many RECORD lines have been read from its stdout (crash tests).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AirbyteMessage } from "../../source/messages.js";
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
  const dir = mkdtempSync(join(tmpdir(), "ignite-cli-"));
  const args = [MAIN, ...run.args];
  const file = (name: string, value: unknown): string => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
    return path;
  };
  if (run.config !== undefined) args.push("--config", file("config", run.config));
  if (run.catalog !== undefined) args.push("--catalog", file("catalog", run.catalog));
  if (run.state !== undefined) args.push("--state", file("state", run.state));
  try {
    return await spawnAndCollect(args, run);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function spawnAndCollect(args: string[], run: CliRun): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, LOG_LEVEL: "", ...run.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let records = 0;
    let partial = "";
    let signalled = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), run.timeoutMs ?? 110_000);
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk);
      const text = partial + chunk.toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.startsWith('{"type":"RECORD"')) records++;
      if (run.killAfterRecords !== undefined && records >= run.killAfterRecords) child.kill("SIGKILL");
      if (run.signalAfterFirstRecord !== undefined && records > 0 && !signalled) {
        signalled = true;
        child.kill(run.signalAfterFirstRecord);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      // After a SIGKILL the last line may be cut; keep only complete lines.
      const complete = signal === "SIGKILL" ? stdout.slice(0, stdout.lastIndexOf("\n") + 1) : stdout;
      try {
        const messages = run.humanOutput === true ? [] : parseLines(complete);
        resolve({ messages, stdout, stderr: Buffer.concat(err).toString("utf8"), exitCode, signal, records: messages.filter((m) => m.type === "RECORD").length });
      } catch (e) {
        reject(e);
      }
    });
  });
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
