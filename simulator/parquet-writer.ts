/**
 * Export Parquet files: wire-form rows → Arrow columns (types per §14 and the variant) → parquet-wasm.
 * Columns are built one row group at a time from a row iterator, so only one file's Arrow data is ever
 * held (files are capped at maxFileRows), never the row objects of a whole export.
 */
import {
  Bool,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeUnit,
  Timestamp,
  Utf8,
  makeBuilder,
  makeData,
  tableToIPC,
  type Data,
  type DataType,
} from "apache-arrow";
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from "parquet-wasm";
import type { ColumnDef } from "./data/schema.js";
import type { Variant } from "./variants.js";
import { dateToDays, decimalUnscaled } from "./values.js";

const UNIT: Record<Variant["timestampUnit"], { unit: TimeUnit; perMs: bigint }> = {
  ms: { unit: TimeUnit.MILLISECOND, perMs: 1n },
  us: { unit: TimeUnit.MICROSECOND, perMs: 1_000n },
  ns: { unit: TimeUnit.NANOSECOND, perMs: 1_000_000n },
};

const CODEC: Record<Variant["parquetCompression"], Compression> = {
  snappy: Compression.SNAPPY,
  zstd: Compression.ZSTD,
  gzip: Compression.GZIP,
  none: Compression.UNCOMPRESSED,
};

export function arrowType(col: ColumnDef, v: Variant): DataType {
  switch (col.dataType) {
    case "STRING":
      return v.dictionaryStrings ? new Dictionary(new Utf8(), new Int32()) : new Utf8();
    case "NUMBER":
      return v.int64Columns && col.integer ? new Int64() : new Float64();
    case "MONETARY_AMOUNT":
      return v.monetaryAs === "decimal" ? new Decimal(9, 38, 128) : new Float64();
    case "BOOL":
      return new Bool();
    case "DATE":
      return new DateDay();
    case "TIMESTAMP":
      return new Timestamp(UNIT[v.timestampUnit].unit, v.timestampZone ? "UTC" : null);
    case "STRING_ARRAY":
      return new List(new Field("item", new Utf8(), true));
    default:
      return new Utf8();
  }
}

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((x, i) => {
    if (x === null || x === undefined) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

/** One column of one row group from wire-form values. */
function columnData(col: ColumnDef, type: DataType, values: unknown[], v: Variant): Data {
  const length = values.length;
  const { nullBitmap, nullCount } = validity(values);
  if (type instanceof Timestamp) {
    const per = UNIT[v.timestampUnit].perMs;
    const data = new BigInt64Array(length);
    values.forEach((x, i) => {
      if (typeof x === "string") data[i] = BigInt(Date.parse(x)) * per;
    });
    return makeData({ type, length, nullCount, nullBitmap, data });
  }
  if (type instanceof DateDay) {
    const data = new Int32Array(length);
    values.forEach((x, i) => {
      if (typeof x === "string") data[i] = dateToDays(x);
    });
    return makeData({ type, length, nullCount, nullBitmap, data });
  }
  if (type instanceof Decimal) {
    const data = new Uint32Array(length * 4);
    const mask = 0xffffffffn;
    values.forEach((x, i) => {
      if (typeof x !== "number") return;
      let u = BigInt.asUintN(128, decimalUnscaled(x));
      for (let w = 0; w < 4; w++) {
        data[i * 4 + w] = Number(u & mask);
        u >>= 32n;
      }
    });
    return makeData({ type, length, nullCount, nullBitmap, data });
  }
  if (type instanceof Int64) {
    const data = new BigInt64Array(length);
    values.forEach((x, i) => {
      if (typeof x === "number") data[i] = BigInt(x);
    });
    return makeData({ type, length, nullCount, nullBitmap, data });
  }
  if (type instanceof Float64) {
    const data = new Float64Array(length);
    values.forEach((x, i) => {
      if (typeof x === "number") data[i] = x;
    });
    return makeData({ type, length, nullCount, nullBitmap, data });
  }
  const builder = makeBuilder({ type, nullValues: [null, undefined] });
  for (const x of values) builder.append(x as never);
  return builder.finish().flush();
}

export interface ParquetFileResult {
  rowCount: number;
  bytes: Uint8Array;
}

/**
 * Encodes up to `maxRows` rows pulled from `rows` into one Parquet file. Columns are converted one
 * row group at a time so row objects never accumulate.
 */
export function encodeParquet(
  columns: readonly ColumnDef[],
  rows: Iterator<Record<string, unknown>>,
  maxRows: number,
  v: Variant,
): ParquetFileResult | undefined {
  const fields = columns.map((c) => new Field(c.name, arrowType(c, v), true));
  const schema = new Schema(fields);
  const batches: RecordBatch[] = [];
  let total = 0;
  let done = false;
  while (!done && total < maxRows) {
    const groupSize = Math.min(v.rowGroupRows, maxRows - total);
    const cols: unknown[][] = columns.map(() => []);
    let n = 0;
    while (n < groupSize) {
      const next = rows.next();
      if (next.done) {
        done = true;
        break;
      }
      columns.forEach((c, k) => cols[k]!.push(next.value[c.name] ?? null));
      n++;
    }
    if (n === 0) break;
    const children = columns.map((c, k) => columnData(c, fields[k]!.type, cols[k]!, v));
    const structData = makeData({ type: new Struct(fields), length: n, nullCount: 0, children });
    batches.push(new RecordBatch(schema, structData));
    total += n;
  }
  if (total === 0) return undefined;
  const props = new WriterPropertiesBuilder()
    .setCompression(CODEC[v.parquetCompression])
    .setMaxRowGroupSize(v.rowGroupRows)
    .setDictionaryEnabled(v.dictionaryStrings)
    .build();
  const table = new Table(schema, batches);
  const bytes = writeParquet(WasmTable.fromIPCStream(tableToIPC(table, "stream")), props);
  return { rowCount: total, bytes };
}
