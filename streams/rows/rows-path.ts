/**
 * The rows path of one stream: pages of `POST /tables/{entity}/rows` become batches, each page is
 * followed by a checkpoint holding the next page token, and an expired token restarts the sync's window.
 *
 * A page that times out is asked for again with a quarter of the rows (not below MIN_PAGE_ROWS), and the
 * stream keeps the smaller size for the rest of its sync: its saved position carries it, so a resume asks
 * the same way and its token stays valid. Other streams keep theirs: how long a page takes depends on the
 * table (its columns and rows), so one table's slow pages say nothing about another's. The API forbids a
 * new pageSize within a pagination ("do not change fields, filters, pageSize, or keyBy" with a pageToken),
 * and the key column offers no `gte` to restart after the last key, so a timeout past the first page
 * restarts the sync window from its first page, as an expired token does: rows already emitted may be
 * emitted again, none are skipped.
 *
 * Pages are also smaller than configured when this stream's share of the read's memory budget cannot hold
 * them (streams/rows/memory-cost.ts), and the stream holds its pages' memory from the budget while it reads.
 */
import { mb } from "../contract/memory.js";
import type { ReadContext, StreamOutput } from "../contract/stream.js";
import type { RowsRequestBody } from "../api/requests.js";
import { compileSerializer } from "../encode/record-serializer.js";
import { timestampMs } from "../encode/timestamps.js";
import { ApiError, NetworkError } from "../http/http-errors.js";
import { callOptionsOf } from "../sync/call-options.js";
import { fingerprint } from "../sync/fingerprint.js";
import type { PathInput } from "../sync/path-input.js";
import type { RowsProgress } from "../sync/stream-state.js";
import type { SyncTracker } from "../sync/sync-tracker.js";
import { formatTimestamp } from "../sync/sync-window.js";
import { MIN_PAGE_ROWS, pageSizeWithin, rowBytes, rowsStreamBytes } from "./memory-cost.js";
import { rowsPageDecoder } from "./rows-page-scan.js";
import { readRowsPages } from "./rows-reader.js";

/** Tokens live 24 h (§5); one older than this is not worth a request that will answer 410. */
export const PAGE_TOKEN_MAX_AGE_MS = 24 * 3_600_000 - 10 * 60_000;
/** Restarts after `410 page_token_expired` before giving up (each one re-reads the window). */
const MAX_RESTARTS = 3;
/** A timed-out page is asked for again with this fraction of its rows. */
const SHRINK_FACTOR = 4;

export interface RowsPathInput extends PathInput {
  /** Record key of updated_at in API rows, when the table has it. */
  readonly cursorKey: string | undefined;
}

