/**
 * The spec's UI-friendly filter list (`[{stream, column, operator, value}]`) → the `{stream: {column:
 * {op: value}}}` map of spec/config.ts. Values are JSON text (plain text falls back to a string); the
 * value shape each operator needs is checked here, the columns and operators of each table are checked
 * by streams/ against GET /tables/.
 */
import type { Filters } from "../streams/index.js";

export interface FilterEntry {
  stream: string;
  column: string;
  operator: string;
  value?: string;
}

type Shape = "scalar" | "list" | "pair" | "strings" | "flag";

/** Operator → the value it takes (ignite-api.md §4). */
const OPERATOR_SHAPE: Record<string, Shape> = {
  eq: "scalar",
  gte: "scalar",
  lte: "scalar",
  in: "list",
  between: "pair",
  contains_any: "strings",
  contains_all: "strings",
  is_empty: "flag",
  is_not_empty: "flag",
};

const SHAPE_HELP: Record<Shape, string> = {
  scalar: "one value, e.g. 100, true or 2026-01-01",
  list: 'a JSON list of values, e.g. ["NO", "SE"]',
  pair: "a JSON list of two values, e.g. [100, 500]",
  strings: 'a JSON list of 1 to 100 strings, e.g. ["a", "b"]',
  flag: "no value (or true)",
};

export function convertFilters(entries: readonly FilterEntry[], problems: string[]): Record<string, Filters> {
  const out: Record<string, Filters> = {};
  entries.forEach((entry, i) => {
    const where = `filters[${i}]`;
    const shape = OPERATOR_SHAPE[entry.operator];
    if (shape === undefined) return; // the enum in spec.json already reported it
    const value = parseValue(entry.value, shape);
    if (!fits(value, shape)) {
      problems.push(`${where}.value: operator ${entry.operator} needs ${SHAPE_HELP[shape]}`);
      return;
    }
    const table = (out[entry.stream] ??= {});
    const column = (table[entry.column] ??= {});
    if (entry.operator in column) {
      problems.push(`${where}: ${entry.stream}.${entry.column} already has a ${entry.operator} filter; keep one of them`);
      return;
    }
    column[entry.operator] = value;
  });
  return out;
}

function parseValue(raw: string | undefined, shape: Shape): unknown {
  if (raw === undefined || raw.trim() === "") return shape === "flag" ? true : undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw; // `2026-01-01` or `NO` typed without quotes
  }
}

function isScalar(v: unknown): boolean {
  return typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}

function fits(value: unknown, shape: Shape): boolean {
  switch (shape) {
    case "scalar":
      return isScalar(value);
    case "list":
      return Array.isArray(value) && value.length > 0 && value.every(isScalar);
    case "pair":
      return Array.isArray(value) && value.length === 2 && value.every(isScalar);
    case "strings":
      return Array.isArray(value) && value.length > 0 && value.length <= 100 && value.every((v) => typeof v === "string");
    case "flag":
      return value === true;
  }
}
