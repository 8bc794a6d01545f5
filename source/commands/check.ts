/**
 * `check`: exactly one CONNECTION_STATUS. Everything the user can fix (invalid config, wrong token,
 * bad filters, unreachable host) is FAILED with exit 0; anything else is thrown to main, which prints
 * one ERROR trace and exits non-zero (CAT's `exception` case expects exactly one TRACE).
 */
import { ConfigError } from "../../streams/contract/errors.js";
import { connectionStatusMessage } from "../messages.js";
import { readJsonFile } from "../json-file.js";
import { validateConfig, type LoadedConfig } from "../config.js";
import type { CommandContext } from "./context.js";

export async function checkCommand(ctx: CommandContext, args: { config: string }): Promise<number> {
  // A missing or non-JSON file is a broken invocation, not a failed connection: main reports it.
  const raw = await readJsonFile(args.config, "config");
  let loaded: LoadedConfig;
  try {
    loaded = validateConfig(raw, ctx.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    await ctx.out.write(connectionStatusMessage(false, ctx.redactor.redact(err.message)));
    return 0;
  }
  ctx.redactor.add(loaded.config.api_token);
  loaded.warnings.forEach((w) => ctx.logger.warn(w));
  const source = await ctx.igniteSource(loaded.config);
  try {
    const result = await source.check();
    await ctx.out.write(connectionStatusMessage(result.ok, ctx.redactor.redact(result.message)));
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    await ctx.out.write(connectionStatusMessage(false, ctx.redactor.redact(err.message)));
    return 0;
  } finally {
    await source.close().catch(() => undefined);
  }
}
