/**
 * The one retry policy of the connector, as a table: what happened (HTTP status or network error class,
 * per kind of request) → what to do → what failure type it becomes when we give up.
 * The client applies `retry` itself (within the time budget); the other actions are for the reader,
 * which owns pagination and export state.
 */
import type { FailureType } from "../contract/errors.js";

/** What the request was for: the API proper, an export status poll, or a signed download URL. */
export type RequestKind = "api" | "export-status" | "download";

export type NetworkErrorClass =
  | "timeout" // connect, headers or body timeout
  | "reset" // connection reset / closed mid-request or mid-body
  | "refused" // nothing listening
  | "dns" // host name does not resolve
  | "tls" // certificate or handshake failure
  | "truncated" // 2xx body shorter than announced, or JSON cut short
  | "invalid-json" // 2xx JSON body that does not parse
  | "not-json"; // 2xx answer that is a whole page of something else (HTML): likely a wrong base_url

export type RetryAction = "retry" | "fail" | "reset-pagination" | "refresh-url" | "new-export" | "smaller-page";

export interface RetryDecision {
  readonly action: RetryAction;
  readonly failureType: FailureType;
  /** For `retry`: give up after this many attempts even inside the budget (errors unlikely to clear). */
  readonly maxAttempts?: number;
}

type StatusMatch = number | readonly [number, number];

interface StatusRule {
  readonly kinds: readonly RequestKind[];
  readonly status: StatusMatch;
  /** Error code from the body, when the rule depends on it. */
  readonly code?: string;
  readonly decision: RetryDecision;
}

const ALL: readonly RequestKind[] = ["api", "export-status", "download"];
const API: readonly RequestKind[] = ["api", "export-status"];

const retry = (maxAttempts?: number): RetryDecision =>
  maxAttempts === undefined
    ? { action: "retry", failureType: "transient_error" }
    : { action: "retry", failureType: "transient_error", maxAttempts };

/** First match wins. */
export const STATUS_RULES: readonly StatusRule[] = [
  { kinds: ["api"], status: 410, code: "page_token_expired", decision: { action: "reset-pagination", failureType: "transient_error" } },
  { kinds: ["export-status"], status: 404, decision: { action: "new-export", failureType: "transient_error" } },
  { kinds: ["export-status"], status: 410, decision: { action: "new-export", failureType: "transient_error" } },
  { kinds: ["download"], status: 403, decision: { action: "refresh-url", failureType: "transient_error" } },
  { kinds: ["download"], status: 401, decision: { action: "refresh-url", failureType: "transient_error" } },
  { kinds: ["download"], status: 404, decision: { action: "new-export", failureType: "transient_error" } },
  { kinds: ["download"], status: 410, decision: { action: "new-export", failureType: "transient_error" } },
  { kinds: API, status: 400, decision: { action: "fail", failureType: "config_error" } },
  { kinds: API, status: 401, decision: { action: "fail", failureType: "config_error" } },
  { kinds: API, status: 403, decision: { action: "fail", failureType: "config_error" } },
  { kinds: ["api"], status: 404, decision: { action: "fail", failureType: "config_error" } },
  { kinds: ALL, status: 408, decision: retry() },
  { kinds: ALL, status: 425, decision: retry() },
  { kinds: ALL, status: 429, decision: retry() },
  { kinds: ALL, status: [500, 599], decision: retry() },
  { kinds: ALL, status: [400, 499], decision: { action: "fail", failureType: "system_error" } },
];

export const NETWORK_RULES: Readonly<Record<NetworkErrorClass, RetryDecision>> = {
  timeout: retry(),
  reset: retry(),
  refused: retry(),
  truncated: retry(),
  "invalid-json": retry(),
  // A name that does not resolve is nearly always a typo; a few tries cover a DNS blip without making check slow.
  dns: retry(3),
  tls: { action: "fail", failureType: "config_error" },
  // A complete HTML page instead of JSON: a wrong base_url or a login proxy. One more try covers a flapping proxy.
  "not-json": { action: "retry", failureType: "config_error", maxAttempts: 2 },
};

function matches(match: StatusMatch, status: number): boolean {
  return typeof match === "number" ? match === status : status >= match[0] && status <= match[1];
}

export function decideStatus(kind: RequestKind, status: number, code?: string): RetryDecision {
  for (const rule of STATUS_RULES) {
    if (!rule.kinds.includes(kind) || !matches(rule.status, status)) continue;
    if (rule.code !== undefined && rule.code !== code) continue;
    return rule.decision;
  }
  // Anything else that is not a success (3xx we did not follow, 1xx) breaks the contract.
  return { action: "fail", failureType: "system_error" };
}

/**
 * A rows page that timed out is not asked for again as it is when it can be made smaller (`smallerPage`):
 * a page that took longer than request_timeout_seconds will most likely take as long again. The rows path
 * asks for fewer rows instead (rows-path.ts).
 */
const SMALLER_PAGE: RetryDecision = { action: "smaller-page", failureType: "transient_error" };

export function decideNetwork(cls: NetworkErrorClass, smallerPage = false): RetryDecision {
  return cls === "timeout" && smallerPage ? SMALLER_PAGE : NETWORK_RULES[cls];
}

export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 60_000 };

/** Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)]. `attempt` counts from 0. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * When the server says we may try again, as epoch ms. `Retry-After` is seconds or an HTTP date;
 * `X-RateLimit-Reset` is epoch seconds or a delta in seconds (values below 10^9 cannot be an epoch
 * after 2001, so they are deltas). Returns undefined when neither header is usable.
 */
export function serverRetryAt(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  now: number,
): number | undefined {
  const retryAfter = header(headers, "retry-after");
  if (retryAfter !== undefined) {
    if (/^\s*\d+(\.\d+)?\s*$/.test(retryAfter)) return now + Math.ceil(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(now, date);
  }
  const reset = header(headers, "x-ratelimit-reset");
  if (reset !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(reset)) {
    const value = Number(reset);
    if (value >= 1e12) return Math.max(now, value); // epoch milliseconds, seen on some gateways
    if (value >= 1e9) return Math.max(now, value * 1000);
    return now + Math.ceil(value * 1000);
  }
  return undefined;
}

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
