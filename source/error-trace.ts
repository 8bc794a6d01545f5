/**
 * The one place that turns any error into a TRACE ERROR message and an exit code. ConnectorError
 * subclasses carry their failure type; anything else is a bug in the connector (system_error).
 * Every text field is redacted here, so no caller can leak a secret through an error.
 */
import { ConnectorError, type FailureType } from "../streams/contract/errors.js";
import { errorTraceMessage, type AirbyteMessage, type ErrorTrace, type StreamRef } from "./messages.js";
import type { Redactor } from "../streams/contract/redact.js";

/** Exit code of a process that failed; every failure kind uses it (the platform only reads zero/non-zero). */
export const FAILURE_EXIT_CODE = 1;

export interface ErrorTraceOptions {
  redactor: Redactor;
  now: number;
  stream?: StreamRef;
}

export function failureTypeOf(err: unknown): FailureType {
  return err instanceof ConnectorError ? err.failureType : "system_error";
}

export function errorToTrace(err: unknown, options: ErrorTraceOptions): AirbyteMessage {
  const { redactor } = options;
  const error: ErrorTrace = {
    message: redactor.redact(userMessage(err, options.stream)),
    failure_type: failureTypeOf(err),
  };
  const internal = internalMessage(err);
  if (internal !== undefined) error.internal_message = redactor.redact(internal);
  // A config error is the user's to fix; a stack trace would only bury the message.
  if (err instanceof Error && err.stack !== undefined && error.failure_type !== "config_error") error.stack_trace = redactor.redact(stackWithCauses(err));
  if (options.stream !== undefined) error.stream_descriptor = options.stream;
  return errorTraceMessage(error, options.now);
}

/** What the user sees: our own wording for ConnectorErrors; for bugs, say so and keep the detail internal. */
function userMessage(err: unknown, stream: StreamRef | undefined): string {
  if (err instanceof ConnectorError) return err.message;
  const where = stream === undefined ? "" : ` while reading stream '${stream.name}'`;
  return `Unexpected error in the connector${where}: ${messageOf(err)}`;
}

function internalMessage(err: unknown): string | undefined {
  if (err instanceof ConnectorError) {
    const parts = [err.internal, causeChain(err.cause)].filter((p): p is string => p !== undefined && p !== "");
    return parts.length > 0 ? parts.join("; caused by ") : undefined;
  }
  const name = err instanceof Error ? err.name : typeof err;
  const chain = err instanceof Error ? causeChain(err.cause) : undefined;
  return chain === undefined ? `${name}: ${messageOf(err)}` : `${name}: ${messageOf(err)}; caused by ${chain}`;
}

function causeChain(cause: unknown, depth = 0): string | undefined {
  if (cause === undefined || cause === null || depth > 4) return undefined;
  const here = cause instanceof Error ? `${cause.name}: ${cause.message}` : messageOf(cause);
  const next = cause instanceof Error ? causeChain(cause.cause, depth + 1) : undefined;
  return next === undefined ? here : `${here}; caused by ${next}`;
}

function stackWithCauses(err: Error): string {
  let text = err.stack ?? `${err.name}: ${err.message}`;
  let cause: unknown = err.cause;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    text += `\nCaused by: ${cause.stack ?? `${cause.name}: ${cause.message}`}`;
    cause = cause.cause;
  }
  return text;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
