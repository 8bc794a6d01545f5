/**
 * The one timestamp reader (streams/encode/timestamps.ts): API and state text → instant and record text, with no
 * local time anywhere. These tests mean most when the process runs under a non-UTC TZ (the suite is run
 * under TZ=America/New_York too); the zone-less cases below would differ by hours there if anything went
 * through Date.parse.
 */
import { describe, expect, it } from "vitest";
import { SyncTracker } from "../streams/sync/sync-tracker.js";
import { nextCursor, planSync } from "../streams/sync/sync-window.js";
import { compareInstants, formatInstant, laterTimestamp, MaxTimestamp, parseTimestamp, timestampMs, timestampText } from "../streams/encode/timestamps.js";

const utcMs = (iso: string): number => new Date(iso).getTime(); // ISO with Z only: never local time

describe("parseTimestamp", () => {
  it("reads zone-less text as UTC, honours offsets, and keeps the digits below the millisecond", () => {
    expect(parseTimestamp("2024-10-06T01:45:01.980")).toEqual({ ms: utcMs("2024-10-06T01:45:01.980Z"), ns: 0 });
    expect(parseTimestamp("2024-10-06 01:45")).toEqual({ ms: utcMs("2024-10-06T01:45:00Z"), ns: 0 });
    expect(parseTimestamp("2024-10-06T03:45:01.5+02:00")).toEqual({ ms: utcMs("2024-10-06T01:45:01.500Z"), ns: 0 });
    expect(parseTimestamp("2024-10-05T21:15:01-0430")).toEqual({ ms: utcMs("2024-10-06T01:45:01Z"), ns: 0 });
    expect(parseTimestamp("2024-10-06T01:45:01.123456789Z")).toEqual({ ms: utcMs("2024-10-06T01:45:01.123Z"), ns: 456789 });
    expect(parseTimestamp("2024-10-06t01:45:01.1234567891234z")).toEqual({ ms: utcMs("2024-10-06T01:45:01.123Z"), ns: 456789 });
    expect(parseTimestamp("1969-12-31T23:59:59.999999Z")).toEqual({ ms: -1, ns: 999000 });
    const year1 = new Date(0);
    year1.setUTCFullYear(1, 0, 1);
    expect(parseTimestamp("0001-01-01T00:00:00Z")!.ms).toBe(year1.getTime());
  });

  it("is the same under any TZ: the zone-less instant equals its Z twin, not the local reading", () => {
    const local = new Date(2024, 9, 6, 1, 45, 1, 980); // what Date.parse would say in this process's TZ
    const ms = timestampMs("2024-10-06T01:45:01.980");
    expect(ms).toBe(Date.UTC(2024, 9, 6, 1, 45, 1, 980));
    if (local.getTimezoneOffset() !== 0) expect(ms).not.toBe(local.getTime());
  });

  it("refuses what is no timestamp: other shapes, impossible dates and times, leap seconds", () => {
    for (const bad of ["", "2024-10-06", "2024-10-06T01", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-10-06T24:00:00Z", "2024-10-06T23:59:60Z", "2024-10-06T01:45:01+24:00", "2024-10-06T01:45:01.Z", "06/10/2024 01:45", "not a time", "+002024-10-06T01:45:01Z"]) {
      expect(parseTimestamp(bad), bad).toBeUndefined();
      expect(timestampMs(bad), bad).toBeNaN();
    }
    expect(parseTimestamp("2024-02-29T00:00:00Z")).toBeDefined();
  });
});

describe("timestampText: what a record carries", () => {
  it("RFC 3339 with Z or an offset is written as sent, whatever its fraction", () => {
    for (const t of ["2024-10-06T01:45:01.980Z", "2024-10-06T01:45:01.900Z", "2024-10-06T01:45:01.000Z", "2024-10-06T01:45:01Z", "2024-10-06T03:45:01.98+02:00", "2024-10-06t01:45:01z", "2024-10-06T01:45:01.123456789012Z", "2024-10-06T01:45:01-00:00"]) {
      expect(timestampText(t)).toBe(t);
    }
  });
  it("other readable forms are completed, never converted: zone-less gets Z, digits stay", () => {
    expect(timestampText("2024-10-06T01:45:01.980")).toBe("2024-10-06T01:45:01.980Z");
    expect(timestampText("2024-10-06 01:45:01.98")).toBe("2024-10-06T01:45:01.98Z");
    expect(timestampText("2024-10-06T01:45")).toBe("2024-10-06T01:45:00Z");
    expect(timestampText("2024-10-06T03:45:01,5+0200")).toBe("2024-10-06T03:45:01.5+02:00");
    expect(timestampText("2024-10-06T03:45:01+02")).toBe("2024-10-06T03:45:01+02:00");
    expect(timestampText("2024-10-06 01:45:01Z")).toBe("2024-10-06T01:45:01Z");
  });
  it("anything else is no timestamp (the writer then keeps it as sent)", () => {
    expect(timestampText("2024-02-30T00:00:00")).toBeUndefined();
    expect(timestampText("soon")).toBeUndefined();
  });
});

describe("ordering and cursors at full precision", () => {
  it("orders by milliseconds, then by the digits below", () => {
    const a = parseTimestamp("2024-10-06T01:45:01.980123Z")!, b = parseTimestamp("2024-10-06T01:45:01.980124Z")!;
    expect(compareInstants(a, b)).toBeLessThan(0);
    expect(compareInstants(b, parseTimestamp("2024-10-06T03:45:01.980124+02:00")!)).toBe(0);
    expect(laterTimestamp("2024-10-06T01:45:01.980123Z", "2024-10-06T01:45:01.980124")).toBe("2024-10-06T01:45:01.980124");
    expect(laterTimestamp("2024-10-06T01:45:01.98Z", "2024-10-06T01:45:01.980Z")).toBe("2024-10-06T01:45:01.98Z"); // a tie keeps the first
    expect(laterTimestamp("nope", "2024-10-06T01:45:01Z")).toBe("2024-10-06T01:45:01Z");
  });

  it("the highest value is kept as records carry it; a zone-less one that local time would rank first does not win", () => {
    const max = new MaxTimestamp();
    for (const t of ["2024-10-06T01:45:01.980Z", "2024-10-06T01:45:01.9", "garbage", "2024-10-06T03:45:01.981+02:00", "2024-10-06T01:45:01.98Z"]) max.offer(t);
    expect(max.text).toBe("2024-10-06T03:45:01.981+02:00");
    const zoneless = new MaxTimestamp();
    for (const t of ["2024-10-06T01:45:01.980Z", "2024-10-06T00:45:01.990"]) zoneless.offer(t);
    expect(zoneless.text).toBe("2024-10-06T01:45:01.980Z");
    zoneless.offer("2024-10-06T01:45:01.980000001");
    expect(zoneless.text).toBe("2024-10-06T01:45:01.980000001Z");
  });

  it("state keeps the cursor's text: max_seen, the completed cursor and the next window's gte are that exact value", () => {
    const tracker = new SyncTracker({ version: 1 }, { started_at: "2026-06-01T00:00:00Z", snapshot: false });
    tracker.observeMax("2026-05-01T10:00:00.123456");
    tracker.observeMax("2026-05-01T10:00:00.123455Z");
    const checkpoint = tracker.checkpoint({ path: "rows", request: "r", page_token: "t", token_issued_at: "2026-06-01T00:00:01Z" });
    expect((checkpoint.state["sync"] as { max_seen: string }).max_seen).toBe("2026-05-01T10:00:00.123456Z");
    const done = tracker.complete(utcMs("2026-06-01T00:05:00Z")).state as { cursor: string };
    expect(done.cursor).toBe("2026-05-01T10:00:00.123456Z");
    const window = { incremental: true, needsSnapshots: false, startDate: undefined, snapshotIntervalDays: 7, now: utcMs("2026-06-02T00:00:00Z") };
    expect(planSync({ ...window, lookbackMs: 0, state: { version: 1, cursor: done.cursor } }).from).toBe("2026-05-01T10:00:00.123456Z");
    expect(planSync({ ...window, lookbackMs: 3_600_000, state: { version: 1, cursor: done.cursor } }).from).toBe("2026-05-01T09:00:00.123456Z");
    expect(planSync({ ...window, lookbackMs: 0.5, state: { version: 1, cursor: "2026-05-01T10:00:00Z" } }).from).toBe("2026-05-01T09:59:59.999500Z");
    // A resumed sync reads its saved max_seen with the same reader.
    const resumed = new SyncTracker({ version: 1 }, { started_at: "2026-06-01T00:00:00Z", snapshot: false, max_seen: "2026-05-01T10:00:00.123456Z" });
    resumed.observeMax("2026-05-01T10:00:00.123");
    expect((resumed.complete(utcMs("2026-06-01T00:05:00Z")).state as { cursor: string }).cursor).toBe("2026-05-01T10:00:00.123456Z");
  });

  it("the cursor never passes the sync's start, and a state cursor that is no timestamp starts over", () => {
    expect(nextCursor(undefined, "2026-06-01T00:00:00.000001Z", "2026-06-01T00:00:00Z")).toBe("2026-06-01T00:00:00Z");
    expect(nextCursor("2026-05-01T00:00:00.5Z", "2026-05-01T00:00:00.500001Z", "2026-06-01T00:00:00Z")).toBe("2026-05-01T00:00:00.500001Z");
    const plan = planSync({ incremental: true, needsSnapshots: false, startDate: undefined, lookbackMs: 0, snapshotIntervalDays: 7, now: 0, state: { version: 1, cursor: "yesterday" } });
    expect(plan).toMatchObject({ from: undefined, snapshot: true });
    expect(plan.reason).toMatch(/not a timestamp/);
  });

  it("formats made-up bounds in UTC with only the digits they need", () => {
    expect(formatInstant({ ms: utcMs("2026-05-01T10:00:00Z"), ns: 0 })).toBe("2026-05-01T10:00:00Z");
    expect(formatInstant({ ms: utcMs("2026-05-01T10:00:00.120Z"), ns: 0 })).toBe("2026-05-01T10:00:00.120Z");
    expect(formatInstant({ ms: utcMs("2026-05-01T10:00:00Z"), ns: 456000 })).toBe("2026-05-01T10:00:00.000456Z");
    expect(formatInstant({ ms: utcMs("2026-05-01T10:00:00Z"), ns: 456789 })).toBe("2026-05-01T10:00:00.000456789Z");
  });
});
