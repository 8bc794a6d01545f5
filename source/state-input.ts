/**
 * Input state at the door. Accepted shapes (airbyte-guide §5.1):
 * - nothing: missing file, empty file, `[]`, `{}`, `null`;
 * - an array of STREAM messages (sourceStats ignored), or one such message on its own;
 * - GLOBAL: its `stream_states` are used, `shared_state` is ignored (we never emit GLOBAL);
 * - LEGACY `{type:"LEGACY", data:{...}}` or a bare `{stream: {...}}` map: per-stream when every value
 *   is an object (or null); anything else has no clear meaning and is a ConfigError;
 * - the connector's own output: `{"type":"STATE","state":{…}}` lines, alone, in an array or as JSON
 *   Lines (stdout saved to a file); its other messages (RECORD, LOG, TRACE, …) are skipped.
 * Where one stream has several states, the last one counts (stdout order is the order they were emitted).
 * A null stream_state, or the CDK's `__ab_no_cursor_state_message` sentinel, means "start fresh".
 */
import { ConfigError } from "../streams/contract/errors.js";
import { readJsonFile } from "./json-file.js";
import type { StreamRef } from "./messages.js";
import { isRecord } from "../streams/contract/json-object.js";

type StreamState = Record<string, unknown>;

interface Entry {
  ref: StreamRef;
  state: StreamState | undefined;
}

export const NO_CURSOR_STATE_KEY = "__ab_no_cursor_state_message";

export class InputState {
  private readonly entries: readonly Entry[];

  constructor(entries: readonly Entry[]) {
    // One entry per (name, namespace), the last one given; kept where the stream first appeared.
    const byStream = new Map<string, Entry>();
    for (const e of entries) byStream.set(JSON.stringify([e.ref.name, e.ref.namespace ?? null]), e);
    this.entries = [...byStream.values()];
  }

