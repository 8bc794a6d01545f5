/**
 * State of one legacy data table stream. It is the export tables' version-1 state (stream-state.ts: the
 * same `cursor`, `last_snapshot_at`, `completed_at`, and a `sync` with `started_at`/`from`/`max_seen`),
 * with its own resumable position: the `next` link of the page after the last one emitted.
 *
 * `next` is a short-lived handle of unknown lifetime; the durable position is the sync's window (`from`),
 * so a `next` the server no longer accepts restarts the window from its first page (design.md §3.3).
 * The cursor only moves when a sync completes: rows do not arrive ordered by their last-modified time.
 */
import { parseTableState, type TableState } from "../sync/stream-state.js";
import { SyncTracker } from "../sync/sync-tracker.js";
import { parseTimestamp } from "../encode/timestamps.js";

export interface LegacyPosition {
  readonly path: "legacy";
  /** Fingerprint of the request body; a `next` is only reused for the identical request. */
  readonly request: string;
  readonly next: string;
  readonly issued_at: string;
}

export interface LegacySync {
  readonly started_at: string;
  /** Lower bound of the window (RFC 3339); absent for a read of everything. */
  readonly from?: string;
  readonly max_seen?: string;
  readonly snapshot: boolean;
  readonly position?: LegacyPosition;
}

export interface LegacyState {
  readonly base: TableState;
  readonly sync: LegacySync | undefined;
  /** Why the saved state was not used, when it was not. */
  readonly note?: string;
}

function isPosition(value: unknown): value is LegacyPosition {
  const p = value as Partial<LegacyPosition> | undefined;
  return typeof p === "object" && p !== null && p.path === "legacy" && typeof p.request === "string" && typeof p.next === "string" && p.next !== "";
}

export function parseLegacyState(raw: unknown): LegacyState {
  const { state, note } = parseTableState(raw);
  const saved = state.sync as unknown as Record<string, unknown> | undefined;
  const { sync: _ignored, ...base } = state;
  if (saved === undefined) return { base, sync: undefined, ...(note !== undefined && { note }) };
  const str = (v: unknown): string | undefined => (typeof v === "string" && parseTimestamp(v) !== undefined ? v : undefined);
  const from = str(saved["from"]);
  const maxSeen = str(saved["max_seen"]);
  const sync: LegacySync = {
    started_at: String(saved["started_at"]),
    snapshot: saved["snapshot"] === true,
    ...(from !== undefined && { from }),
    ...(maxSeen !== undefined && { max_seen: maxSeen }),
    ...(isPosition(saved["position"]) && { position: saved["position"] }),
  };
  return { base, sync };
}

/** One sync of a legacy stream: the export tables' tracker over the legacy position (same state JSON). */
export const LegacyTracker = SyncTracker<LegacySync>;
export type LegacyTracker = SyncTracker<LegacySync>;
