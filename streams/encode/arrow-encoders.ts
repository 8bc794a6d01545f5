/**
 * Arrow column → JSON value writers, read straight from the typed buffers of one `Data` chunk
 * (no `vector.get()`, no row objects: 4-5x faster, parquet-arrow.md §2). One writer is built per
 * column per batch; it writes the value of row i (nulls included) into the shared ByteWriter.
 *
 * Offsets: fixed-width values and value offsets are already sliced by apache-arrow (index with i);
 * validity and bool bits are not (index with data.offset + i).
 */
import { DateUnit, Precision, TimeUnit, Type, makeVector, type Data, type DataType } from "apache-arrow";
import { ByteWriter as Scratch, type ByteWriter } from "./json-bytes.js";
import { writeDecimal, writeFloat, writeInt64 } from "./json-bytes-format.js";
import { makeUnitSplitter, writeDate, writeTimestamp } from "./json-bytes-time.js";
import { valueWriterFor, writeGeneric } from "./json-bytes-values.js";

export type RowWriter = (i: number) => void;
type Factory = (w: ByteWriter, data: Data, dataType: string) => RowWriter;

const TWO32 = 4294967296;
/** hi words below this make counts below 2^52, exact as doubles. */
const EXACT_HI = 0x100000;
const UNIT_PER_SEC = { [TimeUnit.SECOND]: 1, [TimeUnit.MILLISECOND]: 1e3, [TimeUnit.MICROSECOND]: 1e6, [TimeUnit.NANOSECOND]: 1e9 };
const UNIT_DIGITS = { [TimeUnit.SECOND]: 0, [TimeUnit.MILLISECOND]: 3, [TimeUnit.MICROSECOND]: 6, [TimeUnit.NANOSECOND]: 9 };

/** Low 32-bit words of 64-bit offsets, valid while the data is below 2 GiB (it always is per batch). */
function offsetsOf(data: Data): Int32Array {
  const off = data.valueOffsets as Int32Array | BigInt64Array;
  if (off instanceof Int32Array) return off;
  const lo = new Int32Array(off.length);
  for (let k = 0; k < off.length; k++) lo[k] = Number(off[k]);
  return lo;
}

const utf8: Factory = (w, data, dataType) => {
  const off = offsetsOf(data);
  const bytes = data.values as Uint8Array;
  // Text that the schema says is a number or time gets the same normalising as rows values.
  if (TEXT_NORMALISED[dataType] === true) {
    const write = valueWriterFor(dataType);
    const dec = new TextDecoder();
    return (i) => write(w, dec.decode(bytes.subarray(off[i]!, off[i + 1]!)));
  }
  return (i) => w.utf8String(bytes, off[i]!, off[i + 1]!);
};
const TEXT_NORMALISED: Record<string, true> = { NUMBER: true, MONETARY_AMOUNT: true, TIMESTAMP: true };

/** Dictionary strings: each entry is escaped once per batch, then copied per row. */
const dictionary: Factory = (w, data, dataType) => {
  const dict = data.dictionary;
  if (dict === undefined) return generic(w, data, dataType);
  const scratch = new Scratch(64 * 1024);
  const starts: number[] = [0];
  for (const chunk of dict.data) {
    const entry = encoderFor(scratch, chunk, dataType === "STRING_ARRAY" ? "STRING" : dataType);
    for (let k = 0; k < chunk.length; k++) {
      entry(k);
      starts.push(scratch.written);
    }
  }
  const table = Buffer.concat(scratch.takeChunks(true));
  const at = Int32Array.from(starts);
  const keys = data.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array;
  if (keys instanceof BigInt64Array) return (i) => copyEntry(w, table, at, Number(keys[i]));
  return (i) => copyEntry(w, table, at, keys[i]!);
};
function copyEntry(w: ByteWriter, table: Uint8Array, at: Int32Array, k: number): void {
  const s = at[k]!, e = at[k + 1]!;
  w.ensure(e - s);
  const buf = w.buf;
  let p = w.pos;
  for (let q = s; q < e; q++) buf[p++] = table[q]!;
  w.pos = p;
}

const int: Factory = (w, data) => {
  const t = data.type as DataType & { bitWidth: number; isSigned: boolean };
  const v = data.values as Int32Array;
  if (t.bitWidth < 64) return (i) => w.int(v[i]!);
  const big = data.values as BigInt64Array | BigUint64Array;
  const u32 = new Uint32Array(big.buffer, big.byteOffset, big.length * 2);
  return (i) => writeInt64(w, u32, big, i, t.isSigned);
};

const float: Factory = (w, data) => {
  if ((data.type as DataType & { precision: Precision }).precision === Precision.HALF) return generic(w, data, "");
  const v = data.values as Float64Array;
  return (i) => writeFloat(w, v[i]!);
};

const bool: Factory = (w, data) => {
  const bits = data.values as Uint8Array;
  const o = data.offset;
  return (i) => w.ascii((bits[(o + i) >> 3]! >> ((o + i) & 7)) & 1 ? "true" : "false");
};

