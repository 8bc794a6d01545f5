/**
 * The highest cursor value of rows that arrive as objects (rows pages parsed the usual way, JSON export
 * files, legacy pages), as the records carry it (encode/timestamps.ts). Rows read from their bytes and
 * Arrow batches have their own, over the same MaxTimestamp (rows/row-scan.ts, export/parquet/arrow-cursor.ts).
 */
import { MaxTimestamp } from "../encode/timestamps.js";

/** The highest timestamp among the string values `rows[key]`, as records carry it; undefined without any. */
export function maxTimestampOf(rows: readonly Record<string, unknown>[], key: string): string | undefined {
  const max = new MaxTimestamp();
  for (const row of rows) {
    const value = row[key];
    if (typeof value === "string") max.offer(value);
  }
  return max.text;
}
