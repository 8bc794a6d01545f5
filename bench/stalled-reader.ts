/**
 * Runs the built connector with its stdout on a real pipe whose reader stops reading for a while (a
 * destination that stalls), and watches the connector's memory from /proc/<pid>/status meanwhile: VmRSS
 * sampled every `sampleEveryMs`, and VmHWM (the kernel's own peak). Every RECORD is checked as it arrives:
 * per stream, its key must be greater than the one before (in order, and none twice), so the caller can
 * compare counts and keys with the simulator's truth. Used by bench/stall.ts and test/stalled-reader.test.ts.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface StallRun {
  /** Arguments after `node` (the connector's main script, `read`, its flags). */
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** The reader stops once this many RECORD lines have arrived... */
  readonly pauseAfterRecords: number;
  /** ...for this long. */
  readonly pauseMs: number;
  /** Record key per stream (e.g. `id`, `spend_id`); streams not named are counted, not ordered. */
  readonly keys: Readonly<Record<string, string>>;
  readonly sampleEveryMs?: number;
  readonly timeoutMs?: number;
}

export interface StreamTally {
  records: number;
  /** Records whose key was not greater than the previous record's (out of order, or repeated). */
  outOfOrder: number;
  /** The keys in the order they arrived. */
  keys: string[];
}

export interface StallResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly streams: Readonly<Record<string, StreamTally>>;
  /** Every line that is not a RECORD (states, logs, traces), parsed. */
  readonly others: readonly { type: string; [key: string]: unknown }[];
  /** Whether the connector was still running when the reader resumed (so the pause did stall it). */
  readonly aliveAtResume: boolean;
  readonly records: number;
  readonly recordsAtPause: number;
  /** MB: VmRSS when the reader stopped, the highest VmRSS sampled while it was stopped, and the last one then. */
  readonly rssAtPauseMb: number;
  readonly maxRssDuringPauseMb: number;
  readonly rssAtResumeMb: number;
  /** MB: the highest VmHWM seen (the process's peak RSS over the whole run). */
  readonly peakRssMb: number;
  readonly stderrTail: string;
}

interface Status {
  readonly rssMb: number;
  readonly hwmMb: number;
}

function statusOf(pid: number): Status | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN);
    const status = { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
    // A process that has exited but is not reaped yet (a zombie) has no memory lines.
    return Number.isFinite(status.rssMb) && Number.isFinite(status.hwmMb) ? status : undefined;
  } catch {
    return undefined; // exited
  }
}

export function runStalledReader(run: StallRun): Promise<StallResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, run.argv, { env: run.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const pid = child.pid!;
    const streams: Record<string, StreamTally> = {};
    const others: { type: string }[] = [];
    let records = 0;
    let partial = "";
    let stderr = "";
    let paused: { atRecords: number; rss: number; max: number; last: number } | undefined;
    let resumed = false;
    let aliveAtResume = false;
    let peak = 0;

    const sample = (): Status | undefined => {
      const s = statusOf(pid);
      if (s !== undefined) {
        peak = Math.max(peak, s.hwmMb);
        if (paused !== undefined && !resumed) {
          paused.max = Math.max(paused.max, s.rssMb);
          paused.last = s.rssMb;
        }
      }
      return s;
    };
    const sampler = setInterval(sample, run.sampleEveryMs ?? 100);
    const killer = setTimeout(() => child.kill("SIGKILL"), run.timeoutMs ?? 600_000);

    const onLine = (line: string): void => {
      if (!line.startsWith('{"type":"RECORD"')) {
        if (line.trim() !== "") others.push(JSON.parse(line) as { type: string });
        return;
      }
      records++;
      const { stream, data } = (JSON.parse(line) as { record: { stream: string; data: Record<string, unknown> } }).record;
      const tally = (streams[stream] ??= { records: 0, outOfOrder: 0, keys: [] });
      tally.records++;
      const keyName = run.keys[stream];
      if (keyName === undefined) return;
      const key = String(data[keyName]);
      const previous = tally.keys.at(-1);
      if (previous !== undefined && !(key > previous)) tally.outOfOrder++;
      tally.keys.push(key);
    };

    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
      if (paused === undefined && records >= run.pauseAfterRecords) {
        // Stop reading: Node reads no more from the pipe once its small buffer is full, the pipe fills,
        // and the connector's writes wait.
        child.stdout.pause();
        const rss = sample()?.rssMb ?? NaN;
        paused = { atRecords: records, rss, max: rss, last: rss };
        setTimeout(() => {
          sample();
          resumed = true;
          aliveAtResume = child.exitCode === null && child.signalCode === null;
          child.stdout.resume();
        }, run.pauseMs);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.on("error", reject);
    child.on("close", (exitCode, signal) => {
      clearInterval(sampler);
      clearTimeout(killer);
      if (partial !== "") onLine(partial);
      resolve({
        exitCode,
        signal,
        streams,
        others,
        aliveAtResume,
        records,
        recordsAtPause: paused?.atRecords ?? 0,
        rssAtPauseMb: paused?.rss ?? NaN,
        maxRssDuringPauseMb: paused?.max ?? NaN,
        rssAtResumeMb: paused?.last ?? NaN,
        peakRssMb: peak,
        stderrTail: stderr,
      });
    });
  });
}
