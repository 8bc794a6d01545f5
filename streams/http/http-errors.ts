/**
 * Error classes of the HTTP layer and the mapping of low-level (undici / Node socket / TLS) errors to the
 * network error classes of the retry table. Messages are built from route + parsed body, already redacted.
 */
import { ConnectorError, type FailureType } from "../contract/errors.js";
import type { NetworkErrorClass, RetryAction } from "./retry-policy.js";

export interface ApiErrorDetails {
  readonly status: number;
  readonly code: string | undefined;
  /** Method and path, never a query string or a signed URL, e.g. `POST /api/v2/tables/spend/rows`. */
  readonly route: string;
  /** What the retry table says the caller should do next (the reader acts on reset-pagination etc.). */
  readonly action: RetryAction;
  readonly failureType: FailureType;
  /** The server's own message (redacted, shortened). */
  readonly serverMessage: string;
}

export class ApiError extends ConnectorError {
  readonly status: number;
  readonly code: string | undefined;
  readonly route: string;
  readonly action: RetryAction;
  readonly serverMessage: string;

  constructor(message: string, details: ApiErrorDetails, options?: { internal?: string; cause?: unknown }) {
    super(message, details.failureType, options);
    this.status = details.status;
    this.code = details.code;
    this.route = details.route;
    this.action = details.action;
    this.serverMessage = details.serverMessage;
  }
}

/** A request that never produced a usable HTTP answer (after the retry budget, or at once when not retryable). */
export class NetworkError extends ConnectorError {
  readonly cls: NetworkErrorClass;
  readonly route: string;
  /**
   * What the retry table says the caller should do next, as on ApiError: the rows reader acts on
   * smaller-page, so the rule for when a timeout means fewer rows lives in the table alone. Defaults to
   * fail because an error built without a decision (a download that stopped resuming) asks for nothing more.
   */
  readonly action: RetryAction;

  constructor(
    message: string,
    cls: NetworkErrorClass,
    route: string,
    failureType: FailureType,
    options?: { internal?: string; cause?: unknown; action?: RetryAction },
  ) {
    super(message, failureType, options);
    this.cls = cls;
    this.route = route;
    this.action = options?.action ?? "fail";
  }
}

/** Thrown inside an attempt when a 2xx body cannot be used; classified like a network error. */
export class BodyError extends Error {
  readonly cls: NetworkErrorClass;
  constructor(cls: NetworkErrorClass, message: string) {
    super(message);
    this.cls = cls;
  }
}

const CODE_CLASSES: Readonly<Record<string, NetworkErrorClass>> = {
  UND_ERR_CONNECT_TIMEOUT: "timeout",
  UND_ERR_HEADERS_TIMEOUT: "timeout",
  UND_ERR_BODY_TIMEOUT: "timeout",
  ETIMEDOUT: "timeout",
  UND_ERR_SOCKET: "reset",
  UND_ERR_CLOSED: "reset",
  ECONNRESET: "reset",
  EPIPE: "reset",
  ECONNABORTED: "reset",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "truncated",
  ECONNREFUSED: "refused",
  EHOSTUNREACH: "refused",
  ENETUNREACH: "refused",
  EADDRNOTAVAIL: "refused",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_FAIL: "dns",
};

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** Undefined when the error is not a network failure (an abort, or a bug), so the caller rethrows it. */
export function classifyNetworkError(error: unknown): NetworkErrorClass | undefined {
  if (error instanceof BodyError) return error.cls;
  for (const code of codesOf(error)) {
    const cls = CODE_CLASSES[code];
    if (cls !== undefined) return cls;
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_OSSL/.test(code)) return "tls";
  }
  const message = error instanceof Error ? error.message : "";
  if (/other side closed|socket hang up|terminated/i.test(message)) return "reset";
  return undefined;
}

export const NETWORK_MESSAGES: Readonly<Record<NetworkErrorClass, string>> = {
  timeout: "the request timed out",
  reset: "the connection was reset or closed before the answer was complete",
  refused: "the host could not be reached (connection refused or no route)",
  dns: "the host name does not resolve",
  tls: "the TLS handshake failed (certificate not trusted, expired or for another host, or not an https server)",
  truncated: "the answer was cut short",
  "invalid-json": "the answer was not valid JSON",
  "not-json": "the server answered with a page that is not JSON (is base_url the Ignite Export API?)",
};

/**
 * A loggable name for a download URL: host and file name only. Signed URLs carry their signature in the
 * query or (as on the simulator) in a path segment, so neither is shown.
 */
export function describeDownloadUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const last = parsed.pathname.split("/").filter((s) => s.length > 0).pop() ?? "";
    return `${parsed.host}/…/${decodeURIComponent(last)}`;
  } catch {
    return "<download url>";
  }
}
