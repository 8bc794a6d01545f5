/**
 * Reads one legacy data table: POST the extract with `size`, `columnFilter` and `lastModifiedDateFilter`,
 * then follow `next` (absolute URL, relative URL or opaque cursor; the client tells them apart) until a
 * page has none. Each page is one batch followed by a checkpoint holding the next link; the stream ends
 * with the completing checkpoint, which is the only one that moves the cursor.
 */
import type { ConnectorConfig } from "../../spec/config.js";
import { ConfigError, SystemError } from "../contract/errors.js";
import type { LegacyRowsBody } from "../api/requests.js";
import type { IgniteClient, LegacyRowsPage } from "../http/client.js";
import { ApiError } from "../http/http-errors.js";
import { legacyCursorLabel, legacyOutputColumns, legacyProperties } from "./legacy-schema.js";
import { parseLegacyState, LegacyTracker, type LegacySync } from "./legacy-state.js";
import type { NamedLegacyTable } from "./legacy-tables.js";
import { syncDateFilter, type LegacyDateFilter } from "./legacy-window.js";
import { compileSerializer } from "../encode/record-serializer.js";
import { formatTimestamp, parseDuration, planSync } from "../sync/sync-window.js";
import type { Logger, ReadContext, StreamOutput } from "../contract/stream.js";
import { callOptionsOf } from "../sync/call-options.js";
import { fingerprint } from "../sync/fingerprint.js";

/** The documented maximum rows per legacy extract. */
export const LEGACY_MAX_SIZE = 10_000;

export interface LegacyReadDeps {
  readonly table: NamedLegacyTable;
  readonly config: ConnectorConfig;
  readonly client: IgniteClient;
  /** The user's configured lastModifiedDateFilter bounds for this stream (legacy-window.ts). */
  readonly dateFilter: LegacyDateFilter;
  /** The source's deprecation warning (legacy-streams.ts), logged once however many legacy streams read. */
  readonly notice: { warnOnce(logger: Logger): void };
}

export async function* readLegacyTable(deps: LegacyReadDeps, ctx: ReadContext): AsyncGenerator<StreamOutput> {
  const { table, config, client } = deps;
  const name = table.streamName;
  deps.notice.warnOnce(ctx.logger);
  const saved = parseLegacyState(ctx.state);
  if (saved.note !== undefined) ctx.logger.warn(`${name}: ${saved.note}`);
  const cursorLabel = legacyCursorLabel(table.columns);
  const incremental = ctx.syncMode === "incremental" && cursorLabel !== undefined;
  const sync = saved.sync ?? newSync(name, config, saved.base, incremental, ctx);
  if (saved.sync !== undefined) ctx.logger.info(`${name}: resuming the sync started at ${sync.started_at}${sync.from ? ` (rows modified since ${sync.from})` : ""}`);
  const tracker = new LegacyTracker(saved.base, sync);

  const labels = projection(table, ctx.selectedProperties, cursorLabel);
  const dateFilter = syncDateFilter(deps.dateFilter, sync.from, ctx.now());
  const body: LegacyRowsBody = {
    size: Math.max(1, Math.min(config.page_size, LEGACY_MAX_SIZE)),
    ...(labels !== undefined && { columnFilter: { include: [...labels] } }),
    ...(dateFilter !== undefined && { lastModifiedDateFilter: { ...dateFilter } }),
  };
  const request = fingerprint(body);
  const serializer = compileSerializer(legacyOutputColumns(table, labels));
  const opts = callOptionsOf(ctx);

  let next = resumeNext(name, tracker, request, ctx);
  let resuming = next !== undefined;
  const seen = new Set<string>();
  for (let first = true; ; first = false) {
    let page: LegacyRowsPage;
    try {
      page = await client.fetchLegacyRows(table.id, next === undefined ? { ...opts, body } : { ...opts, next });
    } catch (error) {
      if (resuming && refusedHandle(error)) {
        ctx.logger.warn(`${name}: the server no longer accepts the saved next link (${describe(error)}); reading the sync window from its first page. Rows already emitted may be emitted again.`);
        tracker.forgetPosition();
        next = undefined;
        resuming = false;
        continue;
      }
      throw tableGone(error, table) ?? error;
    }
    resuming = false;
    if (first && next === undefined && page.totalCount !== undefined) ctx.events.estimate({ rows: page.totalCount });
    if (page.data.length > 0) {
      // Observed in full refresh too: a completed full read is a valid watermark for a later incremental sync.
      if (cursorLabel !== undefined) tracker.observe(page.data, cursorLabel);
      yield serializer.fromObjects(page.data);
    }
    if (page.next === undefined) break;
    if (page.next === next || seen.has(page.next)) {
      throw new SystemError(`The legacy rows endpoint of data table ${table.id} returned a next link it had already returned; stopping instead of looping forever`);
    }
    seen.add(page.next);
    next = page.next;
    yield tracker.checkpoint({ path: "legacy", request, next, issued_at: formatTimestamp(ctx.now()) });
  }
  yield tracker.complete(ctx.now());
}

