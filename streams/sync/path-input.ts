/**
 * What streams/table-read.ts gives each read path of an export table (streams/rows/, streams/export/):
 * the table, the request's columns and filters (the sync window merged in), and the tracker of the sync.
 */
import type { ConnectorConfig } from "../../spec/config.js";
import type { Filters } from "../api/requests.js";
import type { TableMeta } from "../api/tables.js";
import type { Projection } from "../catalog/projection.js";
import type { IgniteClient } from "../http/client.js";
import type { SyncTracker } from "./sync-tracker.js";

export interface PathInput {
  readonly table: TableMeta;
  readonly config: ConnectorConfig;
  readonly client: IgniteClient;
  readonly projection: Projection;
  readonly filters: Filters | undefined;
  readonly tracker: SyncTracker;
}
