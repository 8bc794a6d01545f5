/** The configured catalog at the door: structure, unknown streams, sync modes, cursors, field selection. */
import { describe, expect, it } from "vitest";
import { parseCatalog, resolveCatalog } from "../source/catalog.js";
import { ConfigError } from "../streams/contract/errors.js";
import type { Stream, StreamDescriptor } from "../streams/contract/stream.js";

const descriptor = (name: string, incremental: boolean): StreamDescriptor => ({
  name,
  json_schema: { type: "object", additionalProperties: true, properties: { id: { type: ["null", "string"] }, amount: { type: ["null", "number"] }, updated_at: { type: ["null", "string"] } } },
  supported_sync_modes: incremental ? ["full_refresh", "incremental"] : ["full_refresh"],
  ...(incremental ? { source_defined_cursor: true, default_cursor_field: ["updated_at"] } : {}),
  source_defined_primary_key: [["id"]],
});
const streams: Stream[] = [
  { name: "spend", descriptor: descriptor("spend", true), read: async function* () {} },
  { name: "classification", descriptor: descriptor("classification", false), read: async function* () {} },
];
const configured = (name: string, sync_mode: string, extra: Record<string, unknown> = {}, properties?: Record<string, unknown>) => ({
  stream: { name, json_schema: { type: "object", ...(properties === undefined ? {} : { properties }) }, supported_sync_modes: ["full_refresh"] },
  sync_mode,
  destination_sync_mode: "append",
  ...extra,
});
const resolve = (entries: unknown[]) => {
  const warnings: string[] = [];
  const result = resolveCatalog(parseCatalog({ streams: entries }), streams, (w) => warnings.push(w));
  return { ...result, warnings };
};

describe("configured catalog", () => {
  it.each([
    ["not an object", [], /Invalid configured catalog: catalog\.\(root\): must be an object/],
    ["no streams", {}, /catalog\.streams: is required/],
    ["a stream without name", { streams: [{ stream: { json_schema: {} }, sync_mode: "full_refresh" }] }, /catalog\.streams\[0\]\.stream\.name: is required/],
    ["a stream without sync_mode", { streams: [{ stream: { name: "a", json_schema: {} } }] }, /catalog\.streams\[0\]\.sync_mode: is required/],
  ])("rejects %s", (_label, raw, pattern) => {
    expect(() => parseCatalog(raw)).toThrow(pattern);
  });

  it("takes null for every optional field as absent (Airbyte's standard tests write unset fields as null)", () => {
    const nulls = {
      cursor_field: null,
      primary_key: null,
      generation_id: null,
      minimum_generation_id: null,
      sync_id: null,
      destination_object_name: null,
      include_files: null,
    };
    const withNulls = (name: string, mode: string) => {
      const entry = configured(name, mode, nulls);
      return { ...entry, stream: { ...entry.stream, namespace: null, default_cursor_field: null, source_defined_primary_key: null, is_resumable: null } };
    };
    const { runs, rejected } = resolve([withNulls("spend", "incremental"), withNulls("classification", "full_refresh")]);
    expect(rejected).toEqual([]);
    expect(runs.map((r) => [r.ref, r.syncMode])).toEqual([
      [{ name: "spend" }, "incremental"],
      [{ name: "classification" }, "full_refresh"],
    ]);
  });

  it("still rejects a cursor_field or primary_key of the wrong type", () => {
    expect(() => parseCatalog({ streams: [configured("spend", "incremental", { cursor_field: "updated_at" })] })).toThrow(/catalog\.streams\[0\]\.cursor_field: must be a list or null \(got "updated_at"\)/);
    expect(() => parseCatalog({ streams: [configured("spend", "full_refresh", { primary_key: ["id"] })] })).toThrow(/catalog\.streams\[0\]\.primary_key\[0\]: must be a list/);
  });

  it("rejects a stream configured twice", () => {
    expect(() => parseCatalog({ streams: [configured("spend", "full_refresh"), configured("spend", "incremental")] })).toThrow(/'spend' is configured twice/);
  });

  it("fails just the unknown stream (CAT's INVALID catalog) and keeps the others", () => {
    const { runs, rejected } = resolve([
      configured("__AIRBYTE__stream_that_does_not_exist", "INVALID", { destination_sync_mode: "INVALID" }),
      configured("spend", "full_refresh"),
    ]);
    expect(runs.map((r) => r.ref.name)).toEqual(["spend"]);
    expect(rejected[0]!.error).toBeInstanceOf(ConfigError);
    expect(rejected[0]!.error.message).toMatch(/Stream '__AIRBYTE__stream_that_does_not_exist' does not exist .*available: spend, classification/);
  });

  it.each([
    ["an invalid sync mode", configured("spend", "INVALID"), /sync_mode 'INVALID' is not supported; use one of full_refresh, incremental/],
    ["a cursor field that does not exist", configured("spend", "incremental", { cursor_field: ["nope"] }), /cursor_field 'nope' does not exist in the stream; the cursor is 'updated_at'/],
  ])("rejects %s for that stream only", (_label, entry, pattern) => {
    const { runs, rejected } = resolve([entry]);
    expect(runs).toEqual([]);
    expect(rejected[0]!.error.message).toMatch(pattern);
  });

  it("reads a full-refresh-only stream in full when asked for incremental (as PyAirbyte asks), with a warning", () => {
    const { runs, warnings } = resolve([configured("classification", "incremental")]);
    expect(runs[0]!.syncMode).toBe("full_refresh");
    expect(warnings[0]).toMatch(/'classification': sync_mode 'incremental' is not supported by this stream; reading it as full_refresh/);
  });

  it("uses the source-defined cursor when the catalog names none (Meltano) or another existing one (with a warning)", () => {
    expect(resolve([configured("spend", "incremental")]).runs[0]!.syncMode).toBe("incremental");
    const other = resolve([configured("spend", "incremental", { cursor_field: ["amount"] })]);
    expect(other.runs[0]!.syncMode).toBe("incremental");
    expect(other.warnings[0]).toMatch(/cursor_field 'amount' ignored; this stream always uses its own cursor 'updated_at'/);
  });

  it("passes the UI's field selection, minus fields discover no longer knows", () => {
    const { runs, warnings } = resolve([configured("spend", "full_refresh", {}, { id: {}, amount: {}, gone: {} })]);
    expect(runs[0]!.selectedProperties).toEqual(["id", "amount"]);
    expect(warnings[0]).toMatch(/ignoring fields that no longer exist: gone/);
    expect(resolve([configured("spend", "full_refresh")]).runs[0]!.selectedProperties).toEqual(["id", "amount", "updated_at"]);
  });

  it("finds a stream by an old name it still answers to (renamed legacy table) and keeps the configured name", () => {
    const renamed: Stream = { name: "legacy_new_name_ab12", descriptor: descriptor("legacy_new_name_ab12", false), matchesName: (n) => n.endsWith("_ab12"), read: async function* () {} };
    const { runs, rejected } = resolveCatalog(parseCatalog({ streams: [configured("legacy_old_name_ab12", "full_refresh")] }), [...streams, renamed], () => undefined);
    expect(rejected).toEqual([]);
    expect(runs[0]!.stream).toBe(renamed);
    expect(runs[0]!.ref).toEqual({ name: "legacy_old_name_ab12" });
  });

  it("matches namespaces when both sides name one", () => {
    const entry = { ...configured("spend", "full_refresh"), stream: { name: "spend", namespace: "x", json_schema: {} } };
    expect(resolve([entry]).runs[0]!.ref).toEqual({ name: "spend", namespace: "x" });
  });
});
