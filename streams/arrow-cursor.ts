/**
 * The highest updated_at of an Arrow batch, in epoch ms, read from the column's raw values (no per-row
 * objects): the export path's counterpart of `maxTimestampOf` for rows objects.
 *
 * Timestamps in any unit, with or without a zone (the API's zone-less timestamps are UTC wall time, so
 * the raw value is the same), are floored to the millisecond: a cursor a fraction below the true
 * maximum re-reads that row next time, one above it could skip a row.
 */
import { TimeUnit, Type, makeVector, type Data, type DataType, type RecordBatch } from "apache-arrow";

const PER_MS: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 0n, // multiplied instead, see toMs
  [TimeUnit.MILLISECOND]: 1n,
  [TimeUnit.MICROSECOND]: 1_000n,
  [TimeUnit.NANOSECOND]: 1_000_000n,
};

/** Max of `column` over rows `startRow…` of `batch` (epoch ms), or -Infinity when absent or all null. */
export function maxEpochMs(batch: RecordBatch, column: string, startRow = 0): number {
  const f = batch.schema.fields.findIndex((field) => field.name === column);
  const data = f < 0 ? undefined : batch.getChildAt(f)?.data[0];
  if (data === undefined || data.length === 0) return Number.NEGATIVE_INFINITY;
  const start = Math.max(0, Math.min(startRow, data.length));
  if (data.type.typeId === Type.Timestamp) return maxTimestamp(data, start);
  if (data.type.typeId === Type.Date) return maxGeneric(data, start, (v) => (v instanceof Date ? v.getTime() : typeof v === "number" ? v : NaN));
  // Text (plain or dictionary) and anything else: parse what the getter gives.
  return maxGeneric(data, start, (v) => (typeof v === "string" ? Date.parse(v) : v instanceof Date ? v.getTime() : NaN));
}

function maxTimestamp(data: Data, start: number): number {
  const big = data.values as BigInt64Array;
  const u32 = new Uint32Array(big.buffer, big.byteOffset, big.length * 2);
  const valid = validity(data);
  let best = -1;
  let bestHi = 0, bestLo = 0;
  for (let i = start; i < data.length; i++) {
    if (valid !== undefined && !valid(i)) continue;
    const lo = u32[2 * i]!, hi = u32[2 * i + 1]! | 0;
    if (best < 0 || hi > bestHi || (hi === bestHi && lo > bestLo)) {
      best = i;
      bestHi = hi;
      bestLo = lo;
    }
  }
  if (best < 0) return Number.NEGATIVE_INFINITY;
  return toMs(big[best]!, (data.type as DataType & { unit: TimeUnit }).unit);
}

function toMs(raw: bigint, unit: TimeUnit): number {
  if (unit === TimeUnit.SECOND) return Number(raw) * 1000;
  const per = PER_MS[unit];
  // BigInt division truncates toward zero; flooring keeps pre-1970 values on the safe side too.
  const q = raw / per;
  return Number(raw % per < 0n ? q - 1n : q);
}

function maxGeneric(data: Data, start: number, toMsValue: (v: unknown) => number): number {
  const vector = makeVector(data);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = start; i < data.length; i++) {
    const ms = toMsValue(vector.get(i));
    if (ms > max) max = ms;
  }
  return max;
}

/** Row-validity test, or undefined when the column has no nulls. Bits are not pre-sliced: offset applies. */
function validity(data: Data): ((i: number) => boolean) | undefined {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || bitmap === undefined || bitmap.length === 0) return undefined;
  const o = data.offset;
  return (i) => ((bitmap[(o + i) >> 3]! >> ((o + i) & 7)) & 1) === 1;
}
