/**
 * Singer state at the door: `{"bookmarks": {"<stream>": <stream_state>}}`, where each bookmark is the
 * very object the Airbyte runtime keeps as that stream's stream_state, so both protocols resume alike.
 * Also accepted: nothing (no file, an empty file, `{}`, `null`), Meltano's stored form
 * `{"singer_state": {...}}`, and a whole STATE message `{"type":"STATE","value":{...}}`.
 */
import { ConfigError } from "../../streams/contract/errors.js";
import { readJsonFile } from "../json-file.js";
import { InputState, parseState } from "../state-input.js";
import type { Bookmarks } from "./messages.js";
import { isRecord } from "../../streams/contract/json-object.js";

export interface SingerInputState {
  /** What the runtime reads streams from. */
  input: InputState;
  /** Bookmarks as given, carried into every STATE so streams not read this time keep theirs. */
  bookmarks: Bookmarks;
}

export async function loadSingerState(path: string | undefined): Promise<SingerInputState> {
  return parseSingerState(path === undefined ? undefined : await readJsonFile(path, "state"));
}

export function parseSingerState(raw: unknown): SingerInputState {
  const value = unwrap(raw);
  if (value === undefined) return { input: InputState.empty(), bookmarks: {} };
  const bookmarks = value.bookmarks ?? {};
  if (!isRecord(bookmarks)) throw new ConfigError("Invalid state: bookmarks must be an object of stream name → bookmark");
  const kept: Bookmarks = {};
  for (const [stream, bookmark] of Object.entries(bookmarks)) {
    if (bookmark === null) continue;
    if (!isRecord(bookmark)) {
      throw new ConfigError(`Invalid state: bookmarks.${stream} must be an object (the bookmark this tap emitted), got ${typeof bookmark}`);
    }
    kept[stream] = bookmark;
  }
  // Per-stream objects are what the Airbyte side calls a LEGACY map; its reading (fresh-start markers
  // included) is exactly the one wanted here.
  return { input: parseState({ type: "LEGACY", data: kept }), bookmarks: kept };
}

function unwrap(raw: unknown): Record<string, unknown> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) {
    throw new ConfigError(`Invalid state: must be a JSON object {"bookmarks": {...}} as emitted in this tap's STATE messages, got ${Array.isArray(raw) ? "a list" : typeof raw}`);
  }
  if ("singer_state" in raw) return unwrap(raw.singer_state);
  if (raw.type === "STATE" && "value" in raw) return unwrap(raw.value);
  if (Object.keys(raw).length === 0) return undefined;
  if (!("bookmarks" in raw)) {
    throw new ConfigError(`Invalid state: no "bookmarks" key (found ${Object.keys(raw).slice(0, 5).join(", ")}); pass the value of this tap's last STATE message`);
  }
  return raw;
}
