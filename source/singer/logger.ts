/**
 * Singer taps log to stderr (stdout is for messages only): one line per entry,
 * `<RFC 3339 time> <LEVEL> <message>`, with Python's level names since Meltano shows them as they are.
 * Secrets are redacted; DEBUG/TRACE only with --debug or LOG_LEVEL=debug.
 */
import type { LogLevel } from "../../streams/types.js";
import type { RuntimeLogger } from "../logger.js";
import type { Redactor } from "../redact.js";

const RANK: Record<LogLevel, number> = { FATAL: 0, ERROR: 1, WARN: 2, INFO: 3, DEBUG: 4, TRACE: 5 };
const NAME: Record<LogLevel, string> = { FATAL: "CRITICAL", ERROR: "ERROR", WARN: "WARNING", INFO: "INFO", DEBUG: "DEBUG", TRACE: "DEBUG" };

export interface LineSink {
  write(text: string): unknown;
}

export function createStderrLogger(stderr: LineSink, redactor: Redactor, options: { debug: boolean; now?: () => number }): RuntimeLogger {
  const threshold = options.debug ? RANK.TRACE : RANK.INFO;
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, message: string, stackTrace?: string): void => {
    if (RANK[level] > threshold) return;
    const text = stackTrace === undefined || !options.debug ? message : `${message}\n${stackTrace}`;
    // Continuation lines are indented so every entry still starts with its time and level.
    const body = redactor.redact(text).replace(/\r?\n/g, "\n    ");
    stderr.write(`${new Date(now()).toISOString()} ${NAME[level]} ${body}\n`);
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
