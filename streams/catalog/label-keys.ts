/**
 * Record keys when `column_keys` is "label" — the `keyBy: "label"` rules of §5, in GET /tables/ column order:
 *  1. the first column with a given label keeps the label;
 *  2. later columns with that label get "<label> (<name>)";
 *  3. a key that still collides gets "#2", "#3", … appended until unique.
 * The docs leave details open (a space before "#"? does rule 2 apply when a label equals an earlier *key*?),
 * and discover must announce exactly the keys the records carry. So the keys of the columns where rule 2 or 3
 * applies are read from the API itself: one 1-row rows request per such column with keyBy "label" and
 * `fields: [column]` — the docs say a column's key does not depend on the projection, so the single key in
 * the answer is that column's key. Only when the table is empty do the documented rules (with " #") stand
 * alone. The result is kept on the table (`TableMeta.columnKeys`) and readers key every record — rows
 * fetched by name and export files, which always use names — by it, so records never depend on the path.
 */
import type { KeyBy } from "../api/requests.js";
import type { Logger } from "../contract/stream.js";
import type { TableMeta } from "../api/tables.js";
import type { IgniteClient } from "../http/client.js";

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

/** Columns whose key is not simply their label (rules 2 and 3): the ones worth asking the API about. */
export function uncertainColumns(columns: TableMeta["columns"]): string[] {
  const { keys } = labelKeys(columns);
  return columns.filter((c) => keys.get(c.name) !== c.label).map((c) => c.name);
}

const MAX_PROBES = 50;

/**
 * Column name → record key under keyBy "label", confirmed by the API where the rules are ambiguous.
 * Falls back to the documented rules (with a warning) when the table is empty or the answers do not add up.
 */
export async function probeLabelKeys(client: IgniteClient, table: TableMeta, logger: Logger, opts: { budgetMs?: number; signal?: AbortSignal } = {}): Promise<Map<string, string>> {
  const computed = new Map(labelKeys(table.columns).keys);
  const uncertain = uncertainColumns(table.columns);
  if (uncertain.length === 0) return computed;
  if (uncertain.length > MAX_PROBES) {
    logger.warn(`Table ${table.id}: ${uncertain.length} columns share labels; using the documented label-key rules without asking the API`);
    return computed;
  }
  const observed = new Map(computed);
  for (const name of uncertain) {
    const page = await client.fetchRows(table.id, { pageSize: 1, keyBy: "label", fields: [name] }, opts);
    const row = page.data[0];
    if (row === undefined) {
      logger.warn(`Table ${table.id} is empty, so its label keys could not be confirmed with the API; using the documented rules ("<label> (<name>)", then " #2")`);
      return computed;
    }
    // The one key of the answer; if the server adds others (e.g. the order key), the one no other column owns.
    const others = new Set([...computed].filter(([n]) => n !== name).map(([, k]) => k));
    const candidates = Object.keys(row).filter((k) => !others.has(k) || Object.keys(row).length === 1);
    if (candidates.length !== 1) {
      logger.warn(`Table ${table.id}: could not tell the label key of column ${name} from the API answer; using the documented rules`);
      return computed;
    }
    observed.set(name, candidates[0]!);
  }
  if (new Set(observed.values()).size !== observed.size) {
    logger.warn(`Table ${table.id}: the API's label keys are not unique; using the documented rules`);
    return computed;
  }
  for (const [name, key] of observed) {
    if (key !== computed.get(name)) logger.info(`Table ${table.id}: column ${name} is keyed "${key}" by the API (documented rules give "${computed.get(name) ?? ""}")`);
  }
  return observed;
}

/** The table with `columnKeys` filled for the configured key mode (asking the API where labels collide). */
export async function withColumnKeys(client: IgniteClient, table: TableMeta, keyBy: KeyBy, logger: Logger, opts: { budgetMs?: number; signal?: AbortSignal } = {}): Promise<TableMeta> {
  const keys = keyBy === "label" ? await probeLabelKeys(client, table, logger, opts) : columnKeyMap(table, "name");
  return { ...table, columnKeys: Object.fromEntries(keys) };
}
