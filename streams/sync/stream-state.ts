/**
 * The state of one export-table stream: what a resumed or later sync needs, nothing more.
 *
 * Timestamps in state are read by timestamps.ts only (a zone-less one is UTC, never local time).
 *
 * Two kinds of position live side by side (design.md §3.3):
 * - durable ones that never expire: `cursor` (incremental watermark) and the in-progress window's `from`;
 * - short-lived handles that make a resume cheap: a page token (valid 24 h) or an export's file position
 *   (files kept 7 days). When a handle has expired we fall back to the durable position.
 */
import { parseTimestamp } from "../encode/timestamps.js";

/** A sync that has started but not finished; absent once the stream completes. */
export interface RowsProgress {
  readonly path: "rows";
  /** Fingerprint of the request body; a token is only valid for the identical body. */
  readonly request: string;
  readonly page_token: string;
  /** When we received the token (epoch-ms ISO string), to tell whether it can still be valid. */
  readonly token_issued_at: string;
  /** Last primary key emitted (informational: rows are ordered by it, resumption itself uses the token). */
  readonly last_key?: string;
  /**
   * The page size of the request, when it is smaller than the configured one (a page that timed out was
   * asked for again with fewer rows): a resume asks with it, so that its token stays valid.
   */
  readonly page_size?: number;
}

export interface ExportProgress {
  readonly path: "export";
  readonly request: string;
  readonly export_id: string;
  readonly entity: string;
  readonly created_at: string;
  readonly status_url?: string;
  /** Index of the file being read, and how many of its rows were already emitted. */
  readonly file_index: number;
  readonly row_offset: number;
  /** Name of that file, so a server that lists files in another order cannot make us read the wrong one. */
  readonly file_name?: string;
}

export interface SyncProgress {
  readonly started_at: string;
  /** Lower bound of updated_at for this sync (incremental); absent for a full read. */
  readonly from?: string;
  /** Highest updated_at emitted so far in this sync. */
  readonly max_seen?: string;
  /** This sync reads everything (a full refresh or a periodic snapshot). */
  readonly snapshot: boolean;
  readonly position?: RowsProgress | ExportProgress;
}

export interface TableStateV1 {
  readonly version: 1;
  /** Incremental watermark: every change before it (minus the lookback) has been delivered. */
  readonly cursor?: string;
  /** When the last complete full read (snapshot) started. */
  readonly last_snapshot_at?: string;
  /** When the last sync of this stream completed. */
  readonly completed_at?: string;
  readonly sync?: SyncProgress;
}

export type TableState = TableStateV1;

export const EMPTY_STATE: TableState = { version: 1 };

/**
 * Converts any saved state of this stream to the current version. Unknown or malformed input is
 * reported (the caller logs it and starts fresh rather than guessing a position).
 */
export function parseTableState(raw: unknown): { state: TableState; note?: string } {
  if (raw === undefined || raw === null) return { state: EMPTY_STATE };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { state: EMPTY_STATE, note: "saved state is not an object; starting fresh" };
  }
  const obj = raw as Record<string, unknown>;
  if (obj["__ab_no_cursor_state_message"] === true) return { state: EMPTY_STATE };
  if (obj["version"] === 1) return { state: sanitizeV1(obj) };
  if (obj["version"] === undefined) {
    // Version 0: a bare cursor as emitted by simple sources, e.g. {"updated_at": "2026-01-01T00:00:00Z"}.
    const cursor = obj["updated_at"] ?? obj["cursor"];
    if (typeof cursor === "string" && isTimestamp(cursor)) return { state: { version: 1, cursor } };
    if (Object.keys(obj).length === 0) return { state: EMPTY_STATE };
  }
  return { state: EMPTY_STATE, note: `saved state has an unknown shape (version ${String(obj["version"])}); starting fresh` };
}

function sanitizeV1(obj: Record<string, unknown>): TableState {
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  const sync = obj["sync"] as Record<string, unknown> | undefined;
  return {
    version: 1,
    ...(str(obj["cursor"]) && { cursor: str(obj["cursor"]) }),
    ...(str(obj["last_snapshot_at"]) && { last_snapshot_at: str(obj["last_snapshot_at"]) }),
    ...(str(obj["completed_at"]) && { completed_at: str(obj["completed_at"]) }),
    ...(sync && typeof sync === "object" && typeof sync["started_at"] === "string" && { sync: sync as unknown as SyncProgress }),
  };
}

function isTimestamp(value: string): boolean {
  return parseTimestamp(value) !== undefined;
}
