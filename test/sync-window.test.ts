import { describe, expect, it } from "vitest";
import { formatTimestamp, nextCursor, parseDuration, planSync } from "../streams/sync/sync-window.js";
import { parseTableState } from "../streams/sync/stream-state.js";
import { withWindow } from "../streams/sync/window-filters.js";

const DAY = 86_400_000;
const base = { incremental: true, needsSnapshots: false, startDate: undefined, lookbackMs: 3_600_000, snapshotIntervalDays: 7 };

describe("parseDuration", () => {
  it("reads the ISO 8601 forms users write", () => {
    expect(parseDuration("PT1H")).toBe(3_600_000);
    expect(parseDuration("P1D")).toBe(DAY);
    expect(parseDuration("P1DT12H30M")).toBe(DAY + 12.5 * 3_600_000);
    expect(parseDuration("P2W")).toBe(14 * DAY);
    expect(parseDuration("PT0S")).toBe(0);
    expect(parseDuration("PT1.5S")).toBe(1500);
  });
  it("refuses months, years and garbage, naming the field", () => {
    for (const bad of ["P1M", "P1Y", "1h", "P", "PT", ""]) {
      expect(() => parseDuration(bad)).toThrow(/lookback_window: .* is not an ISO 8601 duration/);
    }
  });
});

describe("planSync", () => {
  const now = Date.parse("2026-06-01T12:00:00Z");
  it("reads everything on a first sync and from start_date when given", () => {
    expect(planSync({ ...base, state: { version: 1 }, now })).toMatchObject({ from: undefined, snapshot: true });
    expect(planSync({ ...base, startDate: "2026-01-01", state: { version: 1 }, now }).from).toBe("2026-01-01T00:00:00Z");
  });
  it("re-reads the lookback window before the cursor (at-least-once for equal timestamps)", () => {
    const plan = planSync({ ...base, state: { version: 1, cursor: "2026-05-31T10:00:00Z" }, now });
    expect(plan).toMatchObject({ from: "2026-05-31T09:00:00Z", snapshot: false });
  });
  it("never goes below start_date", () => {
    const plan = planSync({ ...base, startDate: "2026-05-31T09:30:00Z", state: { version: 1, cursor: "2026-05-31T10:00:00Z" }, now });
    expect(plan.from).toBe("2026-05-31T09:30:00Z");
  });
  it("takes a periodic full snapshot for tables whose updated_at misses edits", () => {
    const state = { version: 1 as const, cursor: "2026-05-31T10:00:00Z", last_snapshot_at: formatTimestamp(now - 8 * DAY) };
    expect(planSync({ ...base, needsSnapshots: true, state, now })).toMatchObject({ from: undefined, snapshot: true });
    const recent = { ...state, last_snapshot_at: formatTimestamp(now - 2 * DAY) };
    expect(planSync({ ...base, needsSnapshots: true, state: recent, now }).snapshot).toBe(false);
    expect(planSync({ ...base, needsSnapshots: true, snapshotIntervalDays: 0, state, now }).snapshot).toBe(false);
  });
  it("full refresh always reads the whole table", () => {
    expect(planSync({ ...base, incremental: false, state: { version: 1, cursor: "2026-05-31T10:00:00Z" }, now })).toMatchObject({ from: undefined, snapshot: true });
  });
});

describe("nextCursor", () => {
  it("advances to the highest updated_at emitted, capped at the sync start", () => {
    expect(nextCursor(undefined, "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z")).toBe("2026-05-01T00:00:00Z");
    expect(nextCursor(undefined, "2026-07-01T00:00:00Z", "2026-06-01T00:00:00Z")).toBe("2026-06-01T00:00:00Z");
  });
  it("never moves backwards and keeps the old cursor when nothing was read", () => {
    expect(nextCursor("2026-05-10T00:00:00Z", "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z")).toBe("2026-05-10T00:00:00Z");
    expect(nextCursor("2026-05-10T00:00:00Z", undefined, "2026-06-01T00:00:00Z")).toBe("2026-05-10T00:00:00Z");
  });
});

describe("parseTableState", () => {
  it("accepts the current version and converts a bare cursor", () => {
    expect(parseTableState({ version: 1, cursor: "2026-01-01T00:00:00Z" }).state).toEqual({ version: 1, cursor: "2026-01-01T00:00:00Z" });
    expect(parseTableState({ updated_at: "2026-01-01T00:00:00Z" }).state).toEqual({ version: 1, cursor: "2026-01-01T00:00:00Z" });
  });
  it("starts fresh on the CDK's end-of-full-refresh sentinel, null and {}", () => {
    for (const raw of [{ __ab_no_cursor_state_message: true }, null, undefined, {}]) {
      expect(parseTableState(raw)).toEqual({ state: { version: 1 } });
    }
  });
  it("says why when it cannot use a state", () => {
    expect(parseTableState({ version: 99 }).note).toMatch(/unknown shape/);
    expect(parseTableState("x").note).toMatch(/not an object/);
  });
});

describe("withWindow", () => {
  const col = (ops: string[]) => ({ name: "updated_at", label: "Updated", dataType: "TIMESTAMP", supportedOperators: ops });
  it("adds gte to the user's filters", () => {
    expect(withWindow({ currency: { eq: "NOK" } }, col(["gte", "lte", "between"]), "2026-01-01T00:00:00Z")).toEqual({
      currency: { eq: "NOK" },
      updated_at: { gte: "2026-01-01T00:00:00Z" },
    });
  });
  it("keeps a later user lower bound and turns gte+lte into between", () => {
    const f = withWindow({ updated_at: { gte: "2026-03-01T00:00:00Z", lte: "2026-04-01T00:00:00Z" } }, col(["gte", "lte", "between"]), "2026-01-01T00:00:00Z");
    expect(f).toEqual({ updated_at: { between: ["2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"] } });
  });
  it("uses between when gte is not offered, and refuses when neither is", () => {
    expect(withWindow(undefined, col(["between"]), "2026-01-01T00:00:00Z")).toEqual({ updated_at: { between: ["2026-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] } });
    expect(() => withWindow(undefined, col(["eq"]), "2026-01-01T00:00:00Z")).toThrow(/use full_refresh/);
  });
  it("leaves filters alone for a full read", () => {
    expect(withWindow(undefined, col(["gte"]), undefined)).toBeUndefined();
  });
});
