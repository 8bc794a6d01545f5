/**
 * Which columns a stream asks the API for, and how each one is keyed in records. Pure.
 */
import type { KeyBy } from "../api/requests.js";
import type { TableMeta } from "../api/tables.js";
import type { OutputColumn } from "../encode/record-serializer.js";

export interface Projection {
  /** Column names for the request's `fields` (STRING_ARRAY columns only come back when listed). */
  readonly fields: readonly string[];
  /** Serializer columns in table order. */
  readonly columns: readonly OutputColumn[];
  /** The key rows objects carry for a column name (the API keys rows per keyBy). */
  sourceKey(columnName: string): string;
}

/**
 * Projects onto the configured schema's properties (Airbyte sends only the selected columns), always
 * keeping the primary key and cursor columns because state depends on them. An empty selection
 * (a catalog without properties) means every column.
 */
export function projectColumns(table: TableMeta, selected: readonly string[], keyBy: KeyBy, required: readonly string[]): Projection {
  const keyOf = (name: string): string => table.columnKeys?.[name] ?? name;
  const wanted = new Set(selected);
  const keep = (name: string): boolean => wanted.size === 0 || wanted.has(keyOf(name)) || required.includes(name);
  const chosen = table.columns.filter((c) => keep(c.name));
  const sourceKey = (name: string): string => (keyBy === "label" ? keyOf(name) : name);
  return {
    fields: chosen.map((c) => c.name),
    columns: chosen.map((c) => ({ key: keyOf(c.name), source: sourceKey(c.name), arrowName: c.name, dataType: c.dataType })),
    sourceKey,
  };
}
