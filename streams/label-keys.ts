/**
 * Record keys when `column_keys` is "label" — the `keyBy: "label"` rules of §5, in GET /tables/ column order:
 *  1. the first column with a given label keeps the label;
 *  2. later columns with that label get "<label> (<name>)";
 *  3. a key that still collides gets "#2", "#3", … appended until unique.
 * The docs do not say whether a space precedes "#" (§13.15); both forms occur. Discover must announce the
 * keys the records will carry, so the form is detected from the API itself (one 1-row rows request with
 * keyBy "label", only for a table where rule 3 applies). The result is also kept on the table
 * (`TableMeta.columnKeys`) so the readers key rows-by-name and export files — which always use names — the
 * same way: records never depend on which path read them.
 */
import type { KeyBy, Logger, TableMeta } from "./types.js";
import type { IgniteClient } from "./client.js";

export type SuffixStyle = " #" | "#";
export const DEFAULT_SUFFIX_STYLE: SuffixStyle = " #";

export interface LabelKeyResult {
  /** Column name → record key, in column order. */
  readonly keys: ReadonlyMap<string, string>;
  /** Columns whose key needed a numeric suffix (rule 3). */
  readonly suffixed: readonly string[];
}

export function labelKeys(columns: TableMeta["columns"], style: SuffixStyle = DEFAULT_SUFFIX_STYLE): LabelKeyResult {
  const keys = new Map<string, string>();
  const suffixed: string[] = [];
  const usedKeys = new Set<string>();
  const seenLabels = new Set<string>();
  for (const column of columns) {
    const base = seenLabels.has(column.label) ? `${column.label} (${column.name})` : column.label;
    seenLabels.add(column.label);
    let key = base;
    for (let n = 2; usedKeys.has(key); n++) key = `${base}${style}${n}`;
    if (key !== base) suffixed.push(column.name);
    usedKeys.add(key);
    keys.set(column.name, key);
  }
  return { keys, suffixed };
}

/** Column name → record key for the configured `column_keys`. */
export function columnKeyMap(table: TableMeta, keyBy: KeyBy, style: SuffixStyle = DEFAULT_SUFFIX_STYLE): ReadonlyMap<string, string> {
  if (keyBy === "name") return new Map(table.columns.map((c) => [c.name, c.name]));
  return labelKeys(table.columns, style).keys;
}

/** The style whose keys for the suffixed columns appear among `observed` (keys of a label-keyed row). */
export function styleFromObservedKeys(columns: TableMeta["columns"], observed: Iterable<string>): SuffixStyle | undefined {
  const seen = new Set(observed);
  for (const style of [" #", "#"] as const) {
    const { keys, suffixed } = labelKeys(columns, style);
    if (suffixed.length > 0 && suffixed.every((name) => seen.has(keys.get(name) ?? ""))) return style;
  }
  return undefined;
}

/**
 * Asks the API which suffix form it uses, when this table needs one. An empty table cannot tell; then the
 * documented default (" #") is used and a warning says so.
 */
export async function detectSuffixStyle(client: IgniteClient, table: TableMeta, logger: Logger, opts: { budgetMs?: number; signal?: AbortSignal } = {}): Promise<SuffixStyle> {
  const { suffixed } = labelKeys(table.columns);
  if (suffixed.length === 0) return DEFAULT_SUFFIX_STYLE;
  // The key of a column does not depend on the projection (§5), so asking for the suffixed columns is enough.
  const page = await client.fetchRows(table.id, { pageSize: 1, keyBy: "label", fields: suffixed }, opts);
  const row = page.data[0];
  if (row === undefined) {
    logger.warn(`Table ${table.id} is empty, so the label suffix form ("#2" or " #2") could not be read from the API; using "${DEFAULT_SUFFIX_STYLE}2"`);
    return DEFAULT_SUFFIX_STYLE;
  }
  const style = styleFromObservedKeys(table.columns, Object.keys(row));
  if (style === undefined) {
    logger.warn(`Table ${table.id}: the API's label keys (${Object.keys(row).join(", ")}) match neither suffix form; using "${DEFAULT_SUFFIX_STYLE}2"`);
    return DEFAULT_SUFFIX_STYLE;
  }
  return style;
}

/** The table with `columnKeys` filled for the configured key mode (detecting the suffix form if needed). */
export async function withColumnKeys(client: IgniteClient, table: TableMeta, keyBy: KeyBy, logger: Logger, opts: { budgetMs?: number; signal?: AbortSignal } = {}): Promise<TableMeta> {
  const style = keyBy === "label" ? await detectSuffixStyle(client, table, logger, opts) : DEFAULT_SUFFIX_STYLE;
  return { ...table, columnKeys: Object.fromEntries(columnKeyMap(table, keyBy, style)) };
}
