/**
 * Request validation shared by rows and exports (fields, filters) and the compiled row predicate.
 * Validation follows the column metadata of GET /tables/: unknown column, unsupported operator,
 * wrong value type, `between` without two items, more than 100 strings → 400.
 */
import type { ColumnDef, TableDef } from "./data/schema.js";
import { OPERATORS } from "./data/schema.js";
import { badRequest } from "./api-error.js";
import { isValidDate, isValidTimestamp, timestampKey } from "./values.js";
import { WireNumber } from "./wire.js";

export type Predicate = (row: Record<string, unknown>) => boolean;
type Scalar = string | number | bigint | boolean;

const MAX_ARRAY_STRINGS = 100;
const MAX_IN_VALUES = 10_000;

export function validateFields(def: TableDef, fields: unknown): string[] | undefined {
  if (fields === undefined || fields === null) return undefined;
  if (!Array.isArray(fields) || fields.length === 0 || !fields.every((f) => typeof f === "string")) {
    throw badRequest("invalid_fields", "fields must be a non-empty array of column names");
  }
  for (const f of fields as string[]) {
    if (!def.columns.some((c) => c.name === f)) throw badRequest("unknown_column", `Unknown column in fields: ${f}`);
  }
  return [...new Set(fields as string[])];
}

function checkScalar(col: ColumnDef, op: string, v: unknown): Scalar {
  const bad = (): never => {
    throw badRequest("invalid_filter_value", `Filter ${col.name}.${op}: expected a ${describe(col)} value`);
  };
  switch (col.dataType) {
    case "STRING":
      return typeof v === "string" ? v : bad();
    case "NUMBER":
    case "MONETARY_AMOUNT":
      return typeof v === "number" && Number.isFinite(v) ? v : bad();
    case "BOOL":
      return typeof v === "boolean" ? v : bad();
    case "DATE":
      return typeof v === "string" && isValidDate(v) ? v : bad();
    case "TIMESTAMP":
      return typeof v === "string" && isValidTimestamp(v) ? (timestampKey(v) ?? bad()) : bad();
    default:
      return bad();
  }
}

function describe(col: ColumnDef): string {
  const map: Record<string, string> = {
    STRING: "string",
    NUMBER: "number",
    MONETARY_AMOUNT: "number",
    BOOL: "boolean",
    DATE: "YYYY-MM-DD date",
    TIMESTAMP: "RFC 3339 UTC timestamp",
  };
  return map[col.dataType] ?? col.dataType;
}

/**
 * Comparable form of a row value: timestamps at full precision (timestampKey), wide decimals as doubles
 * (BigInt integers compare with numbers as they are); dates compare as strings.
 */
function cmpValue(col: ColumnDef, v: unknown): Scalar | null {
  if (v === null || v === undefined) return null;
  if (col.dataType === "TIMESTAMP") return timestampKey(v as string) ?? null;
  if (v instanceof WireNumber) return Number(v.text);
  return v as Scalar;
}

function stringArray(col: ColumnDef, op: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === "string")) {
    throw badRequest("invalid_filter_value", `Filter ${col.name}.${op}: expected a non-empty array of strings`);
  }
  if (v.length > MAX_ARRAY_STRINGS) {
    throw badRequest("too_many_values", `Filter ${col.name}.${op}: at most ${MAX_ARRAY_STRINGS} strings are allowed`);
  }
  return v as string[];
}

function compileOp(col: ColumnDef, op: string, value: unknown): Predicate {
  const name = col.name;
  const ops = col.operators ?? OPERATORS[col.dataType];
  if (!ops.includes(op)) {
    throw badRequest("unsupported_operator", `Operator ${op} is not supported on column ${name} (${col.dataType}); supported: ${ops.join(", ")}`);
  }
  const get = (row: Record<string, unknown>): Scalar | null => cmpValue(col, row[name]);
  switch (op) {
    case "eq": {
      const x = checkScalar(col, op, value);
      return (row) => get(row) === x;
    }
    case "in": {
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IN_VALUES) {
        throw badRequest("invalid_filter_value", `Filter ${name}.in: expected a non-empty array of values`);
      }
      const set = new Set(value.map((v) => checkScalar(col, op, v)));
      return (row) => {
        const v = get(row);
        return v !== null && set.has(v);
      };
    }
    case "gte": {
      const x = checkScalar(col, op, value);
      return (row) => {
        const v = get(row);
        return v !== null && v >= x;
      };
    }
    case "lte": {
      const x = checkScalar(col, op, value);
      return (row) => {
        const v = get(row);
        return v !== null && v <= x;
      };
    }
    case "between": {
      if (!Array.isArray(value) || value.length !== 2) {
        throw badRequest("invalid_filter_value", `Filter ${name}.between: expected a two-item array [from, to]`);
      }
      const lo = checkScalar(col, op, value[0]);
      const hi = checkScalar(col, op, value[1]);
      return (row) => {
        const v = get(row);
        return v !== null && v >= lo && v <= hi;
      };
    }
    case "contains_any": {
      const want = stringArray(col, op, value);
      return (row) => {
        const a = row[name];
        return Array.isArray(a) && want.some((w) => a.includes(w));
      };
    }
    case "contains_all": {
      const want = stringArray(col, op, value);
      return (row) => {
        const a = row[name];
        return Array.isArray(a) && want.every((w) => a.includes(w));
      };
    }
    case "is_empty":
    case "is_not_empty": {
      if (value !== true) throw badRequest("invalid_filter_value", `Filter ${name}.${op}: expected the boolean true`);
      const empty = (row: Record<string, unknown>): boolean => {
        const a = row[name];
        return !Array.isArray(a) || a.length === 0;
      };
      return op === "is_empty" ? empty : (row) => !empty(row);
    }
    default:
      throw badRequest("unsupported_operator", `Unknown operator ${op}`);
  }
}

/** Validates `filters` and returns a conjunctive predicate (undefined when there are none). */
export function compileFilters(def: TableDef, filters: unknown): Predicate | undefined {
  if (filters === undefined || filters === null) return undefined;
  if (typeof filters !== "object" || Array.isArray(filters)) {
    throw badRequest("invalid_filters", "filters must be an object keyed by column name");
  }
  const preds: Predicate[] = [];
  for (const [colName, spec] of Object.entries(filters as Record<string, unknown>)) {
    const col = def.columns.find((c) => c.name === colName);
    if (!col) throw badRequest("unknown_column", `Unknown column in filters: ${colName}`);
    if (typeof spec !== "object" || spec === null || Array.isArray(spec) || Object.keys(spec).length === 0) {
      throw badRequest("invalid_filters", `Filter for ${colName} must be an object of operator → value`);
    }
    for (const [op, value] of Object.entries(spec)) preds.push(compileOp(col, op, value));
  }
  if (preds.length === 0) return undefined;
  return (row) => preds.every((p) => p(row));
}
