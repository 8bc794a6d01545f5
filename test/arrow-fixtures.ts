/**
 * Test fixtures: one logical set of spend-like rows, as Arrow tables (every Arrow type of api §14)
 * and as the objects a rows page would carry, plus real Parquet files written with parquet-wasm.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Bool, Data, DateDay, Decimal, Dictionary, Field, Float64, Int32, Int64, LargeUtf8, List, Table, TimestampMicrosecond,
  TimestampMillisecond, TimestampNanosecond, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type DataType,
  type Vector,
} from "apache-arrow";
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from "parquet-wasm";
import { JsonNumber } from "../streams/encode/json-lossless.js";
import type { OutputColumn } from "../streams/encode/record-serializer.js";

export interface Logical {
  id: string | null;
  note: string | null; // large_utf8
  cat: string | null; // dictionary
  qty: number | null; // int32
  big: bigint | null; // int64
  amount: number | null; // float64
  dec: bigint | null; // decimal(38,9) unscaled
  day: number | null; // date32 (days)
  ts_ms: bigint | null; // ms, UTC zone
  ts_us: bigint | null; // µs, naive
  ts_ns: bigint | null; // ns, UTC zone
  ok: boolean | null;
  tags: (string | null)[] | null;
}

export const COLUMNS: OutputColumn[] = [
  { key: "id", source: "id", dataType: "STRING" },
  { key: "note", source: "note", dataType: "STRING" },
  { key: "cat", source: "cat", dataType: "STRING" },
  { key: "qty", source: "qty", dataType: "NUMBER" },
  { key: "big", source: "big", dataType: "NUMBER" },
  { key: "amount", source: "amount", dataType: "MONETARY_AMOUNT" },
  { key: "dec", source: "dec", dataType: "MONETARY_AMOUNT" },
  { key: "day", source: "day", dataType: "DATE" },
  { key: "ts_ms", source: "ts_ms", dataType: "TIMESTAMP" },
  { key: "ts_us", source: "ts_us", dataType: "TIMESTAMP" },
  { key: "ts_ns", source: "ts_ns", dataType: "TIMESTAMP" },
  { key: "ok", source: "ok", dataType: "BOOL" },
  { key: "tags", source: "tags", dataType: "STRING_ARRAY" },
];

const CATS = ["Office", "IT «hardware»", 'Say "hi"', "Reise/Opphold ✈"];
const NOTES = ["plain", 'quote " and \\ backslash', "line\nbreak\ttab\u0001ctl", "Ærlig øl på Ålesund 北京 🎉", "", "/slash"];

/** Deterministic rows; row 0 is the all-nulls row, rows 1..6 the edge cases, the rest regular. */
export function logicalRows(n: number): Logical[] {
  const rows: Logical[] = [];
  const nulls: Logical = {
    id: null, note: null, cat: null, qty: null, big: null, amount: null, dec: null, day: null,
    ts_ms: null, ts_us: null, ts_ns: null, ok: null, tags: null,
  };
  for (let i = 0; i < n; i++) {
    if (i === 0) {
      rows.push({ ...nulls });
      continue;
    }
    rows.push({
      id: `S-${String(i).padStart(6, "0")}`,
      note: NOTES[i % NOTES.length]!,
      cat: i % 7 === 3 ? null : CATS[i % CATS.length]!,
      qty: i % 5 === 0 ? -i : i,
      big: i === 1 ? 2n ** 60n + 1n : i === 2 ? -(2n ** 55n) - 3n : BigInt(i) * 1000003n,
      amount: i === 1 ? -0 : i === 2 ? 1e-7 : i === 3 ? 12345678.125 : i % 11 === 0 ? null : (i * 137) / 100 - 50,
      dec: i === 1 ? 123456789012345678901234n : i === 2 ? -1n : i === 3 ? 5_000_000_000n : BigInt(i) * 10_000_000n + 7n,
      day: i === 1 ? -25567 : i === 2 ? 0 : i === 3 ? 2932896 : 19000 + i,
      ts_ms: i === 1 ? -1n : BigInt(1768472430000 + i * 1001),
      ts_us: i === 2 ? 0n : BigInt(1768472430000000 + i * 1000123),
      ts_ns: i === 4 ? null : BigInt(1768472430000000000n) + BigInt(i) * 1000000007n,
      ok: i % 3 === 0 ? null : i % 2 === 0,
      tags: i % 4 === 0 ? null : i % 4 === 1 ? [] : i % 4 === 2 ? ["a", 'b"q', null] : ["ÆØÅ", "x\\y"],
    });
  }
  // A NaN amount only the Arrow side can carry; objects carry it too (JS rows built in memory).
  if (n > 5) rows[5]!.amount = NaN;
  return rows;
}

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const bm = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) nullCount++;
    else bm[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap: bm, nullCount };
}

function int64Data<T extends DataType>(type: T, values: (bigint | null)[]): Data<T> {
  const data = BigInt64Array.from(values, (v) => v ?? 0n);
  return makeData({ type, length: values.length, data, ...validity(values) } as never) as Data<T>;
}