/**
 * The labels to ask for: the configured schema's properties that are columns of the table, plus the
 * cursor column (state depends on it). Undefined (no columnFilter) when that is every column.
 */
function projection(table: NamedLegacyTable, selected: readonly string[], cursorLabel: string | undefined): ReadonlySet<string> | undefined {
  const all = legacyProperties(table.columns).map((p) => p.label);
  const wanted = new Set(selected);
  const chosen = all.filter((label) => wanted.size === 0 || wanted.has(label) || label === cursorLabel);
  return chosen.length === all.length ? undefined : new Set(chosen);
}

function newSync(name: string, config: ConnectorConfig, base: ReturnType<typeof parseLegacyState>["base"], incremental: boolean, ctx: ReadContext): LegacySync {
  const now = ctx.now();
  const plan = planSync({
    state: base,
    incremental,
    needsSnapshots: false,
    startDate: config.start_date,
    lookbackMs: parseDuration(config.lookback_window),
    snapshotIntervalDays: 0,
    now,
  });
  ctx.logger.info(`${name}: ${plan.reason}${plan.from === undefined ? "" : ` (whole days from ${plan.from.slice(0, 10)}, the API filters by date)`}`);
  return { started_at: formatTimestamp(now), snapshot: plan.snapshot, ...(plan.from !== undefined && { from: plan.from }) };
}

/** The saved next link, when it belongs to this exact request. */
function resumeNext(name: string, tracker: LegacyTracker, request: string, ctx: ReadContext): string | undefined {
  const position = tracker.sync.position;
  if (position === undefined) return undefined;
  if (position.request !== request) {
    ctx.logger.info(`${name}: not resuming at the saved next link because the request changed since (columns, filters or page size); reading the sync window from its start`);
    tracker.forgetPosition();
    return undefined;
  }
  ctx.logger.info(`${name}: resuming at the saved next link (issued ${position.issued_at})`);
  return position.next;
}

/** Answers that mean "this link is no good" rather than "you may not" or "try later". */
function refusedHandle(error: unknown): boolean {
  if (error instanceof ApiError) return error.status >= 400 && error.status < 500 && ![401, 403, 408, 429].includes(error.status);
  // A saved absolute link to another host (base_url changed): the client refuses to send the token there.
  return error instanceof SystemError && /another host/.test(error.message);
}

function describe(error: unknown): string {
  return error instanceof ApiError ? `HTTP ${error.status}${error.code ? ` ${error.code}` : ""}` : error instanceof Error ? error.message : String(error);
}

function tableGone(error: unknown, table: NamedLegacyTable): ConfigError | undefined {
  if (!(error instanceof ApiError) || error.status !== 404) return undefined;
  return new ConfigError(
    `Legacy data table "${table.name}" (id ${table.id}) no longer exists in Ignite (HTTP 404 from ${error.route}); remove it from legacy_data_tables or refresh the source schema`,
    { cause: error },
  );
}
