/**
 * State of one legacy data table stream. It is the export tables' version-1 state (stream-state.ts: the
 * same `cursor`, `last_snapshot_at`, `completed_at`, and a `sync` with `started_at`/`from`/`max_seen`),
 * with its own resumable position: the `next` link of the page after the last one emitted.
 *
 * `next` is a short-lived handle of unknown lifetime; the durable position is the sync's window (`from`),
 * so a `next` the server no longer accepts restarts the window from its first page (design.md §3.3).
 * The cursor only moves when a sync completes: rows do not arrive ordered by their last-modified time.
 */
import { parseTableState, type TableState } from "./stream-state.js";
import { formatTimestamp, nextCursor } from "./sync-window.js";
import type { Checkpoint } from "./types.js";

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
  const str = (v: unknown): string | undefined => (typeof v === "string" && !Number.isNaN(Date.parse(v)) ? v : undefined);
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

/** Follows one sync: the highest last-modified time emitted, the resumable position, the final state. */
export class LegacyTracker {
  readonly #base: TableState;
  #sync: LegacySync;
  #maxSeenMs: number;

  constructor(base: TableState, sync: LegacySync) {
    this.#base = base;
    this.#sync = sync;
    this.#maxSeenMs = sync.max_seen === undefined ? Number.NEGATIVE_INFINITY : Date.parse(sync.max_seen);
  }

  get sync(): LegacySync {
    return this.#sync;
  }

  observe(rows: readonly Record<string, unknown>[], key: string): void {
    for (const row of rows) {
      const value = row[key];
      const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
      if (ms > this.#maxSeenMs) this.#maxSeenMs = ms;
    }
  }

  checkpoint(position: LegacyPosition): Checkpoint {
    this.#sync = { ...this.#sync, ...this.#maxSeen(), position };
    return { kind: "checkpoint", state: { ...this.#base, sync: this.#sync } as unknown as Record<string, unknown> };
  }

  forgetPosition(): void {
    const { position: _dropped, ...rest } = this.#sync;
    this.#sync = rest;
  }

  complete(now: number): Checkpoint {
    const cursor = nextCursor(this.#base.cursor, this.#maxSeen().max_seen, this.#sync.started_at);
    const lastSnapshot = this.#sync.snapshot ? this.#sync.started_at : this.#base.last_snapshot_at;
    const state: TableState = {
      version: 1,
      ...(cursor !== undefined && { cursor }),
      ...(lastSnapshot !== undefined && { last_snapshot_at: lastSnapshot }),
      completed_at: formatTimestamp(now),
    };
    return { kind: "checkpoint", state: state as unknown as Record<string, unknown> };
  }

  #maxSeen(): { max_seen?: string } {
    return Number.isFinite(this.#maxSeenMs) ? { max_seen: formatTimestamp(this.#maxSeenMs) } : {};
  }
}
