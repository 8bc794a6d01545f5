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
  /** Seconds from spawn until the first and the last line of any kind arrived; undefined if none came. */
  readonly firstLineS: number | undefined;
  readonly lastLineS: number | undefined;
  /** Seconds from spawn until the first RECORD line arrived; undefined if none came. */
  readonly firstRecordS: number | undefined;
  /** Seconds from spawn until the last RECORD line arrived (the chunk holding it); undefined if none came. */
  readonly lastRecordS: number | undefined;
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

/**
 * Counts bytes, lines and RECORD lines of a byte stream, telling RECORD lines from others by their first
 * bytes. It runs on the same cores as the measured program, so its cost per line is kept near nothing:
 * one `indexOf` per line and a byte compare in place; only the few non-RECORD lines are copied out.
 * A line cut across chunks is carried over (its head, if too short yet to tell, or its whole text if
 * it is not a RECORD), so splits change nothing in the counts.
 */
export class LineCounter {
  bytes = 0;
  lines = 0;
  records = 0;
  readonly other: string[] = [];
  /** The line the last chunk ended inside: a RECORD, another line, or too short yet to tell. */
  private open: "none" | "record" | "other" | "head" = "none";
  /** Bytes of an open "other" or "head" line. */
  private parts: Buffer[] = [];
  private partsLength = 0;

  constructor(private readonly onOther: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    const n = chunk.length;
    let pos = 0;
    if (this.open !== "none") {
      const nl = chunk.indexOf(10);
      const end = nl === -1 ? n : nl;
      if (this.open !== "record") this.collect(chunk.subarray(0, end));
      if (this.open === "head" && this.partsLength >= HEAD_LENGTH) {
        const head = Buffer.concat(this.parts, HEAD_LENGTH);
        this.open = isRecordAt(head, 0) ? "record" : "other";
        if (this.open === "record") this.parts = [];
      }
      if (nl === -1) return;
      this.endOpenLine();
      pos = nl + 1;
    }
    while (pos < n) {
      const nl = chunk.indexOf(10, pos);
      if (nl === -1) {
        // The chunk ends inside this line: decide now if its head is here, else carry the head over.
        this.open = n - pos < HEAD_LENGTH ? "head" : isRecordAt(chunk, pos) ? "record" : "other";
        if (this.open !== "record") this.collect(chunk.subarray(pos));
        return;
      }
      this.lines++;
      if (nl - pos >= HEAD_LENGTH && isRecordAt(chunk, pos)) this.records++;
      else this.noteOther(chunk.toString("utf8", pos, nl));
      pos = nl + 1;
    }
  }

  /** The last line, when the stream did not end with a newline. */
  finish(): void {
    if (this.open !== "none") this.endOpenLine();
  }

  private collect(part: Buffer): void {
    this.parts.push(part);
    this.partsLength += part.length;
  }

  private endOpenLine(): void {
    this.lines++;
    if (this.open === "record") this.records++;
    else this.noteOther(Buffer.concat(this.parts).toString("utf8"));
    this.open = "none";
    this.parts = [];
    this.partsLength = 0;
  }

  private noteOther(text: string): void {
    if (this.other.length < MAX_OTHER_LINES) this.other.push(text);
    this.onOther(text);
  }
}

const HEAD_LENGTH = RECORD_HEAD.length;

/** Whether `buf` holds RECORD_HEAD at `pos` (the caller checked there are enough bytes). */
function isRecordAt(buf: Buffer, pos: number): boolean {
  for (let k = 0; k < HEAD_LENGTH; k++) if (buf[pos + k] !== RECORD_HEAD[k]) return false;
  return true;
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
  let firstLineS: number | undefined;
  let lastLineS: number | undefined;
  let firstRecordS: number | undefined;
  let lastRecordS: number | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    const [lines, records] = [counter.lines, counter.records];
    counter.push(chunk);
    const at = (performance.now() - started) / 1000;
    if (counter.lines > lines) {
      lastLineS = at;
      firstLineS ??= at;
    }
    if (counter.records > records) {
      lastRecordS = at;
      firstRecordS ??= at;
    }
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
    firstLineS,
    lastLineS,
    firstRecordS,
    lastRecordS,
    bytes: counter.bytes,
    lines: counter.lines,
    records: counter.records,
    otherLines: counter.other,
    peakRssMb,
    cpuS,
    stderrTail: stderr,
  };
}

/** Why a run failed, from its exit code and the last error line of its stderr; undefined when it exited 0. */
export function exitProblem(run: ChildRun): string | undefined {
  if (run.exitCode === 0) return undefined;
  const lines = run.stderrTail.trim().split("\n");
  const why = lines.findLast((l) => /error/i.test(l)) ?? lines.at(-1) ?? "";
  return `exit ${run.exitCode}: ${why}`.slice(0, 160);
}

/** The first Airbyte ERROR trace a run printed, shortened. */
export function errorTrace(run: ChildRun): string | undefined {
  const line = run.otherLines.find((l) => l.includes('"type":"ERROR"'));
  return line ? `error trace: ${line.slice(0, 120)}` : undefined;
}
