/**
 * The highest updated_at of an Arrow batch, read from the column's raw values (no per-row objects): the
 * export path's counterpart of `maxTimestampOf` for rows objects. The result is the text the records
 * carry for that value (timestamps.ts keeps cursors as text).
 *
 * A timestamp column is ordered by its raw 64-bit values, whatever the unit and with or without a zone
 * (the API's zone-less timestamps are UTC wall time, so the raw value is the same), and the highest is
 * written exactly as the record writer writes it: UTC with the unit's fraction digits.
 */
import { TimeUnit, Type, makeVector, type Data, type DataType, type RecordBatch } from "apache-arrow";
import { UnitTimestampText, wordsOf } from "../../encode/arrow-encoders.js";
import { ByteWriter } from "../../encode/json-bytes.js";
import { formatInstant, MaxTimestamp } from "../../encode/timestamps.js";

/** Max of `column` over rows `startRow…` of `batch`, as record text; undefined when absent or all null. */
export function maxTimestampText(batch: RecordBatch, column: string, startRow = 0): string | undefined {
  const f = batch.schema.fields.findIndex((field) => field.name === column);
  const data = f < 0 ? undefined : batch.getChildAt(f)?.data[0];
  if (data === undefined || data.length === 0) return undefined;
  const start = Math.max(0, Math.min(startRow, data.length));
  if (data.type.typeId === Type.Timestamp) return maxTimestamp(data, start);
  const max = new MaxTimestamp();
  const vector = makeVector(data);
  for (let i = start; i < data.length; i++) {
    const v: unknown = vector.get(i);
    // Text (plain or dictionary) is read like rows values; a date column's values are UTC days.
    if (typeof v === "string") max.offer(v);
    else if (v instanceof Date || typeof v === "number") max.offer(formatInstant({ ms: v instanceof Date ? v.getTime() : v, ns: 0 }));
  }
  return max.text;
}

function maxTimestamp(data: Data, start: number): string | undefined {
  const big = data.values as BigInt64Array;
  const u32 = wordsOf(big);
  const best = highestRow(u32, data.nullCount === 0 ? undefined : data.nullBitmap, data.offset, start, data.length);
  if (best < 0) return undefined;
  // The record writer's own bytes for this value (without the quotes), so cursor and record agree.
  const w = new ByteWriter(64);
  new UnitTimestampText((data.type as DataType & { unit: TimeUnit }).unit).write(w, u32[2 * best]!, u32[2 * best + 1]! | 0);
  return Buffer.concat(w.takeChunks(true)).toString("latin1").slice(1, -1);
}

/**
 * The row of the highest 64-bit value (lo/hi words) among the valid rows [start, n), -1 if none. A loop
 * of its own, with nothing after it and no per-batch closure in it: V8 compiles it once, where a loop
 * followed by code that had not run yet (or calling a closure made per batch) was deoptimized and
 * compiled again for every batch (≈ 20 ms of compiling each time). Validity bits are not pre-sliced.
 */
function highestRow(u32: Uint32Array, bitmap: Uint8Array | undefined, offset: number, start: number, n: number): number {
  const checked = bitmap !== undefined && bitmap.length > 0;
  let best = -1;
  let bestHi = 0, bestLo = 0;
  for (let i = start; i < n; i++) {
    if (checked && ((bitmap[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1) === 0) continue;
    const lo = u32[2 * i]!, hi = u32[2 * i + 1]! | 0;
    if (best < 0 || hi > bestHi || (hi === bestHi && lo > bestLo)) {
      best = i;
      bestHi = hi;
      bestLo = lo;
    }
  }
  return best;
}
