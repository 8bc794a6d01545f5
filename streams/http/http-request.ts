/**
 * One HTTP call with the retry table applied: attempts, waits (server-given or backoff with full jitter),
 * a time budget, rate-limit reports, and errors that carry status, code and route — all redacted.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { Dispatcher } from "undici";
import type { Logger } from "../contract/stream.js";
import type { Redactor } from "../contract/redact.js";
import { parseErrorBody } from "./error-body.js";
import { ApiError, NetworkError, NETWORK_MESSAGES, classifyNetworkError } from "./http-errors.js";
import type { RateLimitGate } from "./rate-limit-gate.js";
import {
  backoffDelay,
  decideNetwork,
  decideStatus,
  serverRetryAt,
  type BackoffOptions,
  type RequestKind,
  type RetryDecision,
} from "./retry-policy.js";

/** Per-call options every client method accepts. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Total time for all attempts and waits of this call; defaults to the client's budget. */
  readonly budgetMs?: number;
  /**
   * Called before each wait caused by a 429, this call's own or another's that closed the origin's gate;
   * `resetAt` is epoch ms when the server said.
   */
  readonly onRateLimited?: (resetAt?: number) => void;
  /** A rows page that can be asked for again with fewer rows: a timeout ends the call (retry-policy.ts). */
  readonly smallerPageOnTimeout?: boolean;
}

export interface HttpContext {
  readonly logger: Logger;
  /** `source-ignite-procurement/<version>`, on API calls and downloads alike. */
  readonly userAgent: string;
  readonly redactor: Redactor;
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly backoff: BackoffOptions;
  readonly budgetMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

export interface RequestSpec<T> {
  readonly dispatcher: Dispatcher;
  readonly url: URL;
  readonly method: "GET" | "POST";
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly kind: RequestKind;
  /** Method + path for messages; never a query string. */
  readonly route: string;
  /** Turns a 2xx answer into the value; throws BodyError when the body is unusable (classified and retried). */
  readonly read: (response: Dispatcher.ResponseData) => Promise<T>;
  readonly extraHeaders?: Readonly<Record<string, string>>;
  /** The origin's rate-limit gate: waited for before each attempt, closed by a 429 that says until when. */
  readonly gate?: RateLimitGate;
}

export interface Answer<T> {
  readonly value: T;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

const ERROR_BODY_LIMIT = 64 * 1024;
const PROGRESS_EVERY_MS = 60_000;
const MIN_WAIT_MS = 50;

export async function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (error) {
    // Surface the caller's abort reason rather than a generic AbortError.
    throw signal?.aborted === true ? (signal.reason ?? error) : error;
  }
}

async function readCapped(body: Dispatcher.ResponseData["body"]): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size < ERROR_BODY_LIMIT) chunks.push(chunk);
      size += chunk.length;
    }
  } catch {
    // An error body that breaks off still says something; keep what arrived.
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, ERROR_BODY_LIMIT);
}

function statusText(status: number): string {
  return `HTTP ${status}`;
}

