/**
 * Cursor pagination over `POST /tables/{entity}/rows`: the same body every time, the previous page's
 * token as `pageToken`, until a page without a token (the client normalizes every last-page form).
 */
import { SystemError } from "../source/errors.js";
import type { CallOptions, IgniteClient, RowsRequestBody } from "./client.js";

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
  let token = startToken;
  const seen = new Set<string>();
  for (;;) {
    const page = await client.fetchRows(entity, token === undefined ? body : { ...body, pageToken: token }, opts);
    const next = page.nextPageToken;
    if (next !== undefined) {
      // A server that hands out a token it already gave would make us loop forever.
      if (seen.has(next)) throw new RepeatedTokenError(entity);
      seen.add(next);
    }
    yield { rows: page.data, nextPageToken: next };
    if (next === undefined) return;
    token = next;
  }
}


export class RepeatedTokenError extends SystemError {
  constructor(entity: string) {
    super(`The rows endpoint of ${entity} returned a page token it had already returned; stopping instead of looping forever`);
  }
}