  static empty(): InputState {
    return new InputState([]);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Exact (name, namespace) first, then by name alone (CAT passes descriptors without namespace). */
  get(ref: StreamRef): StreamState | undefined {
    const exact = this.entries.find((e) => e.ref.name === ref.name && e.ref.namespace === ref.namespace);
    const entry = exact ?? this.entries.find((e) => e.ref.name === ref.name);
    return entry?.state;
  }

  /** Names with saved state that are not in `configured`: logged, then ignored. */
  unknownStreams(configured: readonly StreamRef[]): string[] {
    return this.entries.filter((e) => !configured.some((c) => c.name === e.ref.name)).map((e) => e.ref.name);
  }
}

export async function loadState(path: string | undefined): Promise<InputState> {
  if (path === undefined) return InputState.empty();
  return parseState(await readJsonFile(path, "state", { lines: true }));
}

/** What the state file may hold, for messages that say what was not understood. */
const ACCEPTED =
  'a list of state messages as Airbyte passes them ({"type":"STREAM",…}, GLOBAL or LEGACY), or the STATE lines the connector printed ({"type":"STATE","state":{…}}, as a list or one per line)';

/** Airbyte messages other than STATE: in the connector's saved output they sit between the STATE lines. */
const OTHER_MESSAGES = new Set(["RECORD", "LOG", "TRACE", "CONTROL", "SPEC", "CATALOG", "CONNECTION_STATUS"]);
/** Every `type` that makes a lone object a message rather than a legacy state blob: the state types, STATE, and the rest. */
const MESSAGE_TYPES = new Set(["STREAM", "GLOBAL", "LEGACY", "STATE", ...OTHER_MESSAGES]);

export function parseState(raw: unknown): InputState {
  if (raw === undefined || raw === null) return InputState.empty();
  if (Array.isArray(raw)) return new InputState(raw.flatMap((m, i) => fromMessage(m, `state[${i}]`)));
  if (!isRecord(raw)) throw new ConfigError(`Invalid state: got ${typeof raw}; the state file must hold ${ACCEPTED}`);
  if (Object.keys(raw).length === 0) return InputState.empty();
  if (looksLikeMessage(raw)) return new InputState(fromMessage(raw, "state"));
  return new InputState(fromLegacy(raw, "state"));
}

function looksLikeMessage(v: Record<string, unknown>): boolean {
  if (typeof v.type === "string" && MESSAGE_TYPES.has(v.type)) return true;
  return "stream" in v && isRecord(v.stream) && "stream_descriptor" in v.stream;
}

function fromMessage(raw: unknown, where: string): Entry[] {
  if (!isRecord(raw)) throw new ConfigError(`Invalid state: ${where} must be a state message object`);
  if (typeof raw.type === "string" && OTHER_MESSAGES.has(raw.type)) return [];
  if (raw.type === "STATE") {
    // A line of the connector's output: the state message is inside.
    if (!isRecord(raw.state)) throw new ConfigError(`Invalid state: ${where} is a STATE message without a "state" object`);
    return fromMessage(raw.state, `${where}.state`);
  }
  const type = raw.type ?? (raw.stream !== undefined ? "STREAM" : raw.global !== undefined ? "GLOBAL" : raw.data !== undefined ? "LEGACY" : undefined);
  switch (type) {
    case "STREAM":
      return [streamEntry(raw.stream, `${where}.stream`)];
    case "GLOBAL": {
      const global = raw.global;
      if (!isRecord(global) || !Array.isArray(global.stream_states)) {
        throw new ConfigError(`Invalid state: ${where}.global.stream_states must be a list`);
      }
      return global.stream_states.map((s, i) => streamEntry(s, `${where}.global.stream_states[${i}]`));
    }
    case "LEGACY":
      if (raw.data === undefined || raw.data === null) return [];
      if (!isRecord(raw.data)) throw new ConfigError(`Invalid state: ${where}.data must be an object`);
      return fromLegacy(raw.data, `${where}.data`);
    default:
      throw new ConfigError(
        `Invalid state: ${where} is not a state message (type ${JSON.stringify(raw.type)}, and none of stream, global or data); the state file must hold ${ACCEPTED}, or be empty to start fresh`,
      );
  }
}

function streamEntry(raw: unknown, where: string): Entry {
  if (!isRecord(raw)) throw new ConfigError(`Invalid state: ${where} must be an object`);
  const d = raw.stream_descriptor;
  if (!isRecord(d) || typeof d.name !== "string" || d.name === "") {
    throw new ConfigError(`Invalid state: ${where}.stream_descriptor.name is required`);
  }
  const ref: StreamRef = typeof d.namespace === "string" ? { name: d.name, namespace: d.namespace } : { name: d.name };
  const s = raw.stream_state;
  if (s === undefined || s === null) return { ref, state: undefined };
  if (!isRecord(s)) throw new ConfigError(`Invalid state: ${where}.stream_state must be an object`);
  return { ref, state: isFreshStart(s) ? undefined : s };
}

/** A LEGACY blob is per-stream only when it is a map of stream name → object (or null). */
function fromLegacy(data: Record<string, unknown>, where: string): Entry[] {
  const bad = Object.entries(data).filter(([, v]) => v !== null && !isRecord(v)).map(([k]) => k);
  if (bad.length > 0) {
    throw new ConfigError(
      `Invalid state: ${where} is a LEGACY state that cannot be mapped to streams (${bad.slice(0, 3).join(", ")} ${bad.length === 1 ? "is" : "are"} not per-stream objects); clear the connection's state to start fresh`,
    );
  }
  return Object.entries(data).map(([name, v]) => ({
    ref: { name },
    state: v === null || isFreshStart(v as StreamState) ? undefined : (v as StreamState),
  }));
}

function isFreshStart(state: StreamState): boolean {
  return state[NO_CURSOR_STATE_KEY] === true || Object.keys(state).length === 0;
}
