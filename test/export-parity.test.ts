/**
 * Given the simulator serving each Parquet and JSON form of §14, when the built CLI reads all five tables
 * through exports, then the records are exactly those of a rows read of the same API (byte for byte,
 * sorted by key). The timestamp unit and zone and wide numbers change what the rows endpoint sends too
 * (the API stores values one way), so each such wire form gets its own rows read.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startSimulator, type Simulator, type Variant } from "../simulator/index.js";
import type { CliResult } from "./helpers/cli.js";
import { expectSameRecords, privateTmp, readOk, TABLES } from "./export-helpers.js";
import { logLines } from "./helpers/protocol.js";

let sim: Simulator;
let rows: CliResult;
const tmp = privateTmp();
const rowsReads = new Map<string, CliResult>();

/** The rows read of the API as the current variant sends it (timestamp unit and zone, wide numbers). */
async function rowsRead(variant: Partial<Variant>): Promise<CliResult> {
  const key = JSON.stringify([variant.timestampUnit ?? "ms", variant.timestampZone ?? true, variant.wideNumbers ?? false]);
  let result = rowsReads.get(key);
  if (result === undefined) {
    result = await readOk({ sim, streams: TABLES, config: { read_mode: "rows", page_size: 500 } });
    rowsReads.set(key, result);
  }
  return result;
}

beforeAll(async () => {
  // Several files per export and several row groups per file, so ordering and batching are exercised.
  sim = await startSimulator({ seed: 11, rows: { spend: 1800, suppliers: 260, contracts: 210 }, maxFileRows: 700, exportDelayMs: 100 });
  rows = await rowsRead({});
}, 180_000);
afterAll(async () => {
  await sim?.close();
  tmp.remove();
});

const PARQUET: Partial<Variant>[] = [
  { parquetCompression: "snappy", timestampUnit: "ms", timestampZone: true, monetaryAs: "double", dictionaryStrings: false, rowGroupRows: 256 },
  { parquetCompression: "zstd", timestampUnit: "us", timestampZone: false, monetaryAs: "decimal", dictionaryStrings: true, rowGroupRows: 300 },
  { parquetCompression: "gzip", timestampUnit: "ns", timestampZone: true, monetaryAs: "decimal", int64Columns: true, rowGroupRows: 1000 },
  { parquetCompression: "none", timestampUnit: "ns", timestampZone: false, monetaryAs: "double", dictionaryStrings: true, int64Columns: true },
  { parquetCompression: "snappy", timestampUnit: "us", timestampZone: true, fileOrder: "shuffled" },
  { parquetCompression: "zstd", timestampUnit: "ms", timestampZone: false, monetaryAs: "decimal" },
  { parquetCompression: "snappy", timestampUnit: "us", timestampZone: false, wideNumbers: true, rowGroupRows: 500 },
];
const JSON_FORMS: Partial<Variant>[] = [
  { jsonLayout: "ndjson", gzip: "none" },
  { jsonLayout: "array", gzip: "header" },
  { jsonLayout: "data", gzip: "name" },
  { jsonLayout: "ndjson", gzip: "magic", fileOrder: "shuffled" },
  { jsonLayout: "array", gzip: "none" },
  { jsonLayout: "data", gzip: "magic" },
  { jsonLayout: "ndjson", gzip: "none", timestampUnit: "ns", timestampZone: false, wideNumbers: true },
];
const RESET: Partial<Variant> = {
  parquetCompression: "snappy", timestampUnit: "ms", timestampZone: true, monetaryAs: "double", dictionaryStrings: false, int64Columns: false,
  wideNumbers: false, rowGroupRows: 100_000, fileOrder: "given", jsonLayout: "ndjson", gzip: "none",
};

describe("export reads return exactly the rows-path records", () => {
  for (const variant of PARQUET) {
    test(`parquet ${JSON.stringify(variant)}`, async () => {
      sim.setVariant({ ...RESET, ...variant });
      const result = await readOk({ sim, streams: TABLES, tmp: tmp.dir });
      expectSameRecords(result, await rowsRead(variant), TABLES);
      expect(logLines(result.messages).some((l) => /export \S+ created \(parquet/.test(l))).toBe(true);
      expect(tmp.leftovers()).toEqual([]);
    }, 120_000);
  }
  for (const variant of JSON_FORMS) {
    test(`json ${JSON.stringify(variant)}`, async () => {
      sim.setVariant({ ...RESET, ...variant });
      const result = await readOk({ sim, streams: TABLES, config: { export_format: "json" }, tmp: tmp.dir });
      expectSameRecords(result, await rowsRead(variant), TABLES);
      expect(logLines(result.messages).some((l) => /export \S+ created \(json/.test(l))).toBe(true);
      expect(tmp.leftovers()).toEqual([]);
    }, 120_000);
  }

  test("column_keys label: Parquet and JSON exports key records like the rows path does", async () => {
    sim.setVariant(RESET);
    const streams = ["suppliers", "spend"];
    const config = { column_keys: "label" };
    const byRows = await readOk({ sim, streams, config: { ...config, read_mode: "rows" } });
    const names = new Set(sim.tables().flatMap((t) => t.columns.map((c) => c.name)));
    const keys = Object.keys((byRows.messages.find((m) => m.type === "RECORD") as { record: { data: object } }).record.data);
    expect(keys.filter((k) => !names.has(k)).length).toBeGreaterThan(3); // labels, not names
    for (const format of ["parquet", "json"]) {
      const result = await readOk({ sim, streams, config: { ...config, export_format: format }, tmp: tmp.dir });
      expectSameRecords(result, byRows, streams);
    }
  }, 120_000);

  test("the rows read really is the rows path and the export reads never sent the token to a download URL", () => {
    expect(logLines(rows.messages).some((l) => /created \(/.test(l))).toBe(false);
    expect(sim.counters()["download"] ?? 0).toBeGreaterThan(0);
    expect(sim.counters()["download:authorizationHeader"] ?? 0).toBe(0);
  });
});