export async function* readRowsPath(input: RowsPathInput, ctx: ReadContext): AsyncGenerator<StreamOutput> {
  const { table, config, client, projection, tracker, cursorKey } = input;
  const bodyOf = (pageSize: number): RowsRequestBody => ({
    fields: projection.fields,
    ...(input.filters && { filters: input.filters }),
    pageSize,
    keyBy: config.column_keys,
  });
  const bytesPerRow = rowBytes(projection.columns);
  const planned = pageSizeForMemory(table.id, config.page_size, bytesPerRow, ctx);
  let pageSize = startPageSize(planned, tracker);
  let body = bodyOf(pageSize);
  let request = fingerprint(body);
  const keyColumn = table.orderBy[0];
  const keyKey = keyColumn === undefined ? undefined : projection.sourceKey(keyColumn);
  const decoder = rowsPageDecoder(compileSerializer(projection.columns), { cursorKey, lastKeyKey: keyKey });
  let token = resumeToken(tracker, request, ctx);
  const release = await ctx.memory?.reserve(rowsStreamBytes(pageSize, bytesPerRow), `${table.id} (pages of ${pageSize} rows)`, ctx.signal);
  try {
    for (let restarts = 0; ; ) {
      const callOptions = { ...callOptionsOf(ctx), smallerPageOnTimeout: pageSize > MIN_PAGE_ROWS };
      try {
        for await (const page of readRowsPages(client, table.id, body, token, decoder, callOptions)) {
          if (page.batch.count > 0) {
            tracker.observeMax(page.maxCursor);
            yield page.batch;
          }
          if (page.nextPageToken === undefined) break;
          token = page.nextPageToken;
          const last = page.lastKey;
          const position: RowsProgress = {
            path: "rows",
            request,
            page_token: page.nextPageToken,
            token_issued_at: formatTimestamp(ctx.now()),
            ...(last !== undefined && last !== null && { last_key: String(last) }),
            ...(pageSize < config.page_size && { page_size: pageSize }),
          };
          yield tracker.checkpoint(position);
        }
        return;
      } catch (error) {
        if (error instanceof NetworkError && error.action === "smaller-page") {
          const smaller = Math.max(MIN_PAGE_ROWS, Math.ceil(pageSize / SHRINK_FACTOR));
          ctx.logger.warn(
            `${table.id}: a page of ${pageSize} rows took longer than request_timeout_seconds (${config.request_timeout_seconds} s); ` +
              `asking for pages of ${smaller} rows for the rest of this sync` +
              (token === undefined ? "." : ", from the first page of the sync window (the API does not allow a new page size within a pagination). Rows already emitted may be emitted again."),
          );
          pageSize = smaller;
          body = bodyOf(pageSize);
          request = fingerprint(body);
          tracker.forgetPosition();
          token = undefined;
          continue;
        }
        if (!(error instanceof ApiError && error.action === "reset-pagination") || restarts >= MAX_RESTARTS) throw error;
        restarts++;
        ctx.logger.warn(
          `${table.id}: the page token expired (${error.status} ${error.code ?? ""}); restarting the sync window from its first page. Rows already emitted may be emitted again.`,
        );
        tracker.forgetPosition();
        token = undefined;
      }
    }
  } finally {
    release?.();
  }
}

/** The configured page size, or a smaller one when this stream's share of the read's memory budget cannot hold it. */
function pageSizeForMemory(entity: string, configured: number, bytesPerRow: number, ctx: ReadContext): number {
  const share = ctx.memory?.perStreamBytes;
  const size = share === undefined ? configured : pageSizeWithin(share, configured, bytesPerRow);
  if (size < configured) {
    ctx.logger.info(
      `${entity}: pages of ${size} rows instead of ${configured}: pages that big would hold about ${mb(rowsStreamBytes(configured, bytesPerRow))} ` +
        `of memory, more than this stream's share of the memory budget (${mb(share ?? 0)})`,
    );
  }
  return size;
}

/** The planned page size, or the smaller one a resumed sync had come down to (after timeouts). */
function startPageSize(configured: number, tracker: SyncTracker): number {
  const position = tracker.sync.position;
  const saved = position?.path === "rows" ? position.page_size : undefined;
  return saved !== undefined && Number.isInteger(saved) && saved >= 1 && saved < configured ? saved : configured;
}

/** The saved page token, when it belongs to this exact request and may still be valid. */
function resumeToken(tracker: SyncTracker, request: string, ctx: ReadContext): string | undefined {
  const position = tracker.sync.position;
  if (position === undefined) return undefined;
  const why =
    position.path !== "rows"
      ? "the interrupted sync used the export path"
      : position.request !== request
        ? "the request changed since (columns, filters, page size or key mode)"
        : ctx.now() - timestampMs(position.token_issued_at) > PAGE_TOKEN_MAX_AGE_MS
          ? `its page token was issued at ${position.token_issued_at} and page tokens expire after 24 h`
          : undefined;
  if (why === undefined && position.path === "rows") {
    ctx.logger.info(`Resuming with the saved page token (after key ${position.last_key ?? "?"})`);
    return position.page_token;
  }
  ctx.logger.info(`Not resuming from the saved position because ${why}; reading the sync window from its start`);
  tracker.forgetPosition();
  return undefined;
}

