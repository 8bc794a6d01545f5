/**
 * The read's memory as a stream sees it: its share of the budget (source/memory-share.ts implements it,
 * from source/memory-budget.ts) and how amounts of memory are written in log lines, the same by the
 * runtime and by the streams that size their pages by it.
 */

/**
 * The read's memory budget as the streams that run at the same time share it. A stream holds what its
 * read path needs (streams/rows/memory-cost.ts, streams/export/export-path.ts) from before its first big
 * allocation until it ends.
 */
export interface MemoryShare {
  /** Bytes one stream may plan for when every stream that runs at the same time plans as much. */
  readonly perStreamBytes: number;
  /** Waits until `bytes` fit next to what the other streams hold (`what` names the holder in logs); returns the release. */
  reserve(bytes: number, what: string, signal: AbortSignal): Promise<() => void>;
}

/** Bytes as whole MiB, written `MB` (the unit of every memory log line). */
export const mb = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MB`;
