/**
 * Pure decisions about which rows a sync asks for and how far the cursor may move afterwards.
 */
import { ConfigError } from "../contract/errors.js";
import type { TableState } from "./stream-state.js";
import { compareInstants, formatInstant, laterTimestamp, parseTimestamp, shiftInstant, timestampMs } from "../encode/timestamps.js";

const DAY_MS = 86_400_000;

/** ISO 8601 duration (`PT1H`, `P1D`, `P1DT12H`, `PT30M`, `P2W`) → milliseconds. Years and months are not fixed lengths and are refused. */
export function parseDuration(text: string, field = "lookback_window"): number {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m || text === "P" || text.endsWith("T")) {
    throw new ConfigError(`${field}: "${text}" is not an ISO 8601 duration such as PT1H, P1D or PT30M`);
  }
  const [, w, d, h, min, s] = m;
  return (
    Number(w ?? 0) * 7 * DAY_MS + Number(d ?? 0) * DAY_MS + Number(h ?? 0) * 3_600_000 + Number(min ?? 0) * 60_000 + Number(s ?? 0) * 1000
  );
}

/** RFC 3339 UTC as the API documents filter values (`2026-01-15T00:00:00Z`), milliseconds only when present. */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

export interface WindowInput {
  readonly state: TableState;
  readonly incremental: boolean;
  /** The table's updated_at semantics miss some edits, so it takes periodic full snapshots. */
  readonly needsSnapshots: boolean;
  readonly startDate: string | undefined;
  readonly lookbackMs: number;
  readonly snapshotIntervalDays: number;
  readonly now: number;
}

export interface SyncPlan {
  /** Lower bound for `updated_at gte`, or undefined for "everything". */
  readonly from: string | undefined;
  readonly snapshot: boolean;
  readonly reason: string;
}

/**
 * Decides the window of a new sync (a resumed sync keeps the window it started with). Without a
 * lookback the window starts at the cursor's own text, so `gte` re-reads the rows at exactly that value
 * at whatever precision the API keeps; with one, at the cursor's instant minus the lookback.
 */
export function planSync(input: WindowInput): SyncPlan {
  // start_date is YYYY-MM-DD or a time with a zone (spec pattern): Date.parse reads both as UTC.
  const start = input.startDate ? formatTimestamp(Date.parse(input.startDate)) : undefined;
  if (!input.incremental) return { from: start, snapshot: true, reason: "full refresh" };
  const cursor = input.state.cursor;
  if (cursor === undefined) return { from: start, snapshot: true, reason: start ? `first sync from start_date ${start}` : "first sync" };
  const at = parseTimestamp(cursor);
  if (at === undefined) return { from: start, snapshot: true, reason: `the saved cursor ${JSON.stringify(cursor)} is not a timestamp: reading as a first sync` };
  if (input.needsSnapshots && input.snapshotIntervalDays > 0) {
    const last = input.state.last_snapshot_at ? timestampMs(input.state.last_snapshot_at) : Number.NEGATIVE_INFINITY;
    if (input.now - last >= input.snapshotIntervalDays * DAY_MS) {
      return {
        from: start,
        snapshot: true,
        reason: `periodic full snapshot: the last one is older than ${input.snapshotIntervalDays} days (updated_at misses enrichment and custom-field edits)`,
      };
    }
  }
  let from = input.lookbackMs === 0 ? cursor : formatInstant(shiftInstant(at, -input.lookbackMs));
  if (start !== undefined) from = laterTimestamp(from, start);
  return { from, snapshot: false, reason: `changes since ${from}` };
}

/**
 * The cursor after a completed sync, as text (the highest value seen keeps the form records carry).
 * Rows arrive ordered by id, not by updated_at, so a row changed while we were reading may have been
 * passed already; capping at the sync's start keeps it inside the next window.
 */
export function nextCursor(previous: string | undefined, maxSeen: string | undefined, syncStartedAt: string): string | undefined {
  const seen = maxSeen === undefined ? undefined : parseTimestamp(maxSeen);
  if (seen === undefined) return previous;
  const started = parseTimestamp(syncStartedAt);
  const candidate = started !== undefined && compareInstants(seen, started) > 0 ? syncStartedAt : maxSeen!;
  return previous === undefined ? candidate : laterTimestamp(previous, candidate);
}
