/**
 * The legacy data tables as the source sees them: the streams hook for createIgniteSource, the part of
 * `check` that lists them, and the split of the configured filters between export and legacy streams.
 */
import type { ConnectorConfig } from "../../spec/config.js";
import { ConfigError } from "../contract/errors.js";
import type { CallOptions, IgniteClient } from "../http/client.js";
import { ApiError } from "../http/http-errors.js";
import { legacyCursorLabel, legacyDescriptor } from "./legacy-schema.js";
import {
  LEGACY_PREFIX,
  legacyNameMatches,
  nameLegacyTables,
  parseLegacyTableList,
  selectLegacyTables,
  unknownIdsMessage,
  type NamedLegacyTable,
} from "./legacy-tables.js";
import { configuredDateFilter } from "./legacy-window.js";
import type { Filters } from "../api/requests.js";
import type { Logger, Stream } from "../contract/stream.js";

/** Discover and read wait this long at most for the list (check uses its own short budget). */
const LIST_BUDGET_MS = 120_000;

/** Every table the token can see, named (names depend on all of them, not on the selection). */
export async function listNamedLegacyTables(client: IgniteClient, opts?: CallOptions): Promise<NamedLegacyTable[]> {
  return nameLegacyTables(parseLegacyTableList(await client.listLegacyTables(opts)));
}

/** Filters on stream names starting `legacy_` belong to legacy tables (no export table id starts so). */
export function splitFilters(filters: Readonly<Record<string, Filters>>): { exportFilters: Record<string, Filters>; legacyFilters: Record<string, Filters> } {
  const exportFilters: Record<string, Filters> = {};
  const legacyFilters: Record<string, Filters> = {};
  for (const [stream, value] of Object.entries(filters)) (stream.startsWith(LEGACY_PREFIX) ? legacyFilters : exportFilters)[stream] = value;
  return { exportFilters, legacyFilters };
}

/** The configured filters of `table`, under its current name or a name it still answers to. */
function filtersOf(table: NamedLegacyTable, all: readonly NamedLegacyTable[], legacyFilters: Readonly<Record<string, Filters>>): [string, Filters | undefined] {
  const key = Object.keys(legacyFilters).find((stream) => legacyNameMatches(stream, table, all));
  return [key ?? table.streamName, key === undefined ? undefined : legacyFilters[key]];
}

/** Filter entries naming no selected legacy stream are typos: say so instead of ignoring them. */
function strayFilterProblems(selected: readonly NamedLegacyTable[], all: readonly NamedLegacyTable[], legacyFilters: Readonly<Record<string, Filters>>): string[] {
  return Object.keys(legacyFilters)
    .filter((stream) => !selected.some((t) => legacyNameMatches(stream, t, all)))
    .map((stream) => `filters.${stream}: there is no legacy stream "${stream}"; legacy streams are ${selected.map((t) => t.streamName).join(", ") || "none"}`);
}

/**
 * The configured ids minus those no table has, each one warned about. A table deleted in Ignite after setup
 * must not stop the other streams: its configured stream alone fails ("does not exist ... refresh the
 * schema") and `check` still reports the id as a configuration error.
 */
function presentIds(all: readonly NamedLegacyTable[], setting: ConnectorConfig["legacy_data_tables"], logger: Logger): ConnectorConfig["legacy_data_tables"] {
  if (!Array.isArray(setting)) return setting;
  const missing = setting.filter((id) => !all.some((t) => t.id === id));
  if (missing.length === 0) return setting;
  logger.warn(`${unknownIdsMessage(missing, all)} Left out; the other streams are read.`);
  return setting.filter((id) => !missing.includes(id));
}

