/**
 * The Singer command line, Meltano SDK style: one mode flag (--discover, --test, --about, --version,
 * --help) or none for a sync. Parsing is strict: an unknown flag or a missing value is a ConfigError
 * with the usage, because a tap that silently ignores `--catalgo` would sync the wrong streams.
 */
import { parseArgs } from "node:util";
import type { CommandContext } from "../commands/context.js";
import { ConfigError } from "../../streams/contract/errors.js";
import { about, aboutText, TAP_NAME } from "./about.js";
import { singerDiscover, singerTest } from "./commands.js";
import { singerSync } from "./sync.js";

export const USAGE = `Usage: ${TAP_NAME} --config FILE [--config FILE ...] [--catalog FILE] [--state FILE]
       ${TAP_NAME} --config FILE --discover
       ${TAP_NAME} --config FILE --test
       ${TAP_NAME} --about [--format json|markdown]
       ${TAP_NAME} --version | --help

Singer tap for the Ignite Procurement Export API. Messages (SCHEMA, RECORD, STATE) go to stdout,
logs to stderr.

  --config FILE     settings JSON; repeat to merge (later wins); ENV reads TAP_IGNITE_PROCUREMENT_*
  --catalog FILE    Singer catalog with selections (alias: --properties)
  --state FILE      state from a previous run: {"bookmarks": {...}}
  --discover        print the Singer catalog
  --test            test the connection; exit code 0 when it works
  --about           name, version, capabilities and settings (--format json|markdown)
  --debug           debug logs (same as LOG_LEVEL=debug)
`;

const HELP_HINT = `Run \`${TAP_NAME} --help\` for the usage.`;

const OPTIONS = {
  config: { type: "string", multiple: true },
  catalog: { type: "string" },
  properties: { type: "string" },
  state: { type: "string" },
  discover: { type: "boolean" },
  test: { type: "boolean" },
  about: { type: "boolean" },
  format: { type: "string" },
  version: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  debug: { type: "boolean" },
} as const;

export type SingerCliArgs = ReturnType<typeof parseSingerArgs>;

export function parseSingerArgs(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // Node's messages name the flag ("Unknown option '--x'"); the usage says what is allowed.
    throw new ConfigError(`${err instanceof Error ? err.message : String(err)}. ${HELP_HINT}`);
  }
}

/** Runs one invocation; resolves to the exit code. Human text (help, version, about) goes to stdout. */
export async function runSingerCli(argv: readonly string[], ctx: CommandContext, version: string): Promise<number> {
  const a = parseSingerArgs(argv);
  const print = async (text: string): Promise<number> => {
    ctx.out.enqueue(new TextEncoder().encode(text));
    await ctx.out.flush();
    return 0;
  };
  if (a.help === true) return print(USAGE);
  if (a.version === true) return print(`${TAP_NAME} v${version}\n`);
  if (a.about === true) {
    const format = a.format ?? "json";
    if (format !== "json" && format !== "markdown") throw new ConfigError(`--format ${format}: use json or markdown`);
    return print(aboutText(about(version), format));
  }
  const modes = [a.discover, a.test].filter((m) => m === true).length;
  if (modes > 1) throw new ConfigError(`--discover and --test cannot be combined. ${HELP_HINT}`);
  if (a.catalog !== undefined && a.properties !== undefined) throw new ConfigError("Pass either --catalog or --properties, not both");
  const configs = a.config ?? [];
  if (a.discover === true) return singerDiscover(ctx, { configs });
  if (a.test === true) return singerTest(ctx, { configs });
  const catalog = a.catalog ?? a.properties;
  return singerSync(ctx, { configs, ...(catalog === undefined ? {} : { catalog }), ...(a.state === undefined ? {} : { state: a.state }) });
}
