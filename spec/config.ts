/**
 * The validated, defaults-applied connector configuration. spec/spec.json is the source of truth for
 * names, defaults and limits; this type mirrors it (test/spec.test.ts keeps the two in sync).
 */
import type { ExportFormat, Filters, KeyBy } from "../streams/api/requests.js";

export type ReadMode = "auto" | "rows" | "export";

/** Path templates; `{entity}` and `{id}` are substituted. Relative to base_url. */
export interface EndpointPaths {
  tables: string; // "/tables/"
  rows: string; // "/tables/{entity}/rows"
  export_create: string; // "/tables/{entity}/exports"
  /** Empty string: try "/exports/{id}" then "/tables/{entity}/exports/{id}" (a status URL from the create response wins). */
  export_status: string;
  legacy_tables: string; // "/datatables"
  legacy_rows: string; // "/datatables/rows"
}

export interface ConnectorConfig {
  api_token: string;
  base_url: string; // default https://datatable.igniteprocurement.com
  read_mode: ReadMode; // default auto
  export_format: ExportFormat; // default parquet
  page_size: number; // default 10000, 1..100000
  start_date?: string; // RFC 3339 or YYYY-MM-DD; absent = from the beginning
  lookback_window: string; // ISO 8601 duration, default "PT1H"
  full_snapshot_interval_days: number; // default 7, 0 = never
  column_keys: KeyBy; // default name
  /** Per stream name: typed filters, validated against GET /tables/ operators. */
  filters: Record<string, Filters>;
  max_concurrent_streams: number; // default 2
  request_timeout_seconds: number; // default 300
  retry_budget_seconds: number; // default 600 (check uses a short fixed budget)
  export_poll_timeout_minutes: number; // default 360
  export_max_attempts: number; // default 3
  legacy_data_tables: "off" | "all" | string[]; // default off
  endpoints: EndpointPaths;
}
