/** `discover`: exactly one CATALOG, from the Ignite side's descriptors. Failures go to main (trace + exit 1). */
import { loadConfig } from "../config.js";
import { catalogMessage } from "../messages.js";
import type { CommandContext } from "./context.js";

export async function discoverCommand(ctx: CommandContext, args: { config: string }): Promise<number> {
  const { config, warnings } = await loadConfig(args.config, ctx.env);
  ctx.redactor.add(config.api_token);
  warnings.forEach((w) => ctx.logger.warn(w));
  const source = await ctx.igniteSource(config);
  try {
    await ctx.out.write(catalogMessage(await source.discover()));
    return 0;
  } finally {
    await source.close().catch(() => undefined);
  }
}
