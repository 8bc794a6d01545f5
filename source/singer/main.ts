#!/usr/bin/env node
/**
 * The Singer bin (tap-ignite-procurement): Singer messages on stdout, logs and errors on stderr, in the
 * shared process shell (../process-shell.ts). Any failure exits non-zero.
 */
import { errorToTrace } from "../error-trace.js";
import { packageVersion } from "../../spec/package-version.js";
import { runProcess, type ShellIo } from "../process-shell.js";
import { runSingerCli } from "./cli.js";
import { createStderrLogger } from "./logger.js";

/** One clear stderr line per failure: the redacted message, the detail only when it adds something. */
function reportError({ logger, redactor }: ShellIo, err: unknown): void {
  const trace = errorToTrace(err, { redactor, now: Date.now() });
  if (trace.type !== "TRACE" || trace.trace.type !== "ERROR") return;
  const { message, internal_message, stack_trace } = trace.trace.error;
  logger.log("FATAL", internal_message === undefined ? message : `${message} (${internal_message})`);
  if (stack_trace !== undefined) logger.debug(stack_trace);
}

void runProcess({
  createLogger: (_out, redactor, options) => createStderrLogger(process.stderr, redactor, options),
  reportFailure: (io, err) => reportError(io, err),
  reportInterrupt: ({ logger }, message) => logger.log("FATAL", message),
  flushedNoun: "messages",
  runCli: (argv, ctx) => runSingerCli(argv, ctx, packageVersion()),
});
