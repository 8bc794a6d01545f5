/**
 * The bodies the connector sends (ignite-api.md §5, §7, §13, §14). Types only; the configuration's
 * filters and key mode (spec/config.ts) are these types, since they go to the API as configured.
 */

/** `{ column: { op: value } }`, the body shape of §14 (several operators per column allowed). */
export type Filters = Record<string, Record<string, unknown>>;

export type KeyBy = "name" | "label";

export type ExportFormat = "parquet" | "json";

/** `POST /tables/{entity}/rows`. */
export interface RowsRequestBody {
  readonly fields?: readonly string[];
  readonly filters?: Filters;
  readonly pageSize?: number;
  readonly pageToken?: string;
  readonly keyBy?: KeyBy;
}

/** `POST /tables/{entity}/exports`. */
export interface ExportRequestBody {
  readonly fields?: readonly string[];
  readonly filters?: Filters;
  readonly format?: ExportFormat;
}

/** The deprecated rows extract of a legacy data table. */
export interface LegacyRowsBody {
  readonly size?: number;
  readonly columnFilter?: Record<string, unknown>;
  readonly lastModifiedDateFilter?: Record<string, unknown>;
}
