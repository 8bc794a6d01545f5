/**
 * Airbyte protocol messages (v0.18.0) as typed constructors. Only this module knows the wire spelling
 * (`connectionStatus`, `sourceStats`, ...); everything else builds messages through these functions.
 */
import type { FailureType } from "../streams/contract/errors.js";
import type { LogLevel, RecordFraming, StreamDescriptor as CatalogStream } from "../streams/contract/stream.js";
import type { ConnectorSpecification } from "../spec/index.js";

export interface StreamRef {
  name: string;
  namespace?: string;
}

export type StreamStatus = "STARTED" | "RUNNING" | "COMPLETE" | "INCOMPLETE";

export interface ErrorTrace {
  message: string;
  internal_message?: string;
  stack_trace?: string;
  failure_type: FailureType;
  stream_descriptor?: StreamRef;
}

export interface StateMessageBody {
  type: "STREAM";
  stream: { stream_descriptor: StreamRef; stream_state: Record<string, unknown> };
  sourceStats: { recordCount: number };
}

export type TraceBody =
  | { type: "ERROR"; emitted_at: number; error: ErrorTrace }
  | { type: "ESTIMATE"; emitted_at: number; estimate: { name: string; namespace?: string; type: "STREAM"; row_estimate?: number; byte_estimate?: number } }
  | {
      type: "STREAM_STATUS";
      emitted_at: number;
      stream_status: {
        stream_descriptor: StreamRef;
        status: StreamStatus;
        reasons?: { type: "RATE_LIMITED"; rate_limited?: { quota_reset?: number } }[];
      };
    };

export interface RecordBody {
  stream: string;
  namespace?: string;
  emitted_at: number;
  data: Record<string, unknown>;
}

export type AirbyteMessage =
  | { type: "RECORD"; record: RecordBody }
  | { type: "STATE"; state: StateMessageBody }
  | { type: "LOG"; log: { level: LogLevel; message: string; stack_trace?: string } }
  | { type: "SPEC"; spec: ConnectorSpecification }
  | { type: "CONNECTION_STATUS"; connectionStatus: { status: "SUCCEEDED" | "FAILED"; message?: string } }
  | { type: "CATALOG"; catalog: { streams: CatalogStream[] } }
  | { type: "TRACE"; trace: TraceBody };

export type MessageType = AirbyteMessage["type"];

const encoder = new TextEncoder();

/** One NDJSON line. JSON.stringify never emits a raw newline, so a message can never span lines. */
export function serialize(message: AirbyteMessage): string {
  return `${JSON.stringify(message)}\n`;
}

function descriptor(ref: StreamRef): StreamRef {
  return ref.namespace === undefined ? { name: ref.name } : { name: ref.name, namespace: ref.namespace };
}

/**
 * The bytes around each record's `data` of one stream. Built per batch (or per export file, for records
 * a decode worker frames: Batch.framing), because `emitted_at` must be the real emission time (CAT
 * compares it across reads), and cheap: two small encodes per batch.
 */
export function recordFraming(ref: StreamRef, emittedAt: number): RecordFraming {
  const ns = ref.namespace === undefined ? "" : `,"namespace":${JSON.stringify(ref.namespace)}`;
  const head = `{"type":"RECORD","record":{"stream":${JSON.stringify(ref.name)}${ns},"emitted_at":${Math.trunc(emittedAt)},"data":`;
  return { prefix: encoder.encode(head), suffix: encoder.encode("}}\n") };
}

export function recordMessage(ref: StreamRef, data: Record<string, unknown>, emittedAt: number): AirbyteMessage {
  const record: RecordBody = { stream: ref.name, emitted_at: Math.trunc(emittedAt), data };
  if (ref.namespace !== undefined) record.namespace = ref.namespace;
  return { type: "RECORD", record };
}

export function stateMessage(ref: StreamRef, streamState: Record<string, unknown>, recordCount: number): AirbyteMessage {
  return {
    type: "STATE",
    state: {
      type: "STREAM",
      stream: { stream_descriptor: descriptor(ref), stream_state: streamState },
      sourceStats: { recordCount },
    },
  };
}

export function logMessage(level: LogLevel, message: string, stackTrace?: string): AirbyteMessage {
  return { type: "LOG", log: stackTrace === undefined ? { level, message } : { level, message, stack_trace: stackTrace } };
}

export function specMessage(spec: ConnectorSpecification): AirbyteMessage {
  return { type: "SPEC", spec };
}

export function connectionStatusMessage(ok: boolean, message: string): AirbyteMessage {
  return { type: "CONNECTION_STATUS", connectionStatus: { status: ok ? "SUCCEEDED" : "FAILED", message } };
}

export function catalogMessage(streams: readonly CatalogStream[]): AirbyteMessage {
  return { type: "CATALOG", catalog: { streams: [...streams] } };
}

export function errorTraceMessage(error: ErrorTrace, now: number): AirbyteMessage {
  return { type: "TRACE", trace: { type: "ERROR", emitted_at: now, error } };
}

export function streamStatusMessage(
  ref: StreamRef,
  status: StreamStatus,
  now: number,
  rateLimited?: { quotaReset?: number },
): AirbyteMessage {
  const reasons =
    rateLimited === undefined
      ? undefined
      : [
          rateLimited.quotaReset === undefined
            ? { type: "RATE_LIMITED" as const }
            : { type: "RATE_LIMITED" as const, rate_limited: { quota_reset: Math.trunc(rateLimited.quotaReset) } },
        ];
  const body = reasons === undefined
    ? { stream_descriptor: descriptor(ref), status }
    : { stream_descriptor: descriptor(ref), status, reasons };
  return { type: "TRACE", trace: { type: "STREAM_STATUS", emitted_at: now, stream_status: body } };
}

export function estimateMessage(ref: StreamRef, estimate: { rows?: number; bytes?: number }, now: number): AirbyteMessage {
  const body: { name: string; namespace?: string; type: "STREAM"; row_estimate?: number; byte_estimate?: number } = {
    ...descriptor(ref),
    type: "STREAM",
  };
  if (estimate.rows !== undefined && Number.isFinite(estimate.rows)) body.row_estimate = Math.round(estimate.rows);
  if (estimate.bytes !== undefined && Number.isFinite(estimate.bytes)) body.byte_estimate = Math.round(estimate.bytes);
  return { type: "TRACE", trace: { type: "ESTIMATE", emitted_at: now, estimate: body } };
}
