/**
 * Singer messages (singer-io SPEC.md) as typed constructors: SCHEMA, RECORD framing and STATE. Only this
 * module knows the Singer wire spelling; records are never built here as objects, because the runtime
 * frames each stream's already-encoded data objects (see RecordFraming).
 */
import type { RecordFraming } from "../../streams/contract/stream.js";

/** Per-stream bookmarks: each value is exactly the Airbyte stream_state of that stream. */
export type Bookmarks = Record<string, Record<string, unknown>>;

export interface SingerState {
  bookmarks: Bookmarks;
}

export interface SchemaMessage {
  type: "SCHEMA";
  stream: string;
  schema: Record<string, unknown>;
  key_properties: string[];
  bookmark_properties?: string[];
}

export interface StateMessage {
  type: "STATE";
  value: SingerState;
}

export type SingerMessage = SchemaMessage | StateMessage;

const encoder = new TextEncoder();

/**
 * `{"type":"RECORD","stream":…,"time_extracted":…,"record":` + data + `}\n`. `time_extracted` comes
 * before `record` so the suffix stays two bytes, as cheap as the Airbyte framing.
 */
export function recordFraming(stream: string, extractedAt: number): RecordFraming {
  const head = `{"type":"RECORD","stream":${JSON.stringify(stream)},"time_extracted":"${new Date(extractedAt).toISOString()}","record":`;
  return { prefix: encoder.encode(head), suffix: encoder.encode("}\n") };
}

export function schemaMessage(
  stream: string,
  schema: Record<string, unknown>,
  keyProperties: readonly string[],
  bookmarkProperties: readonly string[],
): SchemaMessage {
  const message: SchemaMessage = { type: "SCHEMA", stream, schema, key_properties: [...keyProperties] };
  if (bookmarkProperties.length > 0) message.bookmark_properties = [...bookmarkProperties];
  return message;
}

export function stateMessage(bookmarks: Bookmarks): StateMessage {
  return { type: "STATE", value: { bookmarks } };
}
