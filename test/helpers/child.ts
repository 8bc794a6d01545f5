/**
 * Runs a built bin (`node <script> ...`) as a child process and collects its output, with its inputs in
 * temp files. A stop signals the child once its stdout has carried that many RECORD lines (crash and
 * interruption tests), or when `onLine` asks for it; both bins write one message per line, each RECORD
 * starting with {"type":"RECORD".
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ChildRun {
  /** Script and its arguments, run with this Node. */
  argv: readonly string[];
  /** A command that runs this Node for it (e.g. `unshare … `: the Node binary and argv are appended). */
  wrapper?: readonly string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  stops?: readonly { afterRecords: number; signal: NodeJS.Signals }[];
  /**
   * Sees each whole stdout line as it arrives, and whether it is the last whole line read so far (the
   * child's output ends there for now); a signal it returns is sent to the child at once.
   */
  onLine?: (line: string, last: boolean) => NodeJS.Signals | undefined;
}

export interface ChildOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/** LOG_LEVEL is cleared so a developer's environment cannot turn debug logs on; `run.env` may set it. */
export function runChild(run: ChildRun): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    const [command, ...before] = [...(run.wrapper ?? []), process.execPath];
    const child = spawn(command!, [...before, ...run.argv], { env: { ...process.env, LOG_LEVEL: "", ...run.env }, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const pending = [...(run.stops ?? [])];
    let records = 0;
    let partial = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), run.timeoutMs ?? 110_000);
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk);
      // Counted by whole lines, so a RECORD head split across two chunks still counts once.
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const [i, line] of lines.entries()) {
        if (line.startsWith('{"type":"RECORD"')) records++;
        const signal = run.onLine?.(line, i === lines.length - 1);
        if (signal !== undefined) child.kill(signal);
      }
      for (const stop of pending.filter((s) => records >= s.afterRecords)) {
        pending.splice(pending.indexOf(stop), 1);
        child.kill(stop.signal);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), exitCode, signal });
    });
  });
}

/** Stdout up to its last newline: after a SIGKILL the last line may be cut. */
export function wholeLines(stdout: string): string {
  return stdout.slice(0, stdout.lastIndexOf("\n") + 1);
}

/**
 * Gives `use` a function that writes a value to a file in a fresh temp folder (objects as JSON, strings
 * verbatim, to test broken files) and returns its path; the folder is removed when `use` settles.
 */
export async function withInputFiles<T>(prefix: string, use: (write: (fileName: string, value: unknown) => string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const write = (fileName: string, value: unknown): string => {
    const path = join(dir, fileName);
    writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
    return path;
  };
  try {
    return await use(write);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
