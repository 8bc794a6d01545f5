/**
 * Singer taps log to stderr (stdout is for messages only): one line per entry,
 * `<RFC 3339 time> <LEVEL> <message>`, with Python's level names since Meltano shows them as they are.
 * Levels and redaction are the shared runtime logger's (../logger.ts); this is only the stderr sink.
 */
import type { LogLevel } from "../../streams/contract/stream.js";
import { createRuntimeLogger, type RuntimeLogger } from "../logger.js";
import type { Redactor } from "../../streams/contract/redact.js";

const NAME: Record<LogLevel, string> = { FATAL: "CRITICAL", ERROR: "ERROR", WARN: "WARNING", INFO: "INFO", DEBUG: "DEBUG", TRACE: "DEBUG" };

export interface LineSink {
  write(text: string): unknown;
}

export function createStderrLogger(stderr: LineSink, redactor: Redactor, options: { debug: boolean; now?: () => number }): RuntimeLogger {
  const now = options.now ?? Date.now;
  const sink = (level: LogLevel, message: string, stackTrace?: string): void => {
    const text = stackTrace === undefined || !options.debug ? message : `${message}\n${stackTrace}`;
    // Continuation lines are indented so every entry still starts with its time and level.
    stderr.write(`${new Date(now()).toISOString()} ${NAME[level]} ${text.replace(/\r?\n/g, "\n    ")}\n`);
  };
  return createRuntimeLogger(sink, redactor, options);
}