export async function requestWithRetry<T>(ctx: HttpContext, spec: RequestSpec<T>, opts: CallOptions = {}): Promise<Answer<T>> {
  const started = ctx.now();
  const deadline = started + (opts.budgetMs ?? ctx.budgetMs);
  const redact = (text: string): string => ctx.redactor.redact(text);
  // How far this call has already waited (its own 429s, the gate): a pause it has waited out does not
  // hold it back again, even when the timer fired a little early or the clock is a test's.
  let waitedUntil = Number.NEGATIVE_INFINITY;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    // Checked before awaiting anything: one more await on every page delays the early next-page request past
    // the moment undici reuses the kept-alive socket (rows-reader.ts).
    if (spec.gate !== undefined && spec.gate.openAt > Math.max(ctx.now(), waitedUntil)) {
      waitedUntil = await passGate(ctx, spec.gate, spec.route, opts, deadline, waitedUntil);
    }
    let decision: RetryDecision;
    let retryAt: number | undefined;
    let failure: () => Error;
    try {
      const response = await spec.dispatcher.request({
        origin: spec.url.origin,
        path: `${spec.url.pathname}${spec.url.search}`,
        method: spec.method,
        headers: { ...spec.headers, ...spec.extraHeaders },
        body: spec.body ?? null,
        signal: opts.signal ?? null,
        // A server that accepts and then says nothing must not outlast the call's budget (check's is 20 s).
        headersTimeout: Math.max(1000, Math.min(ctx.headersTimeoutMs, deadline - ctx.now())),
        bodyTimeout: ctx.bodyTimeoutMs,
      });
      if (response.statusCode >= 200 && response.statusCode < 300) {
        const value = await spec.read(response);
        return { value, status: response.statusCode, headers: response.headers };
      }
      const text = redact(await readCapped(response.body));
      const parsed = parseErrorBody(text, statusText(response.statusCode));
      decision = decideStatus(spec.kind, response.statusCode, parsed.code);
      if (response.statusCode === 429 || response.statusCode === 503) retryAt = serverRetryAt(response.headers, ctx.now());
      if (response.statusCode === 429) {
        if (retryAt !== undefined) spec.gate?.closeUntil(retryAt);
        opts.onRateLimited?.(retryAt);
      }
      const status = response.statusCode;
      failure = () =>
        new ApiError(
          redact(`${spec.route} failed with HTTP ${status}${parsed.code === undefined ? "" : ` (${parsed.code})`}: ${parsed.message}`),
          { status, code: parsed.code, route: spec.route, action: decision.action, failureType: decision.failureType, serverMessage: parsed.message },
          { internal: redact(`attempt ${attempt}; body: ${text.slice(0, 500)}`) },
        );
    } catch (error) {
      if (opts.signal?.aborted === true) throw opts.signal.reason ?? error;
      const cls = classifyNetworkError(error);
      if (cls === undefined) throw error;
      decision = decideNetwork(cls, opts.smallerPageOnTimeout === true);
      const detail = redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      failure = () =>
        new NetworkError(redact(`${spec.route} failed: ${NETWORK_MESSAGES[cls]}`), cls, spec.route, decision.failureType, {
          internal: `attempt ${attempt}; ${detail}`,
          action: decision.action,
        });
    }
    if (decision.action !== "retry") throw failure();
    if (decision.maxAttempts !== undefined && attempt >= decision.maxAttempts) throw failure();
    const now = ctx.now();
    const wait = Math.max(MIN_WAIT_MS, retryAt !== undefined ? retryAt - now : backoffDelay(attempt - 1, ctx.backoff));
    const last = failure();
    if (now + wait > deadline) throw giveUp(last, attempt, Math.round((now - started) / 1000), retryAt, redact);
    ctx.logger.warn(redact(`${last.message} — retrying in ${(wait / 1000).toFixed(1)} s (attempt ${attempt + 1})`));
    await sleepWithProgress(ctx, wait, spec.route, opts.signal);
    waitedUntil = Math.max(waitedUntil, now + wait);
  }
}

/**
 * Waits while another request's 429 keeps the origin's gate closed (it may close again while we wait), and
 * returns how far it waited. The wait counts against this call's budget, as a 429 of its own would: past the
 * budget it fails the same way.
 */
async function passGate(ctx: HttpContext, gate: RateLimitGate, route: string, opts: CallOptions, deadline: number, waitedUntil: number): Promise<number> {
  let until = waitedUntil;
  for (let openAt = gate.openAt; openAt > Math.max(ctx.now(), until); openAt = gate.openAt) {
    const at = new Date(openAt).toISOString();
    if (openAt > deadline) {
      throw new ApiError(
        `${route} was not sent: the API asked to pause requests until ${at} (HTTP 429 on another request), beyond the retry budget; raise retry_budget_seconds to wait longer`,
        { status: 429, code: undefined, route, action: "retry", failureType: "transient_error", serverMessage: "" },
      );
    }
    opts.onRateLimited?.(openAt);
    const wait = openAt - ctx.now();
    ctx.logger.info(`${route} waits ${(wait / 1000).toFixed(1)} s: the API rate-limited another request until ${at}`);
    await sleepWithProgress(ctx, wait, route, opts.signal);
    until = openAt;
  }
  return until;
}

/** The error thrown when the budget is spent: the last failure, with how long we tried. */
function giveUp(last: Error, attempts: number, spentSeconds: number, retryAt: number | undefined, redact: (s: string) => string): Error {
  const tail =
    retryAt !== undefined
      ? ` (gave up after ${attempts} attempt(s) in ${spentSeconds} s: the server asks to wait until ${new Date(retryAt).toISOString()}, beyond the retry budget)`
      : ` (gave up after ${attempts} attempt(s) in ${spentSeconds} s; raise retry_budget_seconds to wait longer)`;
  if (last instanceof ApiError) {
    return new ApiError(redact(last.message + tail), {
      status: last.status,
      code: last.code,
      route: last.route,
      action: last.action,
      failureType: "transient_error",
      serverMessage: last.serverMessage,
    }, { internal: last.internal });
  }
  if (last instanceof NetworkError) {
    return new NetworkError(redact(last.message + tail), last.cls, last.route, last.failureType, { internal: last.internal, action: last.action });
  }
  return last;
}

async function sleepWithProgress(ctx: HttpContext, ms: number, route: string, signal?: AbortSignal): Promise<void> {
  let left = ms;
  while (left > 0) {
    const step = Math.min(left, PROGRESS_EVERY_MS);
    await ctx.sleep(step, signal);
    left -= step;
    // Platforms kill sources that stay silent; say we are still waiting.
    if (left > 0) ctx.logger.info(`still waiting to retry ${route}: ${Math.ceil(left / 1000)} s left`);
  }
}
