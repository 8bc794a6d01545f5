/**
 * Parses and validates the answer of `GET /tables/` (§3). The documented shape is a JSON array of
 * `{ id, name, table, columns: [{ name, label, dataType, supportedOperators }], orderBy }`. Unknown fields and
 * unknown dataTypes are tolerated (the schema mapping makes them permissive); a missing id, columns that are
 * not a list, or duplicate names are contract breaks and fail clearly.
 */
import { SystemError } from "../contract/errors.js";
import type { ColumnMeta, TableMeta } from "../api/tables.js";
import { isRecord } from "../contract/json-object.js";

const ROUTE = "GET /tables/";

function fail(where: string, what: string): never {
  throw new SystemError(`${ROUTE} answered in an unexpected shape: ${where} ${what}`);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) fail(where, "is not a list of strings");
  return value;
}

function parseColumn(value: unknown, where: string): ColumnMeta {
  if (!isRecord(value)) fail(where, "is not an object");
  const name = value["name"];
  if (!nonEmptyString(name)) fail(where, "has no `name`");
  const label = value["label"];
  const dataType = value["dataType"];
  return {
    name,
    // A missing label falls back to the name so label keys stay defined.
    label: nonEmptyString(label) ? label : name,
    dataType: nonEmptyString(dataType) ? dataType.toUpperCase() : "UNKNOWN",
    supportedOperators: stringList(value["supportedOperators"], `${where}.supportedOperators`),
  };
}

function parseTable(value: unknown, index: number): TableMeta {
  const where = `tables[${index}]`;
  if (!isRecord(value)) fail(where, "is not an object");
  const id = value["id"];
  if (!nonEmptyString(id)) fail(where, "has no `id`");
  const at = `table "${id}"`;
  const rawColumns = value["columns"];
  if (!Array.isArray(rawColumns)) fail(at, "has no `columns` list");
  const columns = rawColumns.map((c, i) => parseColumn(c, `${at} columns[${i}]`));
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column.name)) fail(at, `lists column "${column.name}" twice`);
    seen.add(column.name);
  }
  const orderBy = stringList(value["orderBy"], `${at}.orderBy`);
  for (const key of orderBy) if (!seen.has(key)) fail(at, `orders by "${key}", which is not one of its columns`);
  const name = value["name"];
  const table = value["table"];
  return {
    id,
    name: nonEmptyString(name) ? name : id,
    table: nonEmptyString(table) ? table : id,
    columns,
    orderBy,
  };
}

export function parseTables(value: unknown): TableMeta[] {
  if (!Array.isArray(value)) fail("the answer", "is not a JSON array of tables");
  const tables = value.map(parseTable);
  const ids = new Set<string>();
  for (const table of tables) {
    if (ids.has(table.id)) fail(`table "${table.id}"`, "appears twice");
    ids.add(table.id);
  }
  return tables;
}
