/**
 * The Singer sync (no mode flag): config, catalog and state are all checked before the first request,
 * then the same runtime as Airbyte `read` runs the selected streams with the Singer emitter. Exit 0
 * only when every selected stream completed.
 */
import type { StreamRun } from "../catalog.js";
import { resolveCatalog } from "../catalog.js";
import type { CommandContext } from "../commands/context.js";
import { FAILURE_EXIT_CODE } from "../error-trace.js";
import { readJsonFile } from "../json-file.js";
import { readMemoryBudget } from "../memory-limit.js";
import { runRead } from "../read-runtime.js";
import { keyProperties, replicationKey } from "./catalog.js";
import { loadSingerConfig } from "./config.js";
import { singerEmitter } from "./emitter.js";
import { schemaMessage, type SchemaMessage } from "./messages.js";
import { allStreams, fromSingerCatalog } from "./selection.js";
import { loadSingerState } from "./state.js";

export interface SyncArgs {
  configs: readonly string[];
  catalog?: string;
  state?: string;
}

export async function singerSync(ctx: CommandContext, args: SyncArgs): Promise<number> {
  const { config, warnings } = await loadSingerConfig(args.configs, ctx.env);
  ctx.redactor.add(config.api_token);
  warnings.forEach((w) => ctx.logger.warn(w));
  const rawCatalog = args.catalog === undefined ? undefined : await readJsonFile(args.catalog, "catalog");
  const state = await loadSingerState(args.state);
  const warn = (m: string): void => ctx.logger.warn(m);

  const source = await ctx.igniteSource(config);
  try {
    const streams = await source.streams();
    const configured = rawCatalog === undefined ? allStreams(streams) : fromSingerCatalog(rawCatalog, streams, warn);
    const { runs, rejected } = resolveCatalog(configured, streams, warn);
    for (const name of Object.keys(state.bookmarks)) {
      if (!runs.some((r) => r.ref.name === name)) ctx.logger.debug(`Bookmark of stream '${name}' kept as is: the stream is not selected`);
    }
    ctx.logger.info(`Syncing ${runs.length} stream(s), ${config.max_concurrent_streams} at a time`);
    const emitter = singerEmitter({ out: ctx.out, logger: ctx.logger, redactor: ctx.redactor, bookmarks: state.bookmarks, schemas: schemas(runs) });
    const summary = await runRead(runs, rejected, {
      out: ctx.out,
      logger: ctx.logger,
      redactor: ctx.redactor,
      state: state.input,
      concurrency: config.max_concurrent_streams,
      signal: ctx.signal,
      now: ctx.now,
      emitter,
      memory: readMemoryBudget(),
    });
    const notDone = [...summary.outcomes].filter(([, outcome]) => outcome !== "complete").map(([name]) => name);
    if (summary.interruption !== undefined) emitter.error(summary.interruption, ctx.now());
    const total = [...summary.records.values()].reduce((a, b) => a + b, 0);
    ctx.logger.info(`Sync finished: ${total} records; ${notDone.length === 0 ? "all streams complete" : `not complete: ${notDone.join(", ")}`}`);
    return notDone.length === 0 ? 0 : FAILURE_EXIT_CODE;
  } finally {
    await source.close().catch(() => undefined);
  }
}

/** SCHEMA per stream: the discovered schema limited to the properties this run reads. */
function schemas(runs: readonly StreamRun[]): Map<string, SchemaMessage> {
  const out = new Map<string, SchemaMessage>();
  for (const run of runs) {
    const d = run.stream.descriptor;
    const wanted = new Set(run.selectedProperties);
    const keys = keyProperties(d);
    const cursor = run.syncMode === "incremental" ? replicationKey(d) : undefined;
    const properties = Object.fromEntries(
      Object.entries(d.json_schema.properties).filter(([name]) => wanted.has(name) || keys.includes(name) || name === cursor),
    );
    out.set(run.ref.name, schemaMessage(run.ref.name, { ...d.json_schema, properties }, keys, cursor === undefined ? [] : [cursor]));
  }
  return out;
}