const decimal: Factory = (w, data) => {
  const t = data.type as DataType & { scale: number; bitWidth: number };
  const words = data.values as Uint32Array;
  const stride = (t.bitWidth ?? 128) / 32;
  return (i) => writeDecimal(w, words, i, stride, t.scale);
};

const date: Factory = (w, data) => {
  if ((data.type as DataType & { unit: DateUnit }).unit === DateUnit.DAY) {
    const v = data.values as Int32Array;
    return (i) => quotedDate(w, v[i]!);
  }
  const big = data.values as BigInt64Array;
  const u32 = new Uint32Array(big.buffer, big.byteOffset, big.length * 2);
  return (i) => quotedDate(w, Math.floor(((u32[2 * i + 1]! | 0) * TWO32 + u32[2 * i]!) / 86400000));
};
function quotedDate(w: ByteWriter, days: number): void {
  w.byte(0x22);
  writeDate(w, days);
  w.byte(0x22);
}

/**
 * Writes a raw timestamp (lo/hi words of its int64) of `unit` as a quoted RFC 3339 UTC string with the
 * unit's fraction digits, or, `asDate`, as its quoted UTC day. Shared with the cursor (arrow-cursor.ts).
 */
export function unitTimestampWriter(unit: TimeUnit, asDate = false): (w: ByteWriter, lo: number, hi: number) => void {
  const perSec = UNIT_PER_SEC[unit], digits = UNIT_DIGITS[unit];
  const split = makeUnitSplitter(perSec);
  return (w, lo, hi) => {
    let secs: number, frac: number;
    if (hi < EXACT_HI && hi >= -EXACT_HI) {
      // Below 2^52 the count is an exact double and a plain division is exact enough (and cheaper than
      // the split, whose `%` on doubles is a library call): the quotient's rounding error is at most half
      // its ulp, ≤ 2^52/perSec · 2^-53 = 1/(2·perSec), less than the distance 1/perSec from any fractional
      // quotient to a whole number; a whole quotient is exact. So the floor is the exact second.
      const count = hi * TWO32 + lo;
      secs = Math.floor(count / perSec);
      frac = count - secs * perSec;
    } else {
      frac = split(lo, hi);
      secs = Math.round((hi * TWO32 + lo - frac) / perSec);
    }
    if (asDate) quotedDate(w, Math.floor(secs / 86400));
    else writeTimestamp(w, secs, frac, digits);
  };
}

const timestamp: Factory = (w, data, dataType) => {
  // A DATE column sent as a timestamp: its UTC day.
  const write = unitTimestampWriter((data.type as DataType & { unit: TimeUnit }).unit, dataType === "DATE");
  const big = data.values as BigInt64Array;
  const u32 = new Uint32Array(big.buffer, big.byteOffset, big.length * 2);
  return (i) => write(w, u32[2 * i]!, u32[2 * i + 1]! | 0);
};

const list: Factory = (w, data, dataType) => {
  const off = offsetsOf(data);
  const child = data.children[0];
  if (child === undefined) return generic(w, data, dataType);
  const element = encoderFor(w, child, dataType === "STRING_ARRAY" ? "STRING" : "");
  return (i) => {
    const s = off[i]!, e = off[i + 1]!;
    w.byte(0x5b);
    for (let k = s; k < e; k++) {
      if (k > s) w.byte(0x2c);
      element(k);
    }
    w.byte(0x5d);
  };
};

/** Types without a fast rule (struct, map, binary, time, interval…): through apache-arrow's getters. */
const generic: Factory = (w, data) => {
  const vector = makeVector(data);
  return (i) => writeGeneric(w, toPlain(vector.get(i)));
};
function toPlain(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  const json = (v as { toJSON?: () => unknown }).toJSON;
  return typeof json === "function" ? json.call(v) : v;
}

/** Arrow type → writer factory: the Arrow side of the output rules. */
const BY_TYPE: Partial<Record<Type, Factory>> = {
  [Type.Utf8]: utf8,
  [Type.LargeUtf8]: utf8,
  [Type.Dictionary]: dictionary,
  [Type.Int]: int,
  [Type.Float]: float,
  [Type.Bool]: bool,
  [Type.Decimal]: decimal,
  [Type.Date]: date,
  [Type.Timestamp]: timestamp,
  [Type.List]: list,
  [Type.LargeList]: list,
};

/** The writer for row i of `data`, nulls included. `dataType` is the Ignite type ("" if unknown). */
export function encoderFor(w: ByteWriter, data: Data, dataType: string): RowWriter {
  const factory = BY_TYPE[data.type.typeId as Type] ?? generic;
  const write = factory(w, data, dataType);
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || bitmap === undefined || bitmap.length === 0) return write;
  const o = data.offset;
  return (i) => {
    if ((bitmap[(o + i) >> 3]! >> ((o + i) & 7)) & 1) write(i);
    else w.ascii("null");
  };
}
