/**
 * What a rows stream holds in memory, estimated before it starts, so that the streams of a read can share
 * a memory budget (contract/memory.ts): rows pages get smaller when the budget is tight. Pure. (An export
 * stream's cost: EXPORT_STREAM_BYTES in export/export-path.ts.)
 *
 * Calibrated on the spend table (18 columns, ≈ 490 bytes of JSON per row) with peak RSS measurements of
 * the built connector: 10 000-row pages ≈ 151 MB, 100 000-row pages ≈ 312–324 MB (README benchmarks), so
 * ≈ 1.8 kB per row of page size, ≈ 3.7 × the row's JSON. Legacy data tables (pages of at most 10 000
 * label-keyed rows) reserve nothing: the process headroom covers them.
 */

/** JSON bytes of one value by data type, generous for strings (names, descriptions). */
const VALUE_BYTES: Readonly<Record<string, number>> = {
  STRING: 32,
  NUMBER: 12,
  MONETARY_AMOUNT: 16,
  BOOL: 5,
  DATE: 12,
  TIMESTAMP: 26,
  STRING_ARRAY: 48,
};
const UNKNOWN_TYPE_BYTES = 32;

/**
 * Copies of a page alive at once: its body as it arrives (chunks, then one buffer), the next page already
 * asked for (rows-reader.ts), and its records encoded for stdout.
 */
const PAGE_COPIES = 4;

/**
 * Pages are never made smaller than this, for memory or after a timeout (rows-path.ts): the API's own default
 * page size; below it the requests cost more than the rows they save.
 */
export const MIN_PAGE_ROWS = 1000;

/** Estimated JSON bytes of one rows-page row with these columns (`source`: the key the API sends). */
export function rowBytes(columns: readonly { readonly source: string; readonly dataType: string }[]): number {
  let bytes = 2;
  for (const column of columns) bytes += column.source.length + 4 + (VALUE_BYTES[column.dataType] ?? UNKNOWN_TYPE_BYTES);
  return bytes;
}

/** Memory of a rows stream reading pages of `pageSize` rows of `bytesPerRow`. */
export function rowsStreamBytes(pageSize: number, bytesPerRow: number): number {
  return pageSize * bytesPerRow * PAGE_COPIES;
}

/** The page size that keeps a rows stream within `bytes` (never above `configured`, never below MIN_PAGE_ROWS). */
export function pageSizeWithin(bytes: number, configured: number, bytesPerRow: number): number {
  const fits = Math.floor(bytes / (bytesPerRow * PAGE_COPIES));
  return Math.min(configured, Math.max(MIN_PAGE_ROWS, fits));
}
