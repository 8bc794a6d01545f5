import { Dictionary, Int32, RecordBatch, Table, Utf8, vectorFromArray } from "apache-arrow";
import { describe, expect, test } from "vitest";
import { maxTimestampText } from "../streams/export/parquet/arrow-cursor.js";
import { choosePath } from "../streams/table-read.js";
import { findFile, naturalCompare, orderFiles } from "../streams/export/export-files.js";
import { estimatedBytes, failureMessage, parseDownloadList, phaseOf } from "../streams/export/export-status.js";
import { arrowTable, logicalRows } from "./arrow-fixtures.js";

describe("status words", () => {
  test.each([
    ["queued", "waiting"], ["PENDING", "waiting"], ["Running", "running"], ["in_progress", "running"], ["IN-PROGRESS", "running"],
    ["processing", "running"], ["succeeded", "ready"], ["SUCCESS", "ready"], ["Completed", "ready"], ["done", "ready"],
    ["failed", "failed"], ["Error", "failed"], ["cancelled", "failed"], ["CANCELED", "failed"], ["expired", "failed"],
    ["archiving", "unknown"], ["", "unknown"], ["constructor", "unknown"],
  ])("%s → %s", (word, phase) => expect(phaseOf(word)).toBe(phase));

  test("failure message from message, error text or nested error", () => {
    expect(failureMessage({ error: "export_failed", message: "disk full" })).toBe("disk full");
    expect(failureMessage({ error: "quota exceeded" })).toBe("quota exceeded");
    expect(failureMessage({ error: { code: "x", message: "nested reason" } })).toBe("nested reason");
    expect(failureMessage({})).toBe("no reason given");
  });

  test("estimatedBytesProcessed as number or numeric string", () => {
    expect(estimatedBytes({ estimatedBytesProcessed: 123456789 })).toBe(123456789);
    expect(estimatedBytes({ estimatedBytesProcessed: "42" })).toBe(42);
    expect(estimatedBytes({ estimatedBytesProcessed: "n/a" })).toBeUndefined();
  });
});

describe("download lists", () => {
  const u = (n: number): string => `https://dl.example/downloads/sig${n}/part-0000${n}.parquet?X-Sig=abc`;
  test("every §14 shape gives the same files, unknown fields ignored", () => {
    const names = ["part-00001.parquet", "part-00002.parquet"];
    const shapes = [
      { files: [{ url: u(1), name: names[0], sizeBytes: 10, rowCount: 3, expiresAt: "x", md5: null }, { url: u(2), name: names[1], sizeBytes: 20, rowCount: 4 }] },
      { files: [{ downloadUrl: u(1), name: names[0] }, { downloadUrl: u(2), name: names[1] }] },
      { files: [{ href: u(1) }, { href: u(2) }], region: "eu" },
      { files: [u(1), u(2)] },
      { downloadUrls: [u(1), u(2)] },
      { urls: [u(1), u(2)] },
    ];
    for (const body of shapes) {
      const files = parseDownloadList(body)!;
      expect(files.map((f) => f.url)).toEqual([u(1), u(2)]);
      expect(files.map((f) => f.name)).toEqual(names);
    }
    expect(parseDownloadList(shapes[0]!)![1]).toMatchObject({ sizeBytes: 20, rowCount: 4 });
    expect(parseDownloadList({ status: "succeeded" })).toBeUndefined();
    expect(parseDownloadList({ files: [] })).toEqual([]);
  });
});

describe("file order", () => {
  const f = (name: string) => ({ url: `https://x/${name}`, name });
  test("numeric parts sort by value when the list is unordered; an ordered list is kept", () => {
    const shuffled = ["part-10.json", "part-2.json", "part-00001.json", "part-3.json"].map(f);
    expect(orderFiles(shuffled).map((x) => x.name)).toEqual(["part-00001.json", "part-2.json", "part-3.json", "part-10.json"]);
    const given = ["b-1", "b-2", "b-10"].map(f);
    expect(orderFiles(given).map((x) => x.name)).toEqual(["b-1", "b-2", "b-10"]);
    const plain = ["zeta.json", "alpha.json"].map(f);
    expect(orderFiles(plain).map((x) => x.name)).toEqual(["zeta.json", "alpha.json"]);
    expect(naturalCompare("a9b", "a10a")).toBeLessThan(0);
  });

  test("a file is found again by name in a reordered listing", () => {
    const first = ["p-1", "p-2", "p-3"].map(f);
    expect(findFile(first, 1, "p-2")).toEqual({ file: first[1], index: 1 });
    expect(findFile([first[2]!, first[0]!, first[1]!], 1, "p-2")?.file.name).toBe("p-2");
    expect(findFile(first, 5, undefined)).toBeUndefined();
  });
});

