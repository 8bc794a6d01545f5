/**
 * Validates the configured filters (`filters.<stream>.<column>.<op>`) against GET /tables/ metadata, so a
 * typo fails at check (or at the start of read) with the field path and the fix, not as an API 400 later.
 */
import { ConfigError } from "../contract/errors.js";
import { parseTimestamp } from "../encode/timestamps.js";
import type { ColumnMeta, TableMeta } from "../api/tables.js";
import type { Filters } from "../api/requests.js";
import { isRecord } from "../contract/json-object.js";

const MAX_ARRAY_STRINGS = 100;

type ValueCheck = (value: unknown, column: ColumnMeta) => string | undefined;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The JSON form of one scalar per dataType (§4); unknown dataTypes accept any scalar. */
const SCALAR_CHECKS: Readonly<Record<string, (value: unknown) => boolean>> = {
  STRING: (v) => typeof v === "string",
  NUMBER: (v) => typeof v === "number" && Number.isFinite(v),
  INTEGER: (v) => typeof v === "number" && Number.isInteger(v),
  MONETARY_AMOUNT: (v) => typeof v === "number" && Number.isFinite(v),
  BOOL: (v) => typeof v === "boolean",
  DATE: (v) => typeof v === "string" && DATE_RE.test(v) && !Number.isNaN(Date.parse(v)),
  TIMESTAMP: (v) => typeof v === "string" && TIMESTAMP_RE.test(v) && parseTimestamp(v) !== undefined,
};

const SCALAR_WORDS: Readonly<Record<string, string>> = {
  STRING: "a string",
  NUMBER: "a number",
  INTEGER: "an integer",
  MONETARY_AMOUNT: "a number",
  BOOL: "true or false",
  DATE: 'a date "YYYY-MM-DD"',
  TIMESTAMP: 'an RFC 3339 timestamp such as "2026-01-15T00:00:00Z"',
};

function scalarProblem(value: unknown, column: ColumnMeta): string | undefined {
  const check = SCALAR_CHECKS[column.dataType];
  if (check === undefined) {
    return value === null || typeof value === "object" ? "must be a single value" : undefined;
  }
  return check(value) ? undefined : `must be ${SCALAR_WORDS[column.dataType] ?? "a scalar"} (column type ${column.dataType}), got ${JSON.stringify(value)}`;
}

function stringsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return "must be a non-empty list of strings";
  if (value.length > MAX_ARRAY_STRINGS) return `takes at most ${MAX_ARRAY_STRINGS} strings (got ${value.length}); split the filter or use fewer values`;
  return value.every((v) => typeof v === "string") ? undefined : "must contain only strings";
}

/** Operator → value rule (§4). An operator the API lists but we do not know passes unchecked. */
const OPERATOR_CHECKS: Readonly<Record<string, ValueCheck>> = {
  eq: scalarProblem,
  gte: scalarProblem,
  lte: scalarProblem,
  in: (value, column) => {
    if (!Array.isArray(value) || value.length === 0) return "must be a non-empty list of values";
    for (const item of value) {
      const problem = scalarProblem(item, column);
      if (problem !== undefined) return `item ${problem}`;
    }
    return undefined;
  },
  between: (value, column) => {
    if (!Array.isArray(value) || value.length !== 2) return "must be a list of exactly 2 values [from, to] (inclusive)";
    for (const item of value) {
      const problem = scalarProblem(item, column);
      if (problem !== undefined) return `item ${problem}`;
    }
    return undefined;
  },
  contains_any: stringsProblem,
  contains_all: stringsProblem,
  is_empty: (value) => (value === true ? undefined : "must be true"),
  is_not_empty: (value) => (value === true ? undefined : "must be true"),
};

/** Every problem with the configured filters, each starting with its field path. Empty when all is well. */
export function filterProblems(filters: Readonly<Record<string, Filters>> | undefined, tables: readonly TableMeta[]): string[] {
  const problems: string[] = [];
  for (const [stream, byColumn] of Object.entries(filters ?? {})) {
    const table = tables.find((t) => t.id === stream);
    if (table === undefined) {
      problems.push(`filters.${stream}: there is no stream "${stream}"; streams are ${tables.map((t) => t.id).join(", ")}`);
      continue;
    }
    if (!isRecord(byColumn)) {
      problems.push(`filters.${stream}: must be an object {column: {operator: value}}`);
      continue;
    }
    for (const [columnName, ops] of Object.entries(byColumn)) {
      const path = `filters.${stream}.${columnName}`;
      const column = table.columns.find((c) => c.name === columnName);
      if (column === undefined) {
        const byLabel = table.columns.find((c) => c.label === columnName);
        problems.push(
          byLabel !== undefined
            ? `${path}: filters use column names, not labels; use "${byLabel.name}" instead of "${columnName}"`
            : `${path}: ${stream} has no column "${columnName}"; columns are ${table.columns.map((c) => c.name).join(", ")}`,
        );
        continue;
      }
      if (!isRecord(ops) || Object.keys(ops).length === 0) {
        problems.push(`${path}: must be an object {operator: value}, e.g. {"eq": …}; operators for this column: ${column.supportedOperators.join(", ")}`);
        continue;
      }
      for (const [op, value] of Object.entries(ops)) {
        if (!column.supportedOperators.includes(op)) {
          problems.push(`${path}.${op}: operator "${op}" is not supported by ${columnName} (${column.dataType}); use one of ${column.supportedOperators.join(", ") || "(none: this column cannot be filtered)"}`);
          continue;
        }
        const problem = OPERATOR_CHECKS[op]?.(value, column);
        if (problem !== undefined) problems.push(`${path}.${op}: ${problem}`);
      }
    }
  }
  return problems;
}

/** Throws one ConfigError listing every problem (so the user fixes them all in one go). */
export function validateFilters(filters: Readonly<Record<string, Filters>> | undefined, tables: readonly TableMeta[]): void {
  const problems = filterProblems(filters, tables);
  if (problems.length === 0) return;
  throw new ConfigError(`Invalid filters: ${problems.join("; ")}`);
}