function decimalData(values: (bigint | null)[]): Data<Decimal> {
  const words = new Uint32Array(values.length * 4);
  values.forEach((v, i) => {
    let x = BigInt.asUintN(128, v ?? 0n);
    for (let k = 0; k < 4; k++, x >>= 32n) words[4 * i + k] = Number(x & 0xffffffffn);
  });
  return makeData({ type: new Decimal(9, 38, 128), length: values.length, data: words, ...validity(values) });
}

export function arrowTable(rows: Logical[]): Table {
  const col = <K extends keyof Logical>(k: K): Logical[K][] => rows.map((r) => r[k]);
  const vectors: Record<string, Vector> = {
    id: vectorFromArray(col("id"), new Utf8()),
    note: vectorFromArray(col("note"), new LargeUtf8()),
    cat: vectorFromArray(col("cat"), new Dictionary(new Utf8(), new Int32())),
    qty: vectorFromArray(col("qty"), new Int32()),
    big: makeVector(int64Data(new Int64(), col("big"))),
    amount: vectorFromArray(col("amount"), new Float64()),
    dec: makeVector(decimalData(col("dec"))),
    day: makeVector(makeData({ type: new DateDay(), length: rows.length, data: Int32Array.from(col("day"), (d) => d ?? 0), ...validity(col("day")) })),
    ts_ms: makeVector(int64Data(new TimestampMillisecond("UTC"), col("ts_ms"))),
    ts_us: makeVector(int64Data(new TimestampMicrosecond(), col("ts_us"))),
    ts_ns: makeVector(int64Data(new TimestampNanosecond("+00:00"), col("ts_ns"))),
    ok: vectorFromArray(col("ok"), new Bool()),
    tags: vectorFromArray(col("tags"), new List(new Field("item", new Utf8(), true))),
  };
  return new Table(vectors);
}

// ------------------------------------------------------------ the rows-page form of the same rows

function isoFromUnits(v: bigint, perSec: bigint, digits: number, style: number): string {
  let secs = v / perSec;
  let frac = v % perSec;
  if (frac < 0n) {
    frac += perSec;
    secs -= 1n;
  }
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  const f = digits === 0 ? "" : "." + frac.toString().padStart(digits, "0");
  // RFC 3339 UTC with the unit's digits, or the same zone-less (UTC wall time; with T or a space), which
  // the writer completes with Z: each comes out as the Arrow value does. (A value with an offset is
  // written as sent, so it is no part of this parity.)
  if (style === 0) return base + f + "Z";
  if (style === 1) return base.replace("T", " ") + f;
  return base + f;
}

function decimalText(v: bigint, scale: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, "0");
  return (neg ? "-" : "") + digits.slice(0, -scale) + "." + digits.slice(-scale);
}

/**
 * The decimal as the API would write what Arrow writes for decimal(38,9) (fraction trimmed). Even rows:
 * as text (a decimal sent as a string); odd rows: as a number literal (a double when it prints the
 * same, else the literal as the lossless parse keeps it).
 */
function decimalObject(v: bigint, i: number): string | number | JsonNumber {
  const text = decimalText(v, 9).replace(/0+$/, "").replace(/\.$/, "");
  if (i % 2 === 0) return text;
  return String(Number(text)) === text ? Number(text) : new JsonNumber(text);
}

/** What a rows page carries for the same row (strings for times and big decimals, as JSON allows). */
export function objectRow(r: Logical, i: number): Record<string, unknown> {
  const day = r.day === null ? null : new Date(r.day * 86400000).toISOString().slice(0, 10);
  return {
    id: r.id,
    note: r.note,
    cat: r.cat,
    qty: r.qty,
    big: r.big,
    amount: r.amount,
    dec: r.dec === null ? null : decimalObject(r.dec, i),
    day,
    ts_ms: r.ts_ms === null ? null : isoFromUnits(r.ts_ms, 1000n, 3, i % 3),
    ts_us: r.ts_us === null ? null : isoFromUnits(r.ts_us, 1000000n, 6, (i + 1) % 3),
    ts_ns: r.ts_ns === null ? null : isoFromUnits(r.ts_ns, 1000000000n, 9, (i + 2) % 3),
    ok: r.ok,
    tags: r.tags,
  };
}

// ------------------------------------------------------------ Parquet files

export const CODECS = {
  uncompressed: Compression.UNCOMPRESSED,
  snappy: Compression.SNAPPY,
  zstd: Compression.ZSTD,
  gzip: Compression.GZIP,
} as const;

export function parquetBytes(table: Table, codec: keyof typeof CODECS, rowGroupRows: number): Uint8Array {
  const props = new WriterPropertiesBuilder().setCompression(CODECS[codec]).setMaxRowGroupSize(rowGroupRows).build();
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, "stream")), props);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "ignite-decode-"));
}

export function writeParquetFile(dir: string, name: string, table: Table, codec: keyof typeof CODECS, rowGroupRows: number): string {
  const path = join(dir, name);
  writeFileSync(path, parquetBytes(table, codec, rowGroupRows));
  return path;
}
