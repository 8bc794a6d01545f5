/**
 * Stream descriptors from table metadata: a declarative dataType → JSON schema table, keys per
 * `column_keys`, primary key from `orderBy`, and the incremental cursor where a TIMESTAMP `updated_at` exists.
 * Schemas come only from GET /tables/ (authoritative), never from sampled rows.
 */
import type { ColumnMeta, TableMeta } from "../api/tables.js";
import type { JsonSchemaObject, StreamDescriptor } from "../contract/stream.js";

type PropertySchema = Record<string, unknown>;

/** Every column is nullable: the API sends null for empty values in any column. */
export const DATA_TYPE_SCHEMAS: Readonly<Record<string, PropertySchema>> = {
  STRING: { type: ["null", "string"] },
  NUMBER: { type: ["null", "number"] },
  // NUMBER stays `number`: only a type that says so becomes integer (JS cannot tell 1 from 1.0 in records).
  INTEGER: { type: ["null", "integer"] },
  MONETARY_AMOUNT: { type: ["null", "number"] },
  BOOL: { type: ["null", "boolean"] },
  BOOLEAN: { type: ["null", "boolean"] },
  DATE: { type: ["null", "string"], format: "date" },
  TIMESTAMP: { type: ["null", "string"], format: "date-time", airbyte_type: "timestamp_with_timezone" },
  STRING_ARRAY: { type: ["null", "array"], items: { type: "string" } },
};

/** An unknown dataType: no type constraint, so whatever the API sends validates (destinations store it as JSON). */
const PERMISSIVE: PropertySchema = {};

export const CURSOR_COLUMN = "updated_at";

/**
 * §3: updated_at on these tables does not move when enrichment data or custom fields change. Their
 * descriptions say so, and their incremental syncs take periodic full snapshots (streams/table-read.ts).
 */
const UPDATED_AT_CAVEAT_TABLES: ReadonlySet<string> = new Set(["suppliers", "contracts"]);

export function updatedAtMissesEdits(table: TableMeta): boolean {
  return UPDATED_AT_CAVEAT_TABLES.has(table.id);
}

export function columnSchema(column: ColumnMeta): PropertySchema {
  const base = DATA_TYPE_SCHEMAS[column.dataType] ?? PERMISSIVE;
  const known = column.dataType in DATA_TYPE_SCHEMAS;
  return {
    ...base,
    description: `${column.label} (Ignite column \`${column.name}\`, ${known ? column.dataType : `unrecognised dataType ${column.dataType}`})`,
  };
}

function keyOf(table: TableMeta, name: string): string {
  return table.columnKeys?.[name] ?? name;
}

export function cursorColumn(table: TableMeta): ColumnMeta | undefined {
  return table.columns.find((c) => c.name === CURSOR_COLUMN && c.dataType === "TIMESTAMP");
}

export function jsonSchemaOf(table: TableMeta): JsonSchemaObject {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const column of table.columns) properties[keyOf(table, column.name)] = columnSchema(column);
  return { $schema: "http://json-schema.org/draft-07/schema#", type: "object", properties, additionalProperties: true };
}

function describe(table: TableMeta, incremental: boolean): string {
  const labels = table.columns.map((c) => c.label).join(", ");
  const parts = [`Ignite export table "${table.name}" (${table.id}). Columns: ${labels}.`];
  if (incremental) parts.push(`Incremental syncs use ${CURSOR_COLUMN} as the cursor.`);
  if (updatedAtMissesEdits(table)) {
    parts.push(
      `Caveat (from the Ignite docs): ${CURSOR_COLUMN} on ${table.id} reflects when the core record was last modified; ` +
        "it does not advance when enrichment data is refreshed or custom fields are edited, so incremental syncs miss those changes. " +
        "Set full_snapshot_interval_days to re-read a complete snapshot periodically (through the async export).",
    );
  }
  return parts.join(" ");
}

export function descriptorOf(table: TableMeta, namespace?: string): StreamDescriptor {
  const cursor = cursorColumn(table);
  const primaryKey = table.orderBy.filter((name) => table.columns.some((c) => c.name === name && c.dataType !== "STRING_ARRAY"));
  return {
    name: table.id,
    json_schema: jsonSchemaOf(table),
    supported_sync_modes: cursor === undefined ? ["full_refresh"] : ["full_refresh", "incremental"],
    // Every stream checkpoints (rows page positions or export file offsets), so it is resumable, and the
    // protocol requires source_defined_cursor with is_resumable.
    source_defined_cursor: true,
    ...(cursor === undefined ? {} : { default_cursor_field: [keyOf(table, cursor.name)] }),
    ...(primaryKey.length === 0 ? {} : { source_defined_primary_key: primaryKey.map((name) => [keyOf(table, name)]) }),
    is_resumable: true,
    ...(namespace === undefined ? {} : { namespace }),
    description: describe(table, cursor !== undefined),
  };
}
