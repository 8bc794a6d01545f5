/**
 * The connector's error vocabulary. Every error that reaches the runtime is turned into a TRACE
 * ERROR by one function (source/error-trace.ts), using the failure type carried here.
 */
export type FailureType = "config_error" | "transient_error" | "system_error";

export class ConnectorError extends Error {
  readonly failureType: FailureType;
  /** Technical detail for `internal_message` (already redacted). */
  readonly internal: string | undefined;

  constructor(message: string, failureType: FailureType, options?: { internal?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.failureType = failureType;
    this.internal = options?.internal;
  }
}

/** The user can fix it: bad config, catalog, state, credentials or permissions. */
export class ConfigError extends ConnectorError {
  constructor(message: string, options?: { internal?: string; cause?: unknown }) {
    super(message, "config_error", options);
  }
}

/** May resolve by itself: timeouts, 5xx and 429 after the retry budget, broken connections. */
export class TransientError extends ConnectorError {
  constructor(message: string, options?: { internal?: string; cause?: unknown }) {
    super(message, "transient_error", options);
  }
}

/** A bug or an answer from the API that breaks the contract. */
export class SystemError extends ConnectorError {
  constructor(message: string, options?: { internal?: string; cause?: unknown }) {
    super(message, "system_error", options);
  }
}
