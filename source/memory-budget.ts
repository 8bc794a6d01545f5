/**
 * The read's memory budget, from the limits of the process (source/memory-limit.ts). Pure arithmetic.
 *
 * - With a cgroup limit (a container, a pod): the kernel kills the process when its memory reaches the
 *   limit. The watchdog stops the read at STOP_FRACTION of it, and at least STOP_MARGIN_BYTES below it
 *   (anonymous RSS, sampled): room for what can arrive between two samples (the decode thread's wasm memory
 *   grows by tens of MB at once on a big row group; measured: a 230 MB cgroup was OOM-killed with 215 MB of
 *   anonymous memory seen 50 ms before) and for the last flush. The streams share what is left below that
 *   mark after the process's own memory (its baseline when the read starts, and headroom for garbage
 *   between collections).
 * - Without one: V8 ends the process when the heap reaches its limit (--max-old-space-size); that limit is
 *   the budget the streams share, and the watchdog stops the read when the heap stays STOP_FRACTION full.
 *   Memory outside the heap (buffers, wasm) is not capped by anything then.
 */
import { mb } from "../streams/contract/memory.js";

/** What limits the process's memory (read by source/memory-limit.ts). */
export interface MemoryLimits {
  /** The cgroup memory limit, when one is set. */
  readonly cgroupBytes?: number;
  /** V8's old-space limit. */
  readonly heapLimitBytes: number;
}

export interface MemoryBudget {
  /** What the process must stay under, and where that comes from. */
  readonly limitBytes: number;
  readonly source: "cgroup" | "heap";
  /** The watchdog stops the read when anonymous RSS reaches this (cgroup limits only). */
  readonly stopRssBytes?: number;
  /** ...or when the V8 heap keeps holding this much (cgroup limit or not). */
  readonly stopHeapBytes: number;
  /** What the concurrently running streams may hold between them (source/memory-share.ts). */
  readonly streamBytes: number;
  /** The process's own memory when the read started. */
  readonly baselineBytes: number;
}

/** The watchdog's mark: this fraction of the limit, and at least STOP_MARGIN_BYTES below it. */
export const STOP_FRACTION = 0.85;
export const STOP_MARGIN_BYTES = 64 * 1024 * 1024;
/**
 * Process memory beyond its baseline that no stream accounts for: garbage between collections, the output
 * buffer, undici's sockets. Measured: a read of one 200-row table peaks ≈ 45–55 MB above the baseline.
 */
export const PROCESS_HEADROOM_BYTES = 48 * 1024 * 1024;
/** Streams always get at least this much to share, however tight the limit: one of them must be able to run. */
const MIN_STREAM_BYTES = 16 * 1024 * 1024;

export function planBudget(limits: MemoryLimits, baselineBytes: number): MemoryBudget {
  const { cgroupBytes, heapLimitBytes } = limits;
  const stopHeapBytes = Math.floor(heapLimitBytes * STOP_FRACTION);
  const stopRssBytes = cgroupBytes === undefined ? undefined : Math.floor(Math.min(cgroupBytes * STOP_FRACTION, cgroupBytes - STOP_MARGIN_BYTES));
  // The streams share what is left below the mark that stops the read: RSS under a cgroup, else the heap.
  const stopBytes = stopRssBytes ?? stopHeapBytes;
  const streamBytes = Math.max(MIN_STREAM_BYTES, stopBytes - baselineBytes - PROCESS_HEADROOM_BYTES);
  if (cgroupBytes === undefined) return { limitBytes: heapLimitBytes, source: "heap", stopHeapBytes, streamBytes, baselineBytes };
  return { limitBytes: cgroupBytes, source: "cgroup", stopRssBytes, stopHeapBytes, streamBytes, baselineBytes };
}

/**
 * The limit and where it comes from, as the budget's log line and the watchdog's error both name it, so
 * the two can be matched up in a log: "memory limit of 300 MB (cgroup)" or "V8 heap limit of 256 MB".
 */
export function describeLimit(budget: MemoryBudget): string {
  return budget.source === "cgroup" ? `memory limit of ${mb(budget.limitBytes)} (cgroup)` : `V8 heap limit of ${mb(budget.limitBytes)}`;
}

/** One log line: the limit, where it comes from, and what the streams share (`perStreamBytes` each, as the share splits it). */
export function describeBudget(budget: MemoryBudget, streams: number, perStreamBytes: number): string {
  return (
    `Memory budget: ${mb(budget.streamBytes)} for the streams (${streams} at a time get ${mb(perStreamBytes)} each) ` +
    `under the ${describeLimit(budget)}, after ${mb(budget.baselineBytes)} in use and ${mb(PROCESS_HEADROOM_BYTES)} of headroom; ` +
    `the read stops at ${mb(budget.stopRssBytes ?? budget.stopHeapBytes)}${budget.stopRssBytes === undefined ? " of heap" : ""}`
  );
}
