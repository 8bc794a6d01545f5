/**
 * Table metadata as GET /tables/ describes it (ignite-api.md §3), after streams/http/tables.ts has checked
 * the answer. Types only: the simulator serves the same shapes.
 */

/** The column types the API documents. */
export type IgniteDataType =
  | "STRING"
  | "NUMBER"
  | "MONETARY_AMOUNT"
  | "BOOL"
  | "DATE"
  | "TIMESTAMP"
  | "STRING_ARRAY";

export interface ColumnMeta {
  readonly name: string;
  readonly label: string;
  /** Known types above; an unknown string is tolerated and mapped to a permissive schema. */
  readonly dataType: IgniteDataType | (string & {});
  readonly supportedOperators: readonly string[];
}

export interface TableMeta {
  readonly id: string;
  readonly name: string;
  readonly table: string;
  readonly columns: readonly ColumnMeta[];
  readonly orderBy: readonly string[];
  /**
   * Column name → record key under the configured `column_keys` (set by streams/catalog/label-keys.ts when
   * the source builds its streams; absent means keys are the column names). Readers key every record by it.
   * Not sent by the API: the connector adds it.
   */
  readonly columnKeys?: Readonly<Record<string, string>>;
}
