/**
 * The seam between the protocol runtime (source/) and everything that knows Ignite (streams/): what a
 * stream is, what it yields and what the runtime gives it to read with. source/ drives streams through
 * these types; streams never print, they yield. Nothing here knows Ignite (its wire types: streams/api/).
 */
import type { MemoryShare } from "./memory.js";

export type LogLevel = "FATAL" | "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE";

export interface Logger {
  log(level: LogLevel, message: string): void;
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** Bytes the runtime puts around each record's `data` object to make one RECORD line. */
export interface RecordFraming {
  /** e.g. `{"type":"RECORD","record":{"stream":"spend","emitted_at":1719500000000,"data":` */
  readonly prefix: Uint8Array;
  /** e.g. `}}\n` */
  readonly suffix: Uint8Array;
}

/**
 * A group of records (one rows page, one Arrow batch). Encoding is lazy so the runtime chooses the
 * framing (and the emission time) when it writes; a batch is encoded exactly once.
 */
export interface Batch {
  readonly kind: "batch";
  readonly count: number;
  /**
   * Optional: the batch is already framed with this framing (taken from `ReadContext.recordFraming()`),
   * and the runtime writes `encode(framing)` instead of building a fresh one. Lets a stream frame
   * records off the main thread (a decode worker) once, with the final bytes, instead of the runtime
   * re-framing every line; `emitted_at` is then the time the stream asked for the framing.
   */
  readonly framing?: RecordFraming;
  encode(framing: RecordFraming): Iterable<Uint8Array>;
}

/** Stream state that becomes true once every batch yielded before it has been written. */
export interface Checkpoint {
  readonly kind: "checkpoint";
  readonly state: Record<string, unknown>;
}

export type StreamOutput = Batch | Checkpoint;

export type SyncMode = "full_refresh" | "incremental";

export interface StreamEvents {
  /** The stream is waiting on a rate limit; `resetAt` is epoch ms when known. */
  rateLimited(resetAt?: number): void;
  /** Size estimate for the stream (TRACE ESTIMATE). */
  estimate(estimate: { rows?: number; bytes?: number }): void;
}

export interface ReadContext {
  readonly syncMode: SyncMode;
  /** Property names of the configured json_schema (the projection Airbyte asked for). */
  readonly selectedProperties: readonly string[];
  /** The stream's saved state (already converted to the current version), or undefined. */
  readonly state: Record<string, unknown> | undefined;
  readonly logger: Logger;
  readonly events: StreamEvents;
  readonly signal: AbortSignal;
  /** Injected clock (epoch ms) so tests and the simulator agree on time. */
  now(): number;
  /**
   * The framing the runtime would put around this stream's records if it wrote a batch now (its
   * emitted_at is now). For streams that frame records themselves and set `Batch.framing`.
   */
  recordFraming(): RecordFraming;
  /** The memory budget shared with the other streams of the read; absent when there is none to respect. */
  readonly memory?: MemoryShare;
}

/** JSON schema of one stream, as announced by discover. */
export interface JsonSchemaObject {
  type: "object";
  properties: Record<string, Record<string, unknown>>;
  additionalProperties: true;
  [key: string]: unknown;
}

export interface StreamDescriptor {
  readonly name: string;
  readonly json_schema: JsonSchemaObject;
  readonly supported_sync_modes: readonly SyncMode[];
  readonly source_defined_cursor?: boolean;
  readonly default_cursor_field?: readonly string[];
  readonly source_defined_primary_key?: readonly (readonly string[])[];
  readonly is_resumable?: boolean;
  readonly namespace?: string;
  readonly description?: string;
}

export interface Stream {
  readonly name: string;
  readonly descriptor: StreamDescriptor;
  /**
   * Optional: whether a configured catalog's stream name that is not `name` still means this stream
   * (a legacy data table renamed in Ignite since discover keeps its old name; see legacy-tables.ts).
   */
  matchesName?(name: string): boolean;
  read(ctx: ReadContext): AsyncIterable<StreamOutput>;
}
