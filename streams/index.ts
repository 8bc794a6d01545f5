/**
 * The Ignite source as the runtime sees it: check, discover, streams, close. One client per source; table
 * metadata is fetched once and shared by discover and streams.
 */
import type { ConnectorConfig } from "../spec/config.js";
import type { Redactor } from "./contract/redact.js";
import { IgniteClient, type ClientOptions } from "./http/client.js";
import { CHECK_BUDGET_MS, runCheck, type CheckResult } from "./catalog/check.js";
import { validateFilters } from "./catalog/filters.js";
import { withColumnKeys } from "./catalog/label-keys.js";
import { checkLegacyTables, createLegacyStreams, splitFilters } from "./legacy/legacy-streams.js";
import { descriptorOf } from "./catalog/schema.js";
import type { Logger, Stream, StreamDescriptor } from "./contract/stream.js";
import type { TableMeta } from "./api/tables.js";

export interface IgniteSource {
  check(): Promise<CheckResult>;
  discover(): Promise<StreamDescriptor[]>;
  streams(): Promise<Stream[]>;
  close(): Promise<void>;
}

/**
 * Hook for the deprecated data tables (legacy_data_tables ≠ "off"): given the shared client, returns extra
 * streams. Until it is supplied, legacy tables are not offered.
 */
export type LegacyStreamsHook = (args: { client: IgniteClient; config: ConnectorConfig; logger: Logger }) => Promise<Stream[]>;

export interface IgniteSourceDeps {
  logger: Logger;
  now?: () => number;
  /** Deprecated data tables; see LegacyStreamsHook. */
  legacyStreams?: LegacyStreamsHook;
  /** The runtime's redactor, so secrets the client learns (signed URLs) are masked in runtime output too. */
  redactor?: Redactor;
  /** Test seams for the client (sleep, backoff). */
  client?: Partial<Pick<ClientOptions, "sleep" | "backoff">>;
}

/** Discover waits longer than check on a busy API, but not the whole read budget. */
const DISCOVER_BUDGET_MS = 120_000;

export function createIgniteSource(config: ConnectorConfig, deps: IgniteSourceDeps): IgniteSource {
  const client = new IgniteClient({
    config,
    logger: deps.logger,
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.redactor === undefined ? {} : { redactor: deps.redactor }),
    ...deps.client,
  });
  let tablesPromise: Promise<TableMeta[]> | undefined;
  let streamsPromise: Promise<Stream[]> | undefined;
  // The reader (and the Arrow code it brings) loads for a read only: check and discover never load it.
  // import() keeps the module it loaded (or the error it met): calling it again costs nothing.
  const reader = () => import("./table-read.js");

  const tables = (): Promise<TableMeta[]> => {
    tablesPromise ??= (async () => {
      const budgetMs = Math.min(DISCOVER_BUDGET_MS, config.retry_budget_seconds * 1000);
      const raw = await client.listTables({ budgetMs });
      // Filters on legacy_* streams are checked against the legacy tables (legacy-streams.ts).
      validateFilters(splitFilters(config.filters).exportFilters, raw);
      const keyed: TableMeta[] = [];
      for (const table of raw) keyed.push(await withColumnKeys(client, table, config.column_keys, deps.logger, { budgetMs }));
      return keyed;
    })();
    // A failed attempt is not cached: the next call asks again.
    tablesPromise.catch(() => {
      tablesPromise = undefined;
    });
    return tablesPromise;
  };

  const buildStreams = async (): Promise<Stream[]> => {
    const out: Stream[] = (await tables()).map((table) => ({
      name: table.id,
      descriptor: descriptorOf(table),
      read: async function* (ctx) {
        const { readTable } = await reader();
        yield* readTable({ table, config, client }, ctx);
      },
    }));
    if (config.legacy_data_tables !== "off") {
      const legacy = deps.legacyStreams ?? createLegacyStreams;
      out.push(...(await legacy({ client, config, logger: deps.logger })));
    }
    return out;
  };

  const streams = (): Promise<Stream[]> => {
    if (streamsPromise === undefined) {
      streamsPromise = buildStreams();
      streamsPromise.catch(() => {
        streamsPromise = undefined;
      });
    }
    return streamsPromise;
  };

  return {
    check: async () => {
      const result = await runCheck(client, { ...config, filters: splitFilters(config.filters).exportFilters });
      if (!result.ok || config.legacy_data_tables === "off") return result;
      const legacy = await checkLegacyTables(client, config, CHECK_BUDGET_MS);
      return legacy.ok ? { ok: true, message: `${result.message} ${legacy.message}` } : legacy;
    },
    discover: async () => (await streams()).map((s) => s.descriptor),
    streams: () => {
      // Only a read asks for the streams themselves: the reader's modules (~100 ms to load) load while
      // the table list is on its way. On loopback that list arrives in ~5 ms, so this gains nothing
      // there; against the real API's round trip it does.
      reader().catch(() => undefined);
      return streams();
    },
    close: () => client.close(),
  };
}

export { IgniteClient } from "./http/client.js";
export { ApiError, NetworkError } from "./http/http-errors.js";
export type { CheckResult } from "./catalog/check.js";
export type { Filters } from "./api/requests.js";
