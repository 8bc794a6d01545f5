/**
 * The process shell both bins run in: one OutputWriter on stdout, the logger, console routing, signals,
 * the exit grace and the last-resort error handling. Exits only after stdout is flushed. The bins differ
 * only in what a BinProfile says: where logs go, how a failure is told, which CLI runs.
 */
import { defaultIgniteSource, type CommandContext } from "./commands/context.js";
import { FAILURE_EXIT_CODE } from "./error-trace.js";
import { debugFromEnv, type RuntimeLogger } from "./logger.js";
import { OutputWriter } from "./output.js";
import { Redactor } from "../streams/contract/redact.js";

/** After a clean finish, leaked handles (a keep-alive socket, a timer) must not keep the process up. */
const EXIT_GRACE_MS = 2_000;

/** What a failure report may use. */
export interface ShellIo {
  readonly out: OutputWriter;
  readonly logger: RuntimeLogger;
  readonly redactor: Redactor;
}

export interface BinProfile {
  createLogger(out: OutputWriter, redactor: Redactor, options: { debug: boolean }): RuntimeLogger;
  /** A failure, told the way this bin's consumer reads them: the CLI threw (`command`) or the process crashed. */
  reportFailure(io: ShellIo, err: unknown, origin: "command" | "crash"): void;
  /** A second signal stopped the process before the streams finished. */
  reportInterrupt(io: ShellIo, message: string): void;
  /** What the first-signal warning says is flushed ("records", "messages"). */
  readonly flushedNoun: string;
  runCli(argv: string[], ctx: CommandContext): Promise<number>;
}

/** Library code that prints with console.* would corrupt stdout; route it to the logger instead. */
function routeConsole(logger: RuntimeLogger): void {
  const text = (args: unknown[]): string => args.map((a) => (typeof a === "string" ? a : JSON.stringify(a) ?? String(a))).join(" ");
  console.log = (...args: unknown[]) => logger.info(text(args));
  console.info = (...args: unknown[]) => logger.info(text(args));
  console.warn = (...args: unknown[]) => logger.warn(text(args));
  console.error = (...args: unknown[]) => logger.error(text(args));
  console.debug = (...args: unknown[]) => logger.debug(text(args));
}

export async function runProcess(bin: BinProfile): Promise<void> {
  const argv = process.argv.slice(2);
  const redactor = new Redactor();
  const out = new OutputWriter(process.stdout);
  const logger = bin.createLogger(out, redactor, { debug: debugFromEnv(process.env) || argv.includes("--debug") });
  const io: ShellIo = { out, logger, redactor };
  const controller = new AbortController();
  let exitCode = FAILURE_EXIT_CODE;

  const finish = async (): Promise<void> => {
    await out.end();
    process.exitCode = exitCode;
    setTimeout(() => process.exit(exitCode), EXIT_GRACE_MS).unref();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // Second signal: the user means it. Say so, write what is buffered, and go.
      bin.reportInterrupt(io, `Stopped by a second ${signal} before the streams finished`);
      void out.end().finally(() => process.exit(FAILURE_EXIT_CODE));
      return;
    }
    logger.warn(`Received ${signal}: stopping; ${bin.flushedNoun} written so far are flushed, the sync will exit non-zero`);
    controller.abort(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const fatal = (err: unknown): void => {
    bin.reportFailure(io, err, "crash");
    exitCode = FAILURE_EXIT_CODE;
    void finish();
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);

  const ctx: CommandContext = {
    out,
    logger,
    redactor,
    env: process.env,
    stderr: process.stderr,
    signal: controller.signal,
    now: () => Date.now(),
    // Commands run with console routed to the logger; help and version text printed before that stays as it is.
    igniteSource: (config) => (routeConsole(logger), defaultIgniteSource({ logger, redactor, now: () => Date.now() }, config)),
  };
  try {
    exitCode = await bin.runCli(argv, ctx);
  } catch (err) {
    bin.reportFailure(io, err, "command");
    exitCode = FAILURE_EXIT_CODE;
  }
  await finish();
}
