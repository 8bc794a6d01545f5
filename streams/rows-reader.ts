/**
 * Cursor pagination over `POST /tables/{entity}/rows`: the same body every time, the previous page's
 * token as `pageToken`, until a page without a token (the client normalizes every last-page form).
 *
 * One request stays in flight ahead of the page being processed: the next token is known as soon as a
 * page arrives, so the server works on page n+1 while page n is serialized and written. The time of a
 * sync becomes max(server, our CPU) instead of their sum. Checkpoints are unaffected: they are taken by
 * the consumer after each yielded page, and a prefetched page is never counted before it is yielded.
 */
import { SystemError } from "../source/errors.js";
import type { CallOptions, IgniteClient, RowsRequestBody } from "./client.js";
import type { RowsPage } from "./http-shapes.js";

export interface RowsPageResult {
  readonly rows: Record<string, unknown>[];
  /** Token for the page after this one; undefined on the last page. */
  readonly nextPageToken: string | undefined;
}

export async function* readRowsPages(
  client: IgniteClient,
  entity: string,
  body: RowsRequestBody,
  startToken: string | undefined,
  opts: CallOptions,
): AsyncGenerator<RowsPageResult> {
  const request = (token: string | undefined): Promise<RowsPage> =>
    client.fetchRows(entity, token === undefined ? body : { ...body, pageToken: token }, opts);
  const seen = new Set<string>();
  let pending = request(startToken);
  try {
    for (;;) {
      const page = await pending;
      const next = page.nextPageToken;
      if (next !== undefined) {
        // A server that hands out a token it already gave would make us loop forever.
        if (seen.has(next)) throw new RepeatedTokenError(entity);
        seen.add(next);
        pending = request(next);
      }
      yield { rows: page.data, nextPageToken: next };
      if (next === undefined) return;
    }
  } finally {
    // A prefetch abandoned by an early return or an error must not become an unhandled rejection.
    pending.catch(() => undefined);
  }
}

export class RepeatedTokenError extends SystemError {
  constructor(entity: string) {
    super(`The rows endpoint of ${entity} returned a page token it had already returned; stopping instead of looping forever`);
  }
}