describe("max updated_at of an Arrow batch", () => {
  const rows = logicalRows(50);
  const batch: RecordBatch = arrowTable(rows).batches[0]!;
  /** The highest raw value as UTC text with the unit's digits (a BigInt oracle, independent of the writer). */
  const expectText = (values: (bigint | null)[], perSec: bigint, digits: number, from = 0): string => {
    let max: bigint | undefined;
    for (const v of values.slice(from)) if (v !== null && (max === undefined || v > max)) max = v;
    let secs = max! / perSec, frac = max! % perSec;
    if (frac < 0n) {
      frac += perSec;
      secs -= 1n;
    }
    return `${new Date(Number(secs) * 1000).toISOString().slice(0, 19)}${digits === 0 ? "" : `.${frac.toString().padStart(digits, "0")}`}Z`;
  };
  test("ms with zone, µs without zone, ns with nulls: the highest value, written as its record writes it (unit digits, full precision)", () => {
    expect(maxTimestampText(batch, "ts_ms")).toBe(expectText(rows.map((r) => r.ts_ms), 1000n, 3));
    expect(maxTimestampText(batch, "ts_us")).toBe(expectText(rows.map((r) => r.ts_us), 1_000_000n, 6));
    expect(maxTimestampText(batch, "ts_ns")).toBe(expectText(rows.map((r) => r.ts_ns), 1_000_000_000n, 9));
    expect(maxTimestampText(batch, "ts_ns")).toMatch(/\.\d{9}Z$/);
  });

  test("startRow and slices are honoured; missing column and all-null give undefined", () => {
    expect(maxTimestampText(batch, "ts_ms", 49)).toBe(expectText([rows[49]!.ts_ms], 1000n, 3));
    expect(maxTimestampText(batch.slice(10, 20), "ts_us")).toBe(expectText(rows.slice(10, 20).map((r) => r.ts_us), 1_000_000n, 6));
    expect(maxTimestampText(batch, "nope")).toBeUndefined();
    const allNull = new Table(arrowTable([rows[0]!]).batches).batches[0]!;
    expect(maxTimestampText(allNull, "ts_ms")).toBeUndefined();
  });

  test("timestamps stored as text (plain or dictionary) are read as UTC when zone-less, offsets honoured, text kept as sent", () => {
    // Read as local time in New York, the zone-less value would be the highest.
    const values = ["2026-01-01T00:00:00Z", null, "2026-03-01T00:00:00.50Z", "2026-03-01T00:00:00.4", "2026-03-01T01:00:00.9+02:00", "2025-12-31T23:00:00+00:00", "not a time"];
    const text = new Table({
      u: vectorFromArray(values, new Utf8()),
      d: vectorFromArray(values, new Dictionary(new Utf8(), new Int32())),
    }).batches[0]!;
    expect(maxTimestampText(text, "u")).toBe("2026-03-01T00:00:00.50Z");
    expect(maxTimestampText(text, "d")).toBe("2026-03-01T00:00:00.50Z");
  });
});

describe("read path choice", () => {
  const at = "2026-01-01T00:00:00Z";
  const rowsPos = { path: "rows", request: "r", page_token: "t", token_issued_at: at } as const;
  const exportPos = { path: "export", request: "r", export_id: "e", entity: "spend", created_at: at, file_index: 0, row_offset: 0 } as const;
  test.each([
    ["auto", { started_at: at, snapshot: true }, "export"], // full refresh, first incremental sync, periodic snapshot
    ["auto", { started_at: at, snapshot: false }, "rows"], // later incremental syncs
    ["auto", { started_at: at, snapshot: true, position: rowsPos }, "rows"], // a resumed sync stays on its path
    ["auto", { started_at: at, snapshot: false, position: exportPos }, "export"],
    ["rows", { started_at: at, snapshot: true, position: exportPos }, "rows"], // a forced mode wins
    ["export", { started_at: at, snapshot: false }, "export"],
  ] as const)("%s with %j → %s", (mode, sync, path) => expect(choosePath(mode, sync)).toBe(path));
});