/** Logs the deprecation once per source (one per read command), however many legacy streams run. */
class DeprecationNotice {
  #done = false;
  warnOnce(logger: Logger): void {
    if (this.#done) return;
    this.#done = true;
    logger.warn(
      "Reading legacy data tables through Ignite's DEPRECATED data table endpoints. Ignite may remove them; " +
        "move these tables to the export registry (GET /tables/) when it offers them, and set legacy_data_tables to off.",
    );
  }
}

/** The hook createIgniteSource calls when legacy_data_tables is not "off". */
export async function createLegacyStreams(args: { client: IgniteClient; config: ConnectorConfig; logger: Logger }): Promise<Stream[]> {
  const { client, config } = args;
  if (config.legacy_data_tables === "off") return [];
  const budgetMs = Math.min(LIST_BUDGET_MS, config.retry_budget_seconds * 1000);
  const all = await listNamedLegacyTables(client, { budgetMs });
  const selectedIds = new Set(selectLegacyTables(all, presentIds(all, config.legacy_data_tables, args.logger)).map((t) => t.id));
  const selected = all.filter((t) => selectedIds.has(t.id));
  const { legacyFilters } = splitFilters(config.filters);
  const stray = strayFilterProblems(selected, all, legacyFilters);
  if (stray.length > 0) throw new ConfigError(`Invalid filters: ${stray.join("; ")}`);
  const notice = new DeprecationNotice();
  return selected.map((table): Stream => {
    const [filterKey, filters] = filtersOf(table, all, legacyFilters);
    const dateFilter = configuredDateFilter(filterKey, filters, legacyCursorLabel(table.columns));
    return {
      name: table.streamName,
      descriptor: legacyDescriptor(table),
      matchesName: (name) => legacyNameMatches(name, table, all),
      // Imported on the first read, like the export tables' reader (index.ts): check and discover never load it.
      read: async function* (ctx) {
        const { readLegacyTable } = await import("./legacy-read.js");
        yield* readLegacyTable({ table, config, client, dateFilter, notice }, ctx);
      },
    };
  });
}

export type LegacyCheck = { ok: true; message: string } | { ok: false; message: string };

/** What `check` says about the legacy tables: those found, those that will be read, or what is wrong. */
export async function checkLegacyTables(client: IgniteClient, config: ConnectorConfig, budgetMs: number): Promise<LegacyCheck> {
  if (config.legacy_data_tables === "off") return { ok: true, message: "" };
  let all: NamedLegacyTable[];
  try {
    all = await listNamedLegacyTables(client, { budgetMs });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status < 400 || error.status >= 500 || error.status === 429) throw error;
    const gone = error.status === 404 || error.status === 405 || error.status === 410;
    return {
      ok: false,
      message: gone
        ? `The deprecated legacy data table endpoint (${error.route}) does not answer on ${client.baseUrl.host} (HTTP ${error.status}): Ignite may have removed it. Set legacy_data_tables to off, or check endpoints.legacy_tables.`
        : `Listing the legacy data tables failed (HTTP ${error.status} from ${error.route}: ${error.serverMessage}). Check that the token may read them, or set legacy_data_tables to off.`,
    };
  }
  const found = all.map((t) => `"${t.name}" (${t.id}) as ${t.streamName}`).join(", ") || "none";
  if (Array.isArray(config.legacy_data_tables)) {
    const missing = config.legacy_data_tables.filter((id) => !all.some((t) => t.id === id));
    if (missing.length > 0) return { ok: false, message: unknownIdsMessage(missing, all) };
  }
  const selected = all.filter((t) => config.legacy_data_tables === "all" || (config.legacy_data_tables as readonly string[]).includes(t.id));
  const { legacyFilters } = splitFilters(config.filters);
  const problems = strayFilterProblems(selected, all, legacyFilters);
  for (const table of selected) {
    const [key, filters] = filtersOf(table, all, legacyFilters);
    try {
      configuredDateFilter(key, filters, legacyCursorLabel(table.columns));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message.replace(/^Invalid filters: /, ""));
    }
  }
  if (problems.length > 0) return { ok: false, message: `Legacy data tables: invalid filters: ${problems.join("; ")}` };
  return {
    ok: true,
    message: `Legacy data tables (deprecated API): ${all.length} found: ${found}; reading ${selected.length}.`,
  };
}
