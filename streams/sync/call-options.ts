/**
 * The client options of a read's API calls: the read's abort signal, and every 429 wait reported as the
 * stream's rate-limit event (the runtime turns it into a STREAM_STATUS). One piece so that every read
 * path (rows, export, legacy) reports the same waits the same way, and none can forget to.
 */
import type { ReadContext } from "../contract/stream.js";
import type { CallOptions } from "../http/client.js";

export function callOptionsOf(ctx: Pick<ReadContext, "signal" | "events">): CallOptions {
  return { signal: ctx.signal, onRateLimited: (resetAt) => ctx.events.rateLimited(resetAt) };
}
