/**
 * `--discover` (a Singer catalog on stdout) and `--test` (a connection check; the exit code is the
 * answer, the reason goes to stderr). Both take the same context as the Airbyte commands.
 */
import type { CommandContext } from "../commands/context.js";
import { FAILURE_EXIT_CODE } from "../error-trace.js";
import { singerCatalog } from "./catalog.js";
import { loadSingerConfig } from "./config.js";

export interface SingerArgs {
  configs: readonly string[];
}

async function openSource(ctx: CommandContext, args: SingerArgs) {
  const { config, warnings } = await loadSingerConfig(args.configs, ctx.env);
  ctx.redactor.add(config.api_token);
  warnings.forEach((w) => ctx.logger.warn(w));
  return { config, source: await ctx.igniteSource(config) };
}

export async function singerDiscover(ctx: CommandContext, args: SingerArgs): Promise<number> {
  const { source } = await openSource(ctx, args);
  try {
    const catalog = singerCatalog(await source.discover());
    // The catalog is a document, not a message stream: Meltano reads stdout whole, people read it too.
    ctx.out.enqueue(new TextEncoder().encode(`${JSON.stringify(catalog, null, 2)}\n`));
    await ctx.out.flush();
    ctx.logger.info(`Discovered ${catalog.streams.length} stream(s)`);
    return 0;
  } finally {
    await source.close().catch(() => undefined);
  }
}

export async function singerTest(ctx: CommandContext, args: SingerArgs): Promise<number> {
  const { source } = await openSource(ctx, args);
  try {
    const result = await source.check();
    const message = ctx.redactor.redact(result.message);
    if (result.ok) ctx.logger.info(`Connection test passed: ${message}`);
    else ctx.logger.error(`Connection test failed: ${message}`);
    return result.ok ? 0 : FAILURE_EXIT_CODE;
  } finally {
    await source.close().catch(() => undefined);
  }
}
