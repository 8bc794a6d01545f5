/**
 * `spec`'s cold start: the built CLI run as a fresh process again and again, timed from spawn to exit
 * (Node's own start-up included, as a user or Airbyte sees it). The runs are sequential so they never
 * share the cores with each other; the median says what a run takes, the spread how noisy the machine was.
 */
import { runChild } from "./child-run.js";

export interface SpecStart {
  readonly runs: number;
  /** Wall milliseconds: median, fastest and slowest. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** CPU milliseconds of the process (user + system), median; undefined without /usr/bin/time. */
  readonly cpuMedianMs: number | undefined;
}

export const SPEC_START_TARGET_MS = 150;

export async function measureSpecStart(cli: string, runs = 21): Promise<SpecStart> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < runs; k++) {
    const run = await runChild(process.execPath, [cli, "spec"]);
    if (run.exitCode !== 0 || !run.otherLines.some((l) => l.startsWith('{"type":"SPEC"'))) {
      throw new Error(`spec run ${k + 1} did not print a SPEC message (exit ${run.exitCode}): ${run.stderrTail.slice(-300)}`);
    }
    wall.push(run.wallS * 1000);
    if (run.cpuS !== undefined) cpu.push(run.cpuS * 1000);
  }
  return { runs, medianMs: median(wall), minMs: Math.min(...wall), maxMs: Math.max(...wall), cpuMedianMs: cpu.length === runs ? median(cpu) : undefined };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function specStartLine(s: SpecStart): string {
  const met = s.medianMs <= SPEC_START_TARGET_MS ? "met" : "**not met**";
  const cpu = s.cpuMedianMs === undefined ? "" : `, CPU median ${Math.round(s.cpuMedianMs)} ms`;
  return `\`spec\` cold start, ${s.runs} sequential runs of the built CLI (spawn → exit, Node's start-up included): median **${Math.round(s.medianMs)} ms** (${Math.round(s.minMs)}–${Math.round(s.maxMs)} ms)${cpu}; target ≤ ${SPEC_START_TARGET_MS} ms: ${met}.`;
}
