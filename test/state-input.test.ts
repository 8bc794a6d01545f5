/** Every input-state shape of airbyte-guide §5.1: accepted, converted, or rejected with a clear error. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../streams/contract/errors.js";
import { parseState } from "../source/state-input.js";

const stream = (name: string, state: unknown, namespace?: string) => ({
  type: "STREAM",
  stream: { stream_descriptor: namespace === undefined ? { name } : { name, namespace }, stream_state: state },
});

describe("input state", () => {
  it.each([
    ["null", null],
    ["undefined (empty file)", undefined],
    ["[]", []],
    ["{}", {}],
  ])("%s means no state", (_label, raw) => {
    const s = parseState(raw);
    expect(s.size).toBe(0);
    expect(s.get({ name: "spend" })).toBeUndefined();
  });

  it("reads a list of STREAM messages and ignores sourceStats", () => {
    const s = parseState([{ ...stream("spend", { version: 1, cursor: "x" }), sourceStats: { recordCount: 3 } }, stream("suppliers", { c: 2 })]);
    expect(s.get({ name: "spend" })).toEqual({ version: 1, cursor: "x" });
    expect(s.get({ name: "suppliers" })).toEqual({ c: 2 });
  });

  it("looks up by (name, namespace) first, then by name alone", () => {
    const s = parseState([stream("spend", { a: 1 }, "ns1"), stream("spend", { a: 2 }, "ns2")]);
    expect(s.get({ name: "spend", namespace: "ns2" })).toEqual({ a: 2 });
    expect(s.get({ name: "spend" })).toEqual({ a: 1 });
    expect(parseState([stream("spend", { a: 3 })]).get({ name: "spend", namespace: "other" })).toEqual({ a: 3 });
  });

  it("treats a null stream_state and the CDK's no-cursor sentinel as a fresh start", () => {
    const s = parseState([stream("a", null), stream("b", { __ab_no_cursor_state_message: true })]);
    expect(s.get({ name: "a" })).toBeUndefined();
    expect(s.get({ name: "b" })).toBeUndefined();
  });

  it("takes the stream_states of a GLOBAL state", () => {
    const s = parseState([{ type: "GLOBAL", global: { shared_state: { x: 1 }, stream_states: [{ stream_descriptor: { name: "spend" }, stream_state: { c: 9 } }] } }]);
    expect(s.get({ name: "spend" })).toEqual({ c: 9 });
  });

  it("converts LEGACY per-stream data and a bare {stream: {...}} object", () => {
    expect(parseState({ type: "LEGACY", data: { spend: { c: 1 } } }).get({ name: "spend" })).toEqual({ c: 1 });
    expect(parseState([{ type: "LEGACY", data: { spend: { c: 1 } } }]).get({ name: "spend" })).toEqual({ c: 1 });
    const bare = parseState({ spend: { cursor: "2024-01-01" }, suppliers: null });
    expect(bare.get({ name: "spend" })).toEqual({ cursor: "2024-01-01" });
    expect(bare.get({ name: "suppliers" })).toBeUndefined();
  });

  it("accepts a single STREAM message that is not wrapped in a list", () => {
    expect(parseState(stream("spend", { c: 1 })).get({ name: "spend" })).toEqual({ c: 1 });
  });

  it.each([
    ["a LEGACY blob that is not per stream", { cursor: "2024-01-01", page: 3 }, /LEGACY state that cannot be mapped to streams \(cursor, page are not per-stream objects\)/],
    ["an element with neither stream, global nor data", [{ type: "WEIRD" }], /state\[0\] is not a state message \(type "WEIRD", and none of stream, global or data\); the state file must hold a list of state messages as Airbyte passes them .*or the STATE lines the connector printed \(\{"type":"STATE","state":\{…\}\}, as a list or one per line\)/],
    ["a STATE line without its state", [{ type: "STATE", value: { bookmarks: {} } }], /state\[0\] is a STATE message without a "state" object/],
    ["a broken message inside a STATE line", [{ type: "STATE", state: { type: "STREAM", stream: { stream_descriptor: {} } } }], /state\[0\]\.state\.stream\.stream_descriptor\.name is required/],
    ["a STREAM without a name", [{ type: "STREAM", stream: { stream_descriptor: {} } }], /state\[0\]\.stream\.stream_descriptor\.name is required/],
    ["a stream_state that is not an object", [stream("spend", "abc")], /state\[0\]\.stream\.stream_state must be an object/],
    ["GLOBAL without stream_states", [{ type: "GLOBAL", global: {} }], /state\[0\]\.global\.stream_states must be a list/],
    ["a string", "hello", /got string; the state file must hold a list of state messages/],
  ])("rejects %s with a ConfigError naming the place", (_label, raw, pattern) => {
    expect(() => parseState(raw)).toThrow(ConfigError);
    expect(() => parseState(raw)).toThrow(pattern);
  });

  it("names saved states of streams that are not configured", () => {
    const s = parseState([stream("spend", { c: 1 }), stream("old_table", { c: 2 })]);
    expect(s.unknownStreams([{ name: "spend" }])).toEqual(["old_table"]);
  });

  describe("the connector's own output lines ({\"type\":\"STATE\",\"state\":{…}})", () => {
    const line = (name: string, state: unknown) => ({ type: "STATE", state: { ...stream(name, state), sourceStats: { recordCount: 1 } } });
    const record = (name: string) => ({ type: "RECORD", record: { stream: name, emitted_at: 1, data: { id: 1 } } });
    const log = { type: "LOG", log: { level: "INFO", message: "Reading 2 stream(s)" } };
    const status = { type: "TRACE", trace: { type: "STREAM_STATUS", emitted_at: 1, stream_status: { stream_descriptor: { name: "spend" }, status: "STARTED" } } };

    it("one STATE line on its own", () => {
      expect(parseState(line("spend", { c: 1 })).get({ name: "spend" })).toEqual({ c: 1 });
    });

    it("a whole stdout (as read from JSON Lines): STATE lines count, every other message is skipped, the last state of a stream wins", () => {
      const s = parseState([log, status, line("spend", { c: 1 }), record("spend"), line("suppliers", { s: 1 }), record("spend"), line("spend", { c: 2 }), log]);
      expect(s.get({ name: "spend" })).toEqual({ c: 2 });
      expect(s.get({ name: "suppliers" })).toEqual({ s: 1 });
      expect(s.size).toBe(2);
    });

    it("a GLOBAL state inside a STATE line", () => {
      const global = { type: "STATE", state: { type: "GLOBAL", global: { stream_states: [{ stream_descriptor: { name: "spend" }, stream_state: { g: 1 } }] } } };
      expect(parseState([global]).get({ name: "spend" })).toEqual({ g: 1 });
    });

    it("output without any STATE (a sync killed before its first one) is no state: start fresh", () => {
      expect(parseState([log, status, record("spend")]).size).toBe(0);
      expect(parseState(log).size).toBe(0);
    });

    it("a later fresh-start state replaces an earlier one of the same stream", () => {
      expect(parseState([line("spend", { c: 1 }), line("spend", { __ab_no_cursor_state_message: true })]).get({ name: "spend" })).toBeUndefined();
    });
  });

  it("for the same stream in a list of STREAM messages, the last one counts; other namespaces stay apart", () => {
    const s = parseState([stream("spend", { a: 1 }, "ns1"), stream("spend", { a: 2 }), stream("spend", { a: 3 }, "ns1")]);
    expect(s.get({ name: "spend", namespace: "ns1" })).toEqual({ a: 3 });
    expect(s.get({ name: "spend" })).toEqual({ a: 2 }); // the one without a namespace
    expect(parseState([stream("spend", { a: 1 }), stream("spend", { a: 2 })]).get({ name: "spend" })).toEqual({ a: 2 });
  });
});
