/**
 * Follows one sync of one stream and produces its checkpoints: the window it started with, the highest
 * updated_at emitted so far, and the read path's resumable position. The cursor itself only moves when
 * the sync completes (rows arrive ordered by id, not by updated_at, so a mid-sync cursor could skip rows).
 *
 * Export tables and legacy data tables share the state layout and differ only in the position their read
 * path saves, so one tracker serves both, generic over the sync record (SyncProgress or LegacySync).
 */
import type { Checkpoint } from "../contract/stream.js";
import type { SyncProgress, TableState } from "./stream-state.js";
import { formatTimestamp, nextCursor } from "./sync-window.js";
import { MaxTimestamp } from "../encode/timestamps.js";
import { maxTimestampOf } from "./cursor-max.js";

/** What the tracker relies on in any stream's in-progress sync; `position` is the read path's own. */
export interface TrackedSync {
  readonly started_at: string;
  readonly max_seen?: string;
  readonly snapshot: boolean;
  readonly position?: object;
}

export class SyncTracker<S extends TrackedSync = SyncProgress> {
  readonly #previous: TableState;
  #sync: S;
  /** The highest updated_at emitted in this sync, as the records carry it (timestamps.ts). */
  readonly #maxSeen = new MaxTimestamp();

  constructor(previous: TableState, sync: S) {
    this.#previous = previous;
    this.#sync = sync;
    if (sync.max_seen !== undefined) this.#maxSeen.offer(sync.max_seen);
  }

  get sync(): S {
    return this.#sync;
  }

  /** Notes the highest updated_at (its text) of rows that are about to be emitted. */
  observeMax(maxUpdatedAt: string | undefined): void {
    if (maxUpdatedAt !== undefined) this.#maxSeen.offer(maxUpdatedAt);
  }

  /** Notes the rows about to be emitted by the timestamps under `key` (unparseable ones are skipped). */
  observe(rows: readonly Record<string, unknown>[], key: string): void {
    this.observeMax(maxTimestampOf(rows, key));
  }

  /** State that resumes at `position`, valid once every record yielded before it is written. */
  checkpoint(position: NonNullable<S["position"]>): Checkpoint {
    this.#sync = { ...this.#sync, ...this.#maxSeenField(), position };
    return { kind: "checkpoint", state: { ...this.#previous, sync: this.#sync } as unknown as Record<string, unknown> };
  }

  /** Drops the path's position (an expired handle): the sync restarts at its durable window start. */
  forgetPosition(): void {
    const { position: _dropped, ...rest } = this.#sync;
    // Still an S: `position` is optional in every sync record.
    this.#sync = rest as S;
  }

  /** The final state of a completed sync: the cursor advances, the in-progress part goes away. */
  complete(now: number): Checkpoint {
    const cursor = nextCursor(this.#previous.cursor, this.#maxSeen.text, this.#sync.started_at);
    const lastSnapshot = this.#sync.snapshot ? this.#sync.started_at : this.#previous.last_snapshot_at;
    const state: TableState = {
      version: 1,
      ...(cursor !== undefined && { cursor }),
      ...(lastSnapshot !== undefined && { last_snapshot_at: lastSnapshot }),
      completed_at: formatTimestamp(now),
    };
    return { kind: "checkpoint", state: state as unknown as Record<string, unknown> };
  }

  #maxSeenField(): { max_seen?: string } {
    return this.#maxSeen.text === undefined ? {} : { max_seen: this.#maxSeen.text };
  }
}
