/**
 * The pure rules of legacy data tables: stream naming and rename matching, label-keyed schemas (colliding
 * labels, type table, cursor detection), and the lastModifiedDateFilter a sync sends.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../streams/contract/errors.js";
import { legacyCursorLabel, legacyDescriptor, legacyOutputColumns, legacyProperties } from "../streams/legacy/legacy-schema.js";
import { parseLegacyState, LegacyTracker } from "../streams/legacy/legacy-state.js";
import { splitFilters } from "../streams/legacy/legacy-streams.js";
import { legacyNameMatches, nameLegacyTables, parseLegacyTableList, selectLegacyTables, slugOf } from "../streams/legacy/legacy-tables.js";
import { configuredDateFilter, syncDateFilter } from "../streams/legacy/legacy-window.js";

const table = (id: string, name: string, columns: unknown[] = []) => ({ id, name, globalType: "", columns });

describe("stream names", () => {
  it("folds names to ASCII snake_case", () => {
    expect(slugOf("Små data ✨")).toBe("sma_data");
    expect(slugOf('Budget "FY25"')).toBe("budget_fy25");
    expect(slugOf("Leverandør Æble")).toBe("leverandor_aeble");
    expect(slugOf("✨✨")).toBe("table");
    expect(slugOf("x".repeat(80))).toHaveLength(40);
  });

  it("is legacy_<slug>_<id tag>, unique even for equal names and ids sharing a prefix", () => {
    const named = nameLegacyTables(
      parseLegacyTableList([table("12ab5182-jh73-1111", "Awesome table"), table("12ab5182-jh73-2222", "Awesome table"), table("99ff0000-aa", "Other")]),
    );
    expect(named.map((t) => t.streamName)).toEqual(["legacy_awesome_table_12ab5182jh731", "legacy_awesome_table_12ab5182jh732", "legacy_other_99ff0000"]);
  });

  it("does not depend on the order of the list", () => {
    const list = [table("aaaa1111-x", "One"), table("bbbb2222-y", "Two"), table("aaaa1111-z", "Three")];
    const forward = nameLegacyTables(parseLegacyTableList(list)).map((t) => t.streamName).sort();
    const backward = nameLegacyTables(parseLegacyTableList([...list].reverse())).map((t) => t.streamName).sort();
    expect(forward).toEqual(backward);
  });

  it("still matches the old name after a rename, but never a tag shared by two tables", () => {
    const all = nameLegacyTables(parseLegacyTableList([table("12ab5182-jh73-9876", "Renamed"), table("77cc0000-jh00", "Other")]));
    const renamed = all[0]!;
    expect(renamed.streamName).toBe("legacy_renamed_12ab5182");
    expect(legacyNameMatches("legacy_awesome_table_12ab5182", renamed, all)).toBe(true);
    expect(legacyNameMatches("legacy_awesome_table_12ab5182", all[1]!, all)).toBe(false);
    expect(legacyNameMatches("spend", renamed, all)).toBe(false);
    expect(legacyNameMatches("legacy_x_12ab", renamed, all)).toBe(false); // too short to be a tag
    const twins = nameLegacyTables(parseLegacyTableList([table("12ab5182-1", "A"), table("12ab5182-2", "B")]));
    expect(legacyNameMatches("legacy_a_12ab5182", twins[0]!, twins)).toBe(false);
  });

  it("selects all, or the listed ids, and names unknown ids with the known ones", () => {
    const list = parseLegacyTableList([table("a-1", "A"), table("b-2", "B")]);
    expect(selectLegacyTables(list, "all")).toHaveLength(2);
    expect(selectLegacyTables(list, "off")).toHaveLength(0);
    expect(selectLegacyTables(list, ["b-2"]).map((t) => t.name)).toEqual(["B"]);
    expect(() => selectLegacyTables(list, ["zzz"])).toThrow(ConfigError);
    expect(() => selectLegacyTables(list, ["zzz"])).toThrow(/"zzz".*a-1 \("A"\)/);
  });

  it("accepts the plausible spellings of the undocumented column object", () => {
    const [t] = parseLegacyTableList([
      { id: 7, title: "T", dataColumns: [{ columnId: "c1", name: "Amount", dataType: "NUMBER" }, "Plain", { key: "k" }] },
    ]);
    expect(t!.id).toBe("7");
    expect(t!.name).toBe("T");
    expect(t!.columns).toEqual([
      { id: "c1", label: "Amount", type: "number" },
      { id: "Plain", label: "Plain", type: "" },
      { id: "k", label: "k", type: "" },
    ]);
  });
});

describe("schemas", () => {
  const [named] = nameLegacyTables(
    parseLegacyTableList([
      table("t-1", "T", [
        { id: "a", label: "Supplier", type: "text" },
        { id: "b", label: "Supplier", type: "text" },
        { id: "c", label: "Amount", type: "number" },
        { id: "d", label: "Amount", type: "text" },
        { id: "e", label: "Flag", type: "checkbox" },
        { id: "f", label: "Weird", type: "geo-point" },
        { id: "g", label: "Last modified", type: "date" },
      ]),
    ]),
  );

  it("has one property per label; colliding labels share it, and mixed types become permissive", () => {
    const d = legacyDescriptor(named!);
    const props = d.json_schema.properties;
    expect(Object.keys(props)).toEqual(["Supplier", "Amount", "Flag", "Weird", "Last modified"]);
    expect(props["Supplier"]!.type).toEqual(["null", "string"]);
    expect(String(props["Supplier"]!.description)).toMatch(/2 columns share this label \(a, b\)/);
    expect(props["Amount"]!.type).toBeUndefined();
    expect(props["Flag"]!.type).toEqual(["null", "boolean"]);
    expect(props["Weird"]!.type).toBeUndefined();
    expect(d.json_schema.additionalProperties).toBe(true);
    for (const p of Object.values(props)) if (p.type !== undefined) expect(p.type).toContain("null");
    expect(legacyProperties(named!.columns)).toHaveLength(5);
  });

  it("uses the last-modified column as cursor, else offers full refresh only", () => {
    expect(legacyCursorLabel(named!.columns)).toBe("Last modified");
    expect(legacyDescriptor(named!).supported_sync_modes).toEqual(["full_refresh", "incremental"]);
    const [plain] = nameLegacyTables(parseLegacyTableList([table("p-1", "P", [{ id: "x", label: "Name", type: "text" }])]));
    const d = legacyDescriptor(plain!);
    expect(d.supported_sync_modes).toEqual(["full_refresh"]);
    expect(d.default_cursor_field).toBeUndefined();
    expect(d.description).toMatch(/DEPRECATED API/);
    expect(d.description).toContain("p-1");
  });

  it("serializes only the projected labels, in table order", () => {
    expect(legacyOutputColumns(named!, new Set(["Flag", "Supplier"])).map((c) => c.key)).toEqual(["Supplier", "Flag"]);
  });
});

describe("lastModifiedDateFilter", () => {
  it("takes gte/lte/between on the last-modified column as dates, RFC 3339 days or date math", () => {
    expect(configuredDateFilter("s", { "Last modified": { gte: "now-1M" } }, "Last modified")).toEqual({ gte: "now-1M" });
    expect(configuredDateFilter("s", { lastModifiedDate: { between: ["2026-01-01", "2026-02-03T10:00:00+00:00"] } }, undefined)).toEqual({
      gte: "2026-01-01",
      lte: "2026-02-03",
    });
    expect(() => configuredDateFilter("s", { City: { eq: "Oslo" } }, "Last modified")).toThrow(/filters\.s\.City/);
    expect(() => configuredDateFilter("s", { "Last modified": { gte: "yesterday" } }, "Last modified")).toThrow(/filters\.s\.Last modified\.gte.*now-1M/);
    expect(() => configuredDateFilter("s", { "Last modified": { in: ["2026-01-01"] } }, "Last modified")).toThrow(/gte, lte and between/);
  });

  it("starts a window on the UTC day of its lower bound and keeps the later of window and configured gte", () => {
    const now = Date.parse("2026-06-01T00:00:00Z");
    expect(syncDateFilter({}, "2026-05-31T22:00:00Z", now)).toEqual({ gte: "2026-05-31" });
    expect(syncDateFilter({}, undefined, now)).toBeUndefined();
    expect(syncDateFilter({ gte: "2026-05-01", lte: "2026-12-31" }, "2026-05-20T05:00:00Z", now)).toEqual({ gte: "2026-05-20", lte: "2026-12-31" });
    expect(syncDateFilter({ gte: "now-1d" }, "2026-01-01T00:00:00Z", now)).toEqual({ gte: "now-1d" });
    expect(syncDateFilter({ gte: "now-1y" }, "2026-01-01T00:00:00Z", now)).toEqual({ gte: "2026-01-01" });
  });

  it("routes legacy_* filter entries away from the export-table validation", () => {
    const { exportFilters, legacyFilters } = splitFilters({ spend: { amount: { gte: 1 } }, legacy_x_12345678: { "Last modified": { gte: "now-1M" } } });
    expect(Object.keys(exportFilters)).toEqual(["spend"]);
    expect(Object.keys(legacyFilters)).toEqual(["legacy_x_12345678"]);
  });
});

describe("state", () => {
  it("moves the cursor only on completion, to the highest last-modified seen, and keeps next until then", () => {
    const { base, sync } = parseLegacyState(undefined);
    expect(sync).toBeUndefined();
    const tracker = new LegacyTracker(base, { started_at: "2026-11-01T00:00:00Z", snapshot: true });
    tracker.observe([{ m: "2026-05-01T10:00:00Z" }, { m: "2026-05-03T10:00:00Z" }, { m: null }], "m");
    const mid = tracker.checkpoint({ path: "legacy", request: "r", next: "n1", issued_at: "2026-11-01T00:00:01Z" }).state as Record<string, unknown>;
    expect(mid["cursor"]).toBeUndefined();
    const back = parseLegacyState(mid);
    expect(back.sync?.position?.next).toBe("n1");
    expect(back.sync?.max_seen).toBe("2026-05-03T10:00:00Z");
    const done = tracker.complete(Date.parse("2026-11-01T00:05:00Z")).state as Record<string, unknown>;
    expect(done["cursor"]).toBe("2026-05-03T10:00:00Z");
    expect(done["sync"]).toBeUndefined();
  });
});
