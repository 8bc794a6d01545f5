#!/usr/bin/env node
/**
 * The Singer bin (tap-ignite-procurement). Owns the process like source/main.ts does: one OutputWriter
 * on stdout for Singer messages, logs and errors on stderr, signals, last-resort error handling. Exits
 * only after stdout is flushed; any failure exits non-zero.
 */
import { defaultIgniteSource, type CommandContext } from "../commands/context.js";
import { errorToTrace, FAILURE_EXIT_CODE } from "../error-trace.js";
import type { RuntimeLogger } from "../logger.js";
import { debugFromEnv } from "../logger.js";
import { OutputWriter } from "../output.js";
import { packageVersion } from "../package-version.js";
import { Redactor } from "../redact.js";
import { runSingerCli } from "./cli.js";
import { createStderrLogger } from "./logger.js";

/** After a clean finish, leaked handles (a keep-alive socket, a timer) must not keep the process up. */
const EXIT_GRACE_MS = 2_000;

/** Library code that prints with console.* would corrupt stdout; route it to stderr logs instead. */
function routeConsole(logger: RuntimeLogger): void {
  const text = (args: unknown[]): string => args.map((a) => (typeof a === "string" ? a : JSON.stringify(a) ?? String(a))).join(" ");
  console.log = (...args: unknown[]) => logger.info(text(args));
  console.info = (...args: unknown[]) => logger.info(text(args));
  console.warn = (...args: unknown[]) => logger.warn(text(args));
  console.error = (...args: unknown[]) => logger.error(text(args));
  console.debug = (...args: unknown[]) => logger.debug(text(args));
}

/** One clear stderr line per failure: the redacted message, the detail only when it adds something. */
function reportError(logger: RuntimeLogger, redactor: Redactor, err: unknown): void {
  const trace = errorToTrace(err, { redactor, now: Date.now() });
  if (trace.type !== "TRACE" || trace.trace.type !== "ERROR") return;
  const { message, internal_message, stack_trace } = trace.trace.error;
  logger.log("FATAL", internal_message === undefined ? message : `${message} (${internal_message})`);
  if (stack_trace !== undefined) logger.debug(stack_trace);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const redactor = new Redactor();
  const out = new OutputWriter(process.stdout);
  const logger = createStderrLogger(process.stderr, redactor, { debug: debugFromEnv(process.env) || argv.includes("--debug") });
  const controller = new AbortController();
  let exitCode = FAILURE_EXIT_CODE;

  const finish = async (): Promise<void> => {
    await out.end();
    process.exitCode = exitCode;
    setTimeout(() => process.exit(exitCode), EXIT_GRACE_MS).unref();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      logger.log("FATAL", `Stopped by a second ${signal} before the streams finished`);
      void out.end().finally(() => process.exit(FAILURE_EXIT_CODE));
      return;
    }
    logger.warn(`Received ${signal}: stopping; messages written so far are flushed, the sync will exit non-zero`);
    controller.abort(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const fatal = (err: unknown): void => {
    reportError(logger, redactor, err);
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
    igniteSource: (config) => (routeConsole(logger), defaultIgniteSource({ logger, redactor, now: () => Date.now() }, config)),
  };
  try {
    exitCode = await runSingerCli(argv, ctx, packageVersion());
  } catch (err) {
    reportError(logger, redactor, err);
    exitCode = FAILURE_EXIT_CODE;
  }
  await finish();
}

void main();
