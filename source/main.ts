#!/usr/bin/env node
/**
 * The bin. Owns the process: one OutputWriter on stdout, the logger, signals, and the last-resort
 * error handling. Exits only after stdout is flushed.
 */
import { runCli } from "./cli.js";
import { defaultIgniteSource, type CommandContext } from "./commands/context.js";
import { errorToTrace, FAILURE_EXIT_CODE } from "./error-trace.js";
import { TransientError } from "./errors.js";
import { createLogger, debugFromEnv, type RuntimeLogger } from "./logger.js";
import { OutputWriter } from "./output.js";
import { packageVersion } from "./package-version.js";
import { Redactor } from "./redact.js";

/** After a clean finish, leaked handles (a keep-alive socket, a timer) must not keep the process up. */
const EXIT_GRACE_MS = 2_000;

/** Library code that prints with console.* would corrupt stdout; route it to LOG messages instead. */
function routeConsole(logger: RuntimeLogger): void {
  const text = (args: unknown[]): string => args.map((a) => (typeof a === "string" ? a : JSON.stringify(a) ?? String(a))).join(" ");
  console.log = (...args: unknown[]) => logger.info(text(args));
  console.info = (...args: unknown[]) => logger.info(text(args));
  console.warn = (...args: unknown[]) => logger.warn(text(args));
  console.error = (...args: unknown[]) => logger.error(text(args));
  console.debug = (...args: unknown[]) => logger.debug(text(args));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const redactor = new Redactor();
  const out = new OutputWriter(process.stdout);
  const logger = createLogger(out, redactor, { debug: debugFromEnv(process.env) || argv.includes("--debug") });
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
      out.send(errorToTrace(new TransientError(`Stopped by a second ${signal} before the streams finished`), { redactor, now: Date.now() }));
      void out.end().finally(() => process.exit(FAILURE_EXIT_CODE));
      return;
    }
    logger.warn(`Received ${signal}: stopping; records written so far are flushed, the sync will exit non-zero`);
    controller.abort(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const fatal = (err: unknown): void => {
    out.send(errorToTrace(err, { redactor, now: Date.now() }));
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
    igniteSource: (config) => defaultIgniteSource({ logger, redactor, now: () => Date.now() }, config),
  };
  try {
    // Commands run with console routed to LOG; yargs' own --help/--version text still goes to stdout.
    exitCode = await runCli(argv, { ...ctx, igniteSource: (config) => (routeConsole(logger), ctx.igniteSource(config)) }, packageVersion());
  } catch (err) {
    const trace = errorToTrace(err, { redactor, now: Date.now() });
    out.send(trace);
    // A person at a terminal reads stderr; the platform reads the trace.
    if (trace.type === "TRACE" && trace.trace.type === "ERROR") process.stderr.write(`error: ${trace.trace.error.message}\n`);
    exitCode = FAILURE_EXIT_CODE;
  }
  await finish();
}

void main();
