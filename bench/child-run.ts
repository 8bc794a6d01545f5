/**
 * Runs one benchmarked program as a child process with stdout piped into a byte and line counter (not
 * /dev/null, so a run that silently writes nothing shows up as 0 records), and measures its wall time,
 * CPU time and peak RSS. Peak RSS comes from `/usr/bin/time` when the machine has it (exact, read by
 * the kernel at exit) and otherwise from polling VmHWM in /proc/<pid>/status.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ChildRun {
  readonly exitCode: number | null;
  readonly wallS: number;
  /** Seconds from spawn until a line matched `readyWhen` (or the first RECORD line); undefined if neither came. */
  readonly readyS: number | undefined;
  readonly bytes: number;
  readonly lines: number;
  /** Lines that start like an Airbyte RECORD message. */
  readonly records: number;
  /** Every line that is not a RECORD (LOG, STATE, TRACE, or a child's summary), capped in number. */
  readonly otherLines: readonly string[];
  readonly peakRssMb: number | undefined;
  readonly cpuS: number | undefined;
  readonly stderrTail: string;
}

export interface ChildOptions {
  readonly cwd?: string;
  /** A substring of a non-RECORD line that marks the end of waiting on the server (e.g. the export is ready). */
  readonly readyWhen?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const TIME_BIN = "/usr/bin/time";
const RECORD_HEAD = Buffer.from('{"type":"RECORD"');
const MAX_OTHER_LINES = 5000;

/** Counts lines of a byte stream, telling RECORD lines from others by their first bytes. */
class LineCounter {
  bytes = 0;
  lines = 0;
  records = 0;
  readonly other: string[] = [];
  private head: Buffer[] = [];
  private headLength = 0;
  private current: Buffer[] | undefined; // the bytes of a non-RECORD line being collected

  constructor(private readonly onOther: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      this.feed(chunk.subarray(start, end));
      if (nl === -1) return;
      this.endLine();
      start = nl + 1;
    }
  }

  finish(): void {
    if (this.headLength > 0 || this.current) this.endLine();
  }

  private feed(part: Buffer): void {
    if (part.length === 0) return;
    if (this.current) {
      this.current.push(part);
      return;
    }
    if (this.headLength < RECORD_HEAD.length) {
      this.head.push(part);
      this.headLength += part.length;
      if (this.headLength < RECORD_HEAD.length) return;
      const head = Buffer.concat(this.head);
      this.head = [head];
      // only non-RECORD lines are kept whole: they are few and small, RECORD lines are the bulk
      if (!head.subarray(0, RECORD_HEAD.length).equals(RECORD_HEAD)) this.current = [head];
    }
  }

  private endLine(): void {
    this.lines++;
    if (this.current || this.headLength < RECORD_HEAD.length) {
      const text = Buffer.concat(this.current ?? this.head).toString("utf8");
      if (this.other.length < MAX_OTHER_LINES) this.other.push(text);
      this.onOther(text);
    } else this.records++;
    this.head = [];
    this.headLength = 0;
    this.current = undefined;
  }
}

function vmHwmMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined; // the process has exited
  }
}

export async function runChild(command: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildRun> {
  const useTime = existsSync(TIME_BIN);
  const dir = mkdtempSync(join(tmpdir(), "ignite-bench-run-"));
  const timeFile = join(dir, "time.txt");
  const [cmd, argv] = useTime ? [TIME_BIN, ["-f", "%M %e %U %S", "-o", timeFile, command, ...args]] : [command, [...args]];
  const started = performance.now();
  const child = spawn(cmd, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  let readyS: number | undefined;
  const counter = new LineCounter((line) => {
    if (readyS === undefined && options.readyWhen !== undefined && line.includes(options.readyWhen)) readyS = (performance.now() - started) / 1000;
  });
  let firstRecordS: number | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    counter.push(chunk);
    if (firstRecordS === undefined && counter.records > 0) firstRecordS = (performance.now() - started) / 1000;
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });

  let polledPeak: number | undefined;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        const mb = child.pid === undefined ? undefined : vmHwmMb(child.pid);
        if (mb !== undefined) polledPeak = Math.max(polledPeak ?? 0, mb);
      }, 50);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  const wallS = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  counter.finish();

  let peakRssMb = polledPeak;
  let cpuS: number | undefined;
  if (useTime && existsSync(timeFile)) {
    // GNU time may prefix "Command exited with non-zero status N"; the numbers are the last line
    const last = readFileSync(timeFile, "utf8").trim().split("\n").at(-1) ?? "";
    const [maxKb, , user, sys] = last.split(" ").map(Number);
    if (maxKb !== undefined && Number.isFinite(maxKb)) peakRssMb = maxKb / 1024;
    if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) cpuS = user + sys;
  }
  rmSync(dir, { recursive: true, force: true });
  return {
    exitCode,
    wallS,
    readyS: readyS ?? firstRecordS,
    bytes: counter.bytes,
    lines: counter.lines,
    records: counter.records,
    otherLines: counter.other,
    peakRssMb,
    cpuS,
    stderrTail: stderr,
  };
}
