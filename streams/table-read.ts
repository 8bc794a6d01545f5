/**
 * Reads one Ignite export table as a stream: restores or plans the sync window, picks the read path,
 * and ends with the completing checkpoint (only when every row of the window has been yielded).
 */
import type { ReadContext, StreamOutput } from "./contract/stream.js";
import type { ConnectorConfig, ReadMode } from "../spec/config.js";
import type { TableMeta } from "./api/tables.js";
import { projectColumns } from "./catalog/projection.js";
import { cursorColumn, updatedAtMissesEdits } from "./catalog/schema.js";
import type { IgniteClient } from "./http/client.js";
import { readRowsPath } from "./rows/rows-path.js";
import { parseTableState, type SyncProgress, type TableState } from "./sync/stream-state.js";
import { SyncTracker } from "./sync/sync-tracker.js";
import { formatTimestamp, parseDuration, planSync } from "./sync/sync-window.js";
import { withWindow } from "./sync/window-filters.js";

export interface TableReadDeps {
  readonly table: TableMeta;
  readonly config: ConnectorConfig;
  readonly client: IgniteClient;
}

export async function* readTable(deps: TableReadDeps, ctx: ReadContext): AsyncGenerator<StreamOutput> {
  const { table, config, client } = deps;
  const { state, note } = parseTableState(ctx.state);
  if (note !== undefined) ctx.logger.warn(`${table.id}: ${note}`);
  const cursor = cursorColumn(table);
  const incremental = ctx.syncMode === "incremental" && cursor !== undefined;
  const sync = state.sync ?? newSync(table, config, state, incremental, ctx);
  if (state.sync !== undefined) {
    ctx.logger.info(`${table.id}: resuming the sync started at ${sync.started_at}${sync.from ? ` (rows updated since ${sync.from})` : ""}`);
  }
  const tracker = new SyncTracker(state, sync);

  const required = [...table.orderBy, ...(cursor ? [cursor.name] : [])];
  const projection = projectColumns(table, ctx.selectedProperties, config.column_keys, required);
  const filters = withWindow(config.filters[table.id], cursor, sync.from);
  const cursorKey = cursor === undefined ? undefined : projection.sourceKey(cursor.name);

  const rows = { table, config, client, projection, filters, tracker, cursorKey };
  if (choosePath(config.read_mode, sync) === "export") {
    // Loaded for an export only: it brings apache-arrow and the decode thread's code (≈ 80 ms to load),
    // which a rows read (every small incremental sync) does not need.
    const { ExportFailedError, readExportPath } = await import("./export/export-path.js");
    try {
      yield* readExportPath({ ...rows, cursorColumn: cursor?.name }, ctx);
    } catch (error) {
      if (!(error instanceof ExportFailedError)) throw error;
      ctx.logger.warn(`${error.message}; reading ${table.id} through the rows endpoint instead`);
      tracker.forgetPosition();
      yield* readRowsPath(rows, ctx);
    }
  } else {
    yield* readRowsPath(rows, ctx);
  }
  yield tracker.complete(ctx.now());
}

/**
 * `auto`: exports for whole-table reads (full refresh, first incremental sync, periodic snapshot), rows
 * pages for the small windows of later incremental syncs; a resumed sync stays on the path it saved.
 */
export function choosePath(mode: ReadMode, sync: SyncProgress): "rows" | "export" {
  if (mode !== "auto") return mode;
  if (sync.position !== undefined) return sync.position.path;
  return sync.snapshot ? "export" : "rows";
}

function newSync(table: TableMeta, config: ConnectorConfig, state: TableState, incremental: boolean, ctx: ReadContext): SyncProgress {
  const now = ctx.now();
  const plan = planSync({
    state,
    incremental,
    needsSnapshots: updatedAtMissesEdits(table),
    startDate: config.start_date,
    lookbackMs: parseDuration(config.lookback_window),
    snapshotIntervalDays: config.full_snapshot_interval_days,
    now,
  });
  ctx.logger.info(`${table.id}: ${plan.reason}`);
  return { started_at: formatTimestamp(now), snapshot: plan.snapshot, ...(plan.from !== undefined && { from: plan.from }) };
}
