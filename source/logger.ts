/**
 * The Logger handed to streams: LOG messages on stdout through the single writer, secrets redacted,
 * DEBUG/TRACE only when debug logging is on (`--debug` or `LOG_LEVEL=debug`).
 */
import type { LogLevel, Logger } from "../streams/types.js";
import { logMessage } from "./messages.js";
import type { OutputWriter } from "./output.js";
import type { Redactor } from "./redact.js";

const RANK: Record<LogLevel, number> = { FATAL: 0, ERROR: 1, WARN: 2, INFO: 3, DEBUG: 4, TRACE: 5 };

export interface RuntimeLogger extends Logger {
  error(message: string, stackTrace?: string): void;
  readonly debugEnabled: boolean;
}

export function createLogger(out: OutputWriter, redactor: Redactor, options: { debug: boolean }): RuntimeLogger {
  const threshold = options.debug ? RANK.TRACE : RANK.INFO;
  const emit = (level: LogLevel, message: string, stackTrace?: string): void => {
    if (RANK[level] > threshold) return;
    out.send(logMessage(level, redactor.redact(message), stackTrace === undefined ? undefined : redactor.redact(stackTrace)));
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

/** `LOG_LEVEL=debug` is how the platform asks for debug logs (the Python CDK reads the same variable). */
export function debugFromEnv(env: NodeJS.ProcessEnv): boolean {
  return (env.LOG_LEVEL ?? "").toLowerCase() === "debug";
}
