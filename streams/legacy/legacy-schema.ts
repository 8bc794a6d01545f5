/**
 * Stream descriptors of legacy data tables, from the legacy column metadata only (never from sampled rows).
 *
 * The legacy API keys every row by column label, so the schema does too. Every column is nullable and
 * `additionalProperties` stays true (the column object and its type names are undocumented, §13.18).
 * Columns that share a label become one property: the API can only return one value under that key.
 */
import type { OutputColumn } from "../encode/record-serializer.js";
import type { LegacyColumn, NamedLegacyTable } from "./legacy-tables.js";
import type { JsonSchemaObject, StreamDescriptor } from "../contract/stream.js";

type PropertySchema = Record<string, unknown>;

interface TypeRule {
  readonly schema: PropertySchema;
  /** The Ignite dataType whose value writer formats it (record-serializer.ts). */
  readonly writeAs: string;
}

const STRING: TypeRule = { schema: { type: ["null", "string"] }, writeAs: "STRING" };
const NUMBER: TypeRule = { schema: { type: ["null", "number"] }, writeAs: "NUMBER" };
const BOOLEAN: TypeRule = { schema: { type: ["null", "boolean"] }, writeAs: "BOOL" };
/**
 * Legacy "date" columns carry dates or full timestamps (the simulator's "Last modified" is typed date and
 * holds `…T…Z`), so no `format`: a destination must not cut or reject either form.
 */
const DATE_TEXT: TypeRule = { schema: { type: ["null", "string"] }, writeAs: "DATE" };
/** Unknown type names: no constraint, so whatever the API sends validates. */
const PERMISSIVE: TypeRule = { schema: {}, writeAs: "" };

/** Legacy type name (lower-cased) → rule. Declarative: add a spelling here. */
export const LEGACY_TYPES: Readonly<Record<string, TypeRule>> = {
  text: STRING,
  string: STRING,
  varchar: STRING,
  email: STRING,
  url: STRING,
  select: STRING,
  dropdown: STRING,
  number: NUMBER,
  numeric: NUMBER,
  decimal: NUMBER,
  float: NUMBER,
  double: NUMBER,
  integer: NUMBER,
  int: NUMBER,
  currency: NUMBER,
  monetary: NUMBER,
  monetary_amount: NUMBER,
  percentage: NUMBER,
  boolean: BOOLEAN,
  bool: BOOLEAN,
  checkbox: BOOLEAN,
  date: DATE_TEXT,
  datetime: DATE_TEXT,
  timestamp: DATE_TEXT,
};

export function legacyTypeRule(type: string): TypeRule {
  return LEGACY_TYPES[type.toLowerCase()] ?? PERMISSIVE;
}

/** One record key: a label and the columns that carry it (more than one when labels collide). */
export interface LegacyProperty {
  readonly label: string;
  readonly columns: readonly LegacyColumn[];
  readonly rule: TypeRule;
}

export function legacyProperties(columns: readonly LegacyColumn[]): LegacyProperty[] {
  const byLabel = new Map<string, LegacyColumn[]>();
  for (const column of columns) {
    const list = byLabel.get(column.label);
    if (list === undefined) byLabel.set(column.label, [column]);
    else list.push(column);
  }
  return [...byLabel].map(([label, cols]) => {
    const rules = new Set(cols.map((c) => legacyTypeRule(c.type)));
    // Colliding labels with different types: whichever column the server picked, the value must validate.
    return { label, columns: cols, rule: rules.size === 1 ? [...rules][0]! : PERMISSIVE };
  });
}

/** The legacy last-modified column, if the table has one: it is the incremental cursor. */
const CURSOR_LABELS = /^(last[\s_-]*(modified|updated|changed)|modified|updated|changed)([\s_-]*(at|date|on|time))?$/i;

export function legacyCursorLabel(columns: readonly LegacyColumn[]): string | undefined {
  return columns.find((c) => CURSOR_LABELS.test(c.label.trim()) || CURSOR_LABELS.test(c.id.replace(/^c_/, "")))?.label;
}

function propertySchema(p: LegacyProperty): PropertySchema {
  const types = [...new Set(p.columns.map((c) => c.type || "unspecified"))].join("/");
  const ids = p.columns.map((c) => c.id).join(", ");
  const shared = p.columns.length > 1 ? `; ${p.columns.length} columns share this label (${ids}) and the API returns one value for it` : ` (column ${ids})`;
  return { ...p.rule.schema, description: `Legacy ${types} column${shared}` };
}

export function legacyJsonSchema(table: NamedLegacyTable): JsonSchemaObject {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const p of legacyProperties(table.columns)) properties[p.label] = propertySchema(p);
  return { $schema: "http://json-schema.org/draft-07/schema#", type: "object", properties, additionalProperties: true };
}

/** Serializer columns for the labels a read asks for, in table order. */
export function legacyOutputColumns(table: NamedLegacyTable, labels: ReadonlySet<string> | undefined): OutputColumn[] {
  return legacyProperties(table.columns)
    .filter((p) => labels === undefined || labels.has(p.label))
    .map((p) => ({ key: p.label, source: p.label, dataType: p.rule.writeAs }));
}

export function legacyDescriptor(table: NamedLegacyTable): StreamDescriptor {
  const cursor = legacyCursorLabel(table.columns);
  const parts = [
    `DEPRECATED API: legacy Ignite data table "${table.name}" (id ${table.id}), read through the deprecated data table endpoints, which Ignite may remove.`,
    "Records are keyed by column label.",
    `The stream name is legacy_<name>_<first characters of the id> and still matches after the table is renamed (the id tag stays).`,
    cursor === undefined
      ? "Full refresh only: the table has no last-modified column."
      : `Incremental syncs filter on "${cursor}" by whole days, so the boundary day is re-read (at-least-once).`,
  ];
  return {
    name: table.streamName,
    json_schema: legacyJsonSchema(table),
    supported_sync_modes: cursor === undefined ? ["full_refresh"] : ["full_refresh", "incremental"],
    source_defined_cursor: true,
    ...(cursor === undefined ? {} : { default_cursor_field: [cursor] }),
    is_resumable: true,
    description: parts.join(" "),
  };
}
