/** Column and table definitions of the simulated tenant, and the dataType → operators table. */
import type { ColumnMeta, IgniteDataType, TableMeta } from "../../streams/api/tables.js";
import type { RowRandom } from "../rng.js";

export const TABLE_IDS = [
  "spend",
  "suppliers",
  "contracts",
  "classification_business_units",
  "classification_spend_categories",
] as const;
export type TableId = (typeof TABLE_IDS)[number];

export const SCALAR_OPS = ["eq", "in", "gte", "lte", "between"] as const;
export const OPERATORS: Record<IgniteDataType, readonly string[]> = {
  STRING: ["eq", "in"],
  NUMBER: SCALAR_OPS,
  MONETARY_AMOUNT: SCALAR_OPS,
  BOOL: ["eq", "in"],
  DATE: SCALAR_OPS,
  TIMESTAMP: SCALAR_OPS,
  STRING_ARRAY: ["contains_any", "contains_all", "is_empty", "is_not_empty"],
};

export interface ColumnDef {
  readonly name: string;
  readonly label: string;
  readonly dataType: IgniteDataType;
  /** NUMBER columns holding integers only (written as int64 when the variant asks). */
  readonly integer?: boolean;
  /** Enrichment or custom field: edited by clock steps without bumping updated_at. */
  readonly silent?: boolean;
  /** Overrides the default operator set (e.g. range operators on a STRING id). */
  readonly operators?: readonly string[];
}

/** Per-row change state a generator needs: update version and silent-edit version. */
export interface RowVersion {
  readonly version: number; // bumps on core updates
  readonly silent: number; // bumps on enrichment / custom field edits
  readonly updatedAt?: number; // epoch ms of the latest core update (or insert)
  readonly insertedAt?: number; // epoch ms the row was inserted by a clock step
}

export interface GenContext {
  readonly seed: number;
  readonly counts: Readonly<Record<TableId, number>>;
  /** Epoch ms the simulated tenant's data was "loaded" at (clock time 0). */
  readonly epoch: number;
}

export interface TableDef {
  readonly id: TableId;
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly orderBy: readonly string[];
  /** The row key for index i; must sort (string order) exactly like the index. */
  key(index: number): string;
  generate(ctx: GenContext, index: number, v: RowVersion, r: RowRandom): Record<string, unknown>;
}

export function tableMeta(def: TableDef): TableMeta {
  const columns: ColumnMeta[] = def.columns.map((c) => ({
    name: c.name,
    label: c.label,
    dataType: c.dataType,
    supportedOperators: [...(c.operators ?? OPERATORS[c.dataType])],
  }));
  return { id: def.id, name: def.name, table: def.id, columns, orderBy: [...def.orderBy] };
}

/** Columns returned when `fields` is omitted: every scalar column. */
export function defaultFields(def: TableDef): string[] {
  return def.columns.filter((c) => c.dataType !== "STRING_ARRAY").map((c) => c.name);
}
