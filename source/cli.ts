/**
 * The command line (yargs): spec | check | discover | read, --help, --version. Unknown flags such as
 * the CDK's `--debug` are accepted; an unknown command or a missing option is a ConfigError, which
 * main turns into an ERROR trace.
 */
import yargs from "yargs";
import type { CommandContext } from "./commands/context.js";
import { ConfigError } from "../streams/contract/errors.js";

const COMMANDS = "spec, check --config FILE, discover --config FILE, read --config FILE --catalog FILE [--state FILE]";

/** Runs the CLI; resolves to the exit code. --help and --version print and resolve to 0. */
export async function runCli(argv: readonly string[], ctx: CommandContext, version: string): Promise<number> {
  let exitCode: number | undefined;
  const run = (command: (c: CommandContext) => Promise<number>) => async (): Promise<void> => {
    exitCode = await command(ctx);
  };
  const config = { type: "string", demandOption: true, describe: "Path to the config JSON file" } as const;
  // A `--` before the command is a separator, as for Airbyte's Python connectors (argparse): Meltano's
  // tap-airbyte runs `docker run IMAGE -- spec`. yargs would take what follows it as mere positionals.
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const parsed = await yargs(args)
    .scriptName("source-ignite-procurement")
    .usage("Airbyte source for the Ignite Procurement Export API.\n\nUsage: $0 <command> [options]")
    // Each command's module is imported when it runs: `spec` then loads neither ajv nor the read machinery.
    .command("spec", "Print the connector specification (SPEC)", {}, run(async (c) => (await import("./commands/spec.js")).specCommand(c)))
    .command("check", "Test the connection (CONNECTION_STATUS)", { config }, async (a) => run(async (c) => (await import("./commands/check.js")).checkCommand(c, { config: a.config }))())
    .command("discover", "List the streams (CATALOG)", { config }, async (a) => run(async (c) => (await import("./commands/discover.js")).discoverCommand(c, { config: a.config }))())
    .command(
      "read",
      "Read records (RECORD, STATE, TRACE, LOG)",
      {
        config,
        catalog: { type: "string", demandOption: true, describe: "Path to the configured catalog JSON file" },
        state: { type: "string", describe: "Path to the state JSON file (optional)" },
      },
      async (a) => run(async (c) => (await import("./commands/read.js")).readCommand(c, { config: a.config, catalog: a.catalog, ...(a.state === undefined ? {} : { state: a.state }) }))(),
    )
    .option("debug", { type: "boolean", describe: "Debug logs (same as LOG_LEVEL=debug)" })
    .demandCommand(1, "No command given")
    .strictCommands()
    .version(version)
    .help()
    .wrap(null)
    .exitProcess(false)
    .fail((message, error) => {
      // Errors thrown by a command pass through untouched; yargs' own complaints become ConfigErrors.
      if (error !== undefined && error !== null) throw error;
      throw new ConfigError(`${friendly(message)}. Usage: ${COMMANDS}`);
    })
    .parseAsync();
  if (exitCode !== undefined || parsed["help"] === true || parsed["version"] === true) return exitCode ?? 0;
  // every word sat behind a `--` (e.g. `-- -- spec`): never end as if a command had run
  throw new ConfigError(`No command given: every word follows a '--'. Usage: ${COMMANDS}`);
}

function friendly(message: string | null | undefined): string {
  if (message === null || message === undefined || message === "") return "Invalid command line";
  const unknown = /^Unknown (?:command|argument)s?: (.*)$/i.exec(message);
  if (unknown?.[1] !== undefined) return `Unknown command: ${unknown[1]}`;
  const missing = /^Missing required arguments?: (.*)$/i.exec(message);
  if (missing?.[1] !== undefined) return `Missing required option ${missing[1].split(", ").map((m) => `--${m}`).join(", ")}`;
  return message;
}
