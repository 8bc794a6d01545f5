/**
 * The Logger handed to streams: secrets redacted, DEBUG/TRACE only when debug logging is on (`--debug` or
 * `LOG_LEVEL=debug`). Where entries go is the bin's choice: LOG messages on stdout for Airbyte
 * (createLogger), stderr lines for Singer (singer/logger.ts); both share the level and redaction rules here.
 */
import type { LogLevel, Logger } from "../streams/contract/stream.js";
import { logMessage } from "./messages.js";
import type { OutputWriter } from "./output.js";
import type { Redactor } from "../streams/contract/redact.js";

const RANK: Record<LogLevel, number> = { FATAL: 0, ERROR: 1, WARN: 2, INFO: 3, DEBUG: 4, TRACE: 5 };

export interface RuntimeLogger extends Logger {
  error(message: string, stackTrace?: string): void;
  readonly debugEnabled: boolean;
}

/** Receives entries that passed the level threshold, message and stack trace already redacted. */
export type LogSink = (level: LogLevel, message: string, stackTrace?: string) => void;

export function createRuntimeLogger(sink: LogSink, redactor: Redactor, options: { debug: boolean }): RuntimeLogger {
  const threshold = options.debug ? RANK.TRACE : RANK.INFO;
  const emit = (level: LogLevel, message: string, stackTrace?: string): void => {
    if (RANK[level] > threshold) return;
    sink(level, redactor.redact(message), stackTrace === undefined ? undefined : redactor.redact(stackTrace));
  };
  return {
    debugEnabled: options.debug,
    log: (level, message) => emit(level, message),
    info: (message) => emit("INFO", message),
    warn: (message) => emit("WARN", message),
    debug: (message) => emit("DEBUG", message),
    error: (message, stackTrace) => emit("ERROR", message, stackTrace),
  };
}

/** The Airbyte logger: LOG messages on stdout through the single writer. */
export function createLogger(out: OutputWriter, redactor: Redactor, options: { debug: boolean }): RuntimeLogger {
  return createRuntimeLogger((level, message, stackTrace) => out.send(logMessage(level, message, stackTrace)), redactor, options);
}

/** `LOG_LEVEL=debug` is how the platform asks for debug logs (the Python CDK reads the same variable). */
export function debugFromEnv(env: NodeJS.ProcessEnv): boolean {
  return (env.LOG_LEVEL ?? "").toLowerCase() === "debug";
}
