/**
 * `read`: config, catalog and state are all checked before the first request, then the runtime runs
 * the streams. Exit 0 only when every configured stream completed.
 */
import { loadCatalog, resolveCatalog } from "../catalog.js";
import { loadConfig } from "../config.js";
import { errorToTrace, FAILURE_EXIT_CODE } from "../error-trace.js";
import { readMemoryBudget } from "../memory-limit.js";
import { createProgress } from "../progress.js";
import { runRead } from "../read-runtime.js";
import { loadState } from "../state-input.js";
import type { CommandContext } from "./context.js";

export async function readCommand(ctx: CommandContext, args: { config: string; catalog: string; state?: string }): Promise<number> {
  const { config, warnings } = await loadConfig(args.config, ctx.env);
  ctx.redactor.add(config.api_token);
  warnings.forEach((w) => ctx.logger.warn(w));
  const catalog = await loadCatalog(args.catalog);
  const state = await loadState(args.state);

  const source = await ctx.igniteSource(config);
  const progress = createProgress(ctx.stderr);
  try {
    const { runs, rejected } = resolveCatalog(catalog, await source.streams(), (m) => ctx.logger.warn(m));
    ctx.logger.info(`Reading ${runs.length} stream(s), ${config.max_concurrent_streams} at a time`);
    const summary = await runRead(runs, rejected, {
      out: ctx.out,
      logger: ctx.logger,
      redactor: ctx.redactor,
      state,
      concurrency: config.max_concurrent_streams,
      signal: ctx.signal,
      now: ctx.now,
      onProgress: (counts) => progress.update(counts),
      memory: readMemoryBudget(),
    });
    const notDone = [...summary.outcomes].filter(([, outcome]) => outcome !== "complete").map(([name]) => name);
    if (summary.interruption !== undefined) {
      await ctx.out.write(errorToTrace(summary.interruption, { redactor: ctx.redactor, now: ctx.now() }));
    }
    const total = [...summary.records.values()].reduce((a, b) => a + b, 0);
    ctx.logger.info(`Read finished: ${total} records; ${notDone.length === 0 ? "all streams complete" : `not complete: ${notDone.join(", ")}`}`);
    return notDone.length === 0 ? 0 : FAILURE_EXIT_CODE;
  } finally {
    progress.stop();
    await source.close().catch(() => undefined);
  }
}
