#!/usr/bin/env node
/**
 * The Airbyte bin: everything goes to stdout as protocol messages (logs as LOG, failures as TRACE ERROR)
 * in the shared process shell (process-shell.ts).
 */
import { runCli } from "./cli.js";
import { errorToTrace } from "./error-trace.js";
import { TransientError } from "../streams/contract/errors.js";
import { createLogger } from "./logger.js";
import { packageVersion } from "../spec/package-version.js";
import { runProcess, type ShellIo } from "./process-shell.js";

const sendTrace = ({ out, redactor }: ShellIo, err: unknown) => {
  const trace = errorToTrace(err, { redactor, now: Date.now() });
  out.send(trace);
  return trace;
};

void runProcess({
  createLogger,
  reportFailure: (io, err, origin) => {
    const trace = sendTrace(io, err);
    // A person at a terminal reads stderr; the platform reads the trace.
    if (origin === "command" && trace.type === "TRACE" && trace.trace.type === "ERROR") process.stderr.write(`error: ${trace.trace.error.message}\n`);
  },
  reportInterrupt: (io, message) => void sendTrace(io, new TransientError(message)),
  flushedNoun: "records",
  runCli: (argv, ctx) => runCli(argv, ctx, packageVersion()),
});
