/**
 * The seam between the read runtime and a wire protocol. The runtime decides *when* something happens
 * (a stream starts, a batch is written, a checkpoint becomes true, a stream fails); an emitter decides
 * *how* that looks on the wire. Airbyte is the default; Singer (source/singer/) is the other one.
 */
import type { RecordFraming } from "../streams/contract/stream.js";
import { errorToTrace } from "./error-trace.js";
import { estimateMessage, recordFraming, stateMessage, streamStatusMessage, type StreamRef, type StreamStatus } from "./messages.js";
import type { OutputWriter } from "./output.js";
import type { Redactor } from "../streams/contract/redact.js";

export interface ReadEmitter {
  /**
   * Bytes around each record's data object, with `now` as the emission time: built per batch so that
   * time is real, or per file by a stream that frames its records itself (ReadContext.recordFraming).
   */
  recordFraming(ref: StreamRef, now: number): RecordFraming;
  status(ref: StreamRef, status: StreamStatus, now: number, rateLimited?: { quotaReset?: number }): void;
  /** A checkpoint of one stream became true; `recordCount` records were written since the previous one. */
  state(ref: StreamRef, streamState: Record<string, unknown>, recordCount: number): void;
  estimate(ref: StreamRef, estimate: { rows?: number; bytes?: number }, now: number): void;
  /** A stream (or, without `ref`, the whole read) failed. */
  error(err: unknown, now: number, ref?: StreamRef): void;
}

export function airbyteEmitter(out: OutputWriter, redactor: Redactor): ReadEmitter {
  return {
    recordFraming,
    status: (ref, status, now, rateLimited) => out.send(streamStatusMessage(ref, status, now, rateLimited)),
    state: (ref, streamState, recordCount) => out.send(stateMessage(ref, streamState, recordCount)),
    estimate: (ref, estimate, now) => out.send(estimateMessage(ref, estimate, now)),
    error: (err, now, ref) => out.send(errorToTrace(err, { redactor, now, ...(ref === undefined ? {} : { stream: ref }) })),
  };
}
