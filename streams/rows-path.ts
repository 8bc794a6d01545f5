/**
 * The rows path of one stream: pages of `POST /tables/{entity}/rows` become batches, each page is
 * followed by a checkpoint holding the next page token, and an expired token restarts the sync's window.
 */
import { createHash } from "node:crypto";
import type { ConnectorConfig } from "../spec/config.js";
import type { IgniteClient, RowsRequestBody } from "./client.js";
import { ApiError } from "./http-errors.js";
import type { Projection } from "./projection.js";
import { compileSerializer } from "./record-serializer.js";
import { rowsPageDecoder } from "./rows-page-scan.js";
import { readRowsPages } from "./rows-reader.js";
import type { RowsProgress } from "./stream-state.js";
import type { SyncTracker } from "./sync-tracker.js";
import { formatTimestamp } from "./sync-window.js";
import { timestampMs } from "./timestamps.js";
import type { Filters, ReadContext, StreamOutput, TableMeta } from "./types.js";

/** Tokens live 24 h (§5); one older than this is not worth a request that will answer 410. */
export const PAGE_TOKEN_MAX_AGE_MS = 24 * 3_600_000 - 10 * 60_000;
/** Restarts after `410 page_token_expired` before giving up (each one re-reads the window). */
const MAX_RESTARTS = 3;

export interface RowsPathInput {
  readonly table: TableMeta;
  readonly config: ConnectorConfig;
  readonly client: IgniteClient;
  readonly projection: Projection;
  readonly filters: Filters | undefined;
  readonly tracker: SyncTracker;
  /** Record key of updated_at in API rows, when the table has it. */
  readonly cursorKey: string | undefined;
}

export async function* readRowsPath(input: RowsPathInput, ctx: ReadContext): AsyncGenerator<StreamOutput> {
  const { table, config, client, projection, tracker, cursorKey } = input;
  const body: RowsRequestBody = {
    fields: projection.fields,
    ...(input.filters && { filters: input.filters }),
    pageSize: config.page_size,
    keyBy: config.column_keys,
  };
  const request = fingerprint(body);
  const keyColumn = table.orderBy[0];
  const keyKey = keyColumn === undefined ? undefined : projection.sourceKey(keyColumn);
  const decoder = rowsPageDecoder(compileSerializer(projection.columns), { cursorKey, lastKeyKey: keyKey });
  let token = resumeToken(tracker, request, ctx);
  const callOptions = { signal: ctx.signal, onRateLimited: (resetAt?: number) => ctx.events.rateLimited(resetAt) };

  for (let restarts = 0; ; restarts++) {
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
        };
        yield tracker.checkpoint(position);
      }
      return;
    } catch (error) {
      if (!(error instanceof ApiError && error.action === "reset-pagination") || restarts >= MAX_RESTARTS) throw error;
      ctx.logger.warn(
        `${table.id}: the page token expired (${error.status} ${error.code ?? ""}); restarting the sync window from its first page. Rows already emitted may be emitted again.`,
      );
      tracker.forgetPosition();
      token = undefined;
    }
  }
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

export function fingerprint(body: object): string {
  return createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 16);
}
