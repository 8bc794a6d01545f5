/**
 * Export Parquet files: wire-form rows → Arrow columns (types per §14 and the variant) → parquet-wasm's
 * streaming writer, one row group at a time.
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
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { Compression, Table as WasmTable, WriterPropertiesBuilder, transformParquetStream } from "parquet-wasm";
import type { ColumnDef } from "./data/schema.js";
import type { Variant } from "./variants.js";
import { dateToDays, decimalUnscaled, timestampUnits } from "./values.js";
import { WireNumber } from "./wire.js";

const UNIT: Record<Variant["timestampUnit"], { unit: TimeUnit; digits: 3 | 6 | 9 }> = {
  ms: { unit: TimeUnit.MILLISECOND, digits: 3 },
  us: { unit: TimeUnit.MICROSECOND, digits: 6 },
  ns: { unit: TimeUnit.NANOSECOND, digits: 9 },
};

const YIELD_ROWS = 5_000;

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
      return (v.int64Columns || v.wideNumbers) && col.integer ? new Int64() : new Float64();
    case "MONETARY_AMOUNT":
      return v.monetaryAs === "decimal" || v.wideNumbers ? new Decimal(9, 38, 128) : new Float64();
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
    // The wire text carries the unit's digits (wire.ts): read exactly, zone-less as UTC.
    const digits = UNIT[v.timestampUnit].digits;
    const data = new BigInt64Array(length);
    values.forEach((x, i) => {
      if (typeof x === "string") data[i] = timestampUnits(x, digits);
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
      if (typeof x !== "number" && !(x instanceof WireNumber)) return;
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
      if (typeof x === "number" || typeof x === "bigint") data[i] = BigInt(x);
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
  sizeBytes: number;
}

/**
 * Streams up to `maxRows` rows pulled from `rows` into one Parquet file at `path`: each row group is
 * built as Arrow, handed to parquet-wasm's streaming writer and written out before the next one is
 * generated, so memory stays at about one row group whatever the export size. Undefined when there
 * are no rows, unless `allowEmpty` (then a schema-only file).
 */
export async function writeParquetFile(
  path: string,
  columns: readonly ColumnDef[],
  rows: Iterator<Record<string, unknown>>,
  maxRows: number,
  v: Variant,
  allowEmpty = false,
): Promise<ParquetFileResult | undefined> {
  const fields = columns.map((c) => new Field(c.name, arrowType(c, v), true));
  const schema = new Schema(fields);
  let total = 0;
  let exhausted = false;
  const nextBatch = async (): Promise<RecordBatch | undefined> => {
    if (exhausted || total >= maxRows) return undefined;
    const groupSize = Math.min(v.rowGroupRows, maxRows - total);
    const cols: unknown[][] = columns.map(() => []);
    let n = 0;
    while (n < groupSize) {
      const next = rows.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      columns.forEach((c, k) => cols[k]!.push(next.value[c.name] ?? null));
      n++;
      // keep the server responsive (and its keep-alive timers honest) during big exports
      if (n % YIELD_ROWS === 0) await new Promise((r) => setImmediate(r));
    }
    if (n === 0) return undefined;
    total += n;
    const children = columns.map((c, k) => columnData(c, fields[k]!.type, cols[k]!, v));
    return new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
  };
  let pending = await nextBatch();
  if (!pending) {
    if (!allowEmpty) return undefined;
    // an empty export still gets one file carrying the schema, as warehouse exports do
    const children = columns.map((c, k) => columnData(c, fields[k]!.type, [], v));
    pending = new RecordBatch(schema, makeData({ type: new Struct(fields), length: 0, nullCount: 0, children }));
  }
  const source = new ReadableStream({
    async pull(ctrl) {
      const batch = pending ?? (await nextBatch());
      pending = undefined;
      if (!batch) return ctrl.close();
      const wasm = WasmTable.fromIPCStream(tableToIPC(new Table(schema, [batch]), "stream"));
      ctrl.enqueue(wasm.recordBatch(0));
      wasm.free();
    },
  });
  const props = new WriterPropertiesBuilder()
    .setCompression(CODEC[v.parquetCompression])
    .setMaxRowGroupSize(v.rowGroupRows)
    .setDictionaryEnabled(v.dictionaryStrings)
    .build();
  const reader = (await transformParquetStream(source, props)).getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const file = createWriteStream(path);
  let sizeBytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sizeBytes += value.length;
      if (!file.write(value)) await once(file, "drain");
    }
  } finally {
    file.end();
    await once(file, "close");
  }
  return { rowCount: total, sizeBytes };
}
