/**
 * Cursor pagination over `POST /tables/{entity}/rows`: the same body every time, the previous page's
 * token as `pageToken`, until a page without a token (the client normalizes every last-page form).
 *
 * One request stays in flight ahead of the page being processed: the next token is known as soon as a
 * page arrives (peeked in its bytes even before the page is decoded), so the server works on page n+1
 * while page n is decoded, serialized and written. The time of a sync becomes max(server, our CPU)
 * instead of their sum. Checkpoints are unaffected: they are taken by the consumer after each yielded
 * page, and a prefetched page is never counted before it is yielded.
 */
import { SystemError } from "../contract/errors.js";
import type { RowsRequestBody } from "../api/requests.js";
import type { CallOptions, IgniteClient, PageWithToken, RowsPageDecoder } from "../http/client.js";
import { peekNextPageToken } from "./rows-page-scan.js";

/** Pages as `decoder` makes them; `nextPageToken` is undefined on the last page. */
export async function* readRowsPages<T extends PageWithToken>(
  client: IgniteClient,
  entity: string,
  body: RowsRequestBody,
  startToken: string | undefined,
  decoder: RowsPageDecoder<T>,
  opts: CallOptions,
): AsyncGenerator<T> {
  interface InFlight {
    readonly token: string | undefined;
    page: Promise<T>;
    /** The next page's request, sent from the token peeked in this page's bytes. */
    next?: InFlight;
  }
  const seen = new Set<string>();
  let awaited: InFlight | undefined;
  const send = (token: string | undefined): InFlight => {
    const flight: InFlight = { token, page: Promise.resolve() as Promise<never> };
    const watching: RowsPageDecoder<T> = {
      beforeDecode(bytes) {
        // The consumer already waits for this page, so the server would idle while we decode it: send
        // the next request now, from the token peeked in the bytes (checked against the decoded page).
        if (awaited !== flight || flight.next !== undefined) return undefined;
        const peeked = peekNextPageToken(bytes);
        if (peeked === undefined || peeked === token || seen.has(peeked)) return undefined;
        flight.next = send(peeked);
        // undici reuses a keep-alive socket only an event-loop turn after a response ends (setImmediate),
        // so the request would sit in its queue until the synchronous decode is over (measured: it reached
        // the server ~50-100 ms late on every page). Two turns let it leave first: after the first page,
        // while the pool has one socket, one turn was not enough (page 2's request still left ~200 ms
        // late, after page 1's decode).
        return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
      },
      ...(decoder.bodyBuffer !== undefined && { bodyBuffer: (length: number) => decoder.bodyBuffer!(length) }),
      fromBytes: (bytes) => decoder.fromBytes(bytes),
      fromPage: (page) => decoder.fromPage(page),
    };
    flight.page = client.fetchRowsDecoded(entity, token === undefined ? body : { ...body, pageToken: token }, watching, opts);
    // Marked handled: a prefetch abandoned by an early return, an error or a wrong peek must not become an
    // unhandled rejection (whoever awaits it still gets the error).
    flight.page.catch(() => undefined);
    return flight;
  };
  let current = send(startToken);
  for (;;) {
    awaited = current;
    const page = await current.page;
    awaited = undefined;
    const next = page.nextPageToken;
    if (next !== undefined) {
      // A server that hands out a token it already gave would make us loop forever.
      if (seen.has(next)) throw new RepeatedTokenError(entity);
      seen.add(next);
      current = current.next?.token === next ? current.next : send(next);
    }
    yield page;
    if (next === undefined) return;
  }
}

export class RepeatedTokenError extends SystemError {
  constructor(entity: string) {
    super(`The rows endpoint of ${entity} returned a page token it had already returned; stopping instead of looping forever`);
  }
}
