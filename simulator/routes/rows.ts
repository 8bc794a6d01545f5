/**
 * POST /tables/{entity}/rows: projection, typed filters, keyBy, and stateless page tokens bound to
 * the request body. With filters, one request scans a bounded number of rows and may return fewer
 * than pageSize (with a token), as the docs allow.
 */
import { ApiError, badRequest } from "../api-error.js";
import { TABLE_DEFS } from "../data/dataset.js";
import { defaultFields, tableMeta, type TableId } from "../data/schema.js";
import { compileFilters, validateFields } from "../filters.js";
import type { Reply } from "../http.js";
import { labelKeys } from "../label-keys.js";
import { bodyHash } from "../page-token.js";
import type { SimContext } from "../context.js";
import type { Fault } from "../faults.js";
import { isPlainWire, wireRow, wireStringify } from "../wire.js";

const BODY_KEYS = new Set(["fields", "filters", "pageSize", "pageToken", "keyBy"]);
/** The page size of a request that names none; exported because server.ts reads a request's page size (for fault rules and the request log) before this route runs. */
export const DEFAULT_PAGE_SIZE = 1000;
const MIN_SCAN = 200_000;

export interface RowsQuery {
  fields: string[];
  keys: string[];
  pageSize: number;
  pageToken?: string;
  pred: ReturnType<typeof compileFilters>;
  hash: Buffer;
}

export function parseRowsBody(ctx: SimContext, entity: TableId, body: unknown): RowsQuery {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("invalid_body", "Request body must be a JSON object");
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!BODY_KEYS.has(k)) throw badRequest("unknown_property", `Unknown request property: ${k}`);
  const def = TABLE_DEFS[entity];
  const pageSize = b.pageSize ?? DEFAULT_PAGE_SIZE;
  if (typeof pageSize !== "number" || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100_000) {
    throw badRequest("invalid_page_size", "pageSize must be an integer between 1 and 100000");
  }
  const keyBy = b.keyBy ?? "name";
  if (keyBy !== "name" && keyBy !== "label") throw badRequest("invalid_key_by", 'keyBy must be "name" or "label"');
  if (b.pageToken !== undefined && (typeof b.pageToken !== "string" || b.pageToken === "")) {
    throw badRequest("invalid_page_token", "pageToken must be a non-empty string");
  }
  const fields = validateFields(def, b.fields) ?? defaultFields(def);
  const pred = compileFilters(def, b.filters);
  const keyMap = keyBy === "label" ? labelKeys(tableMeta(def).columns, ctx.variant.labelSuffix) : undefined;
  const keys = fields.map((f) => keyMap?.get(f) ?? f);
  const hash = bodyHash({ entity, fields: b.fields ?? null, filters: b.filters ?? null, pageSize, keyBy });
  return { fields, keys, pageSize, pageToken: b.pageToken as string | undefined, pred, hash };
}

export function rowsRoute(ctx: SimContext, entity: string, body: unknown, fault?: Fault): Reply {
  if (!(entity in TABLE_DEFS)) throw new ApiError(404, "unknown_entity", `Unknown export table: ${entity}`);
  const table = entity as TableId;
  const q = parseRowsBody(ctx, table, body);
  const start = q.pageToken === undefined ? 0 : ctx.tokens.verify(q.pageToken, q.hash).next;
  const state = ctx.dataset.state(table);
  const size = state.size;
  const scanLimit = q.pred ? Math.max(MIN_SCAN, q.pageSize * 20) : Infinity;
  const parts: string[] = [];
  const variant = ctx.variant;
  const stringify = isPlainWire(variant) ? JSON.stringify : wireStringify;
  const def = TABLE_DEFS[table];
  let i = start;
  let scanned = 0;
  for (; i < size && parts.length < q.pageSize && scanned < scanLimit; i++, scanned++) {
    const generated = ctx.dataset.row(table, i, state);
    if (!generated) continue;
    const row = wireRow(def, generated, variant);
    if (q.pred && !q.pred(row)) continue;
    const out: Record<string, unknown> = {};
    for (let k = 0; k < q.fields.length; k++) out[q.keys[k]!] = row[q.fields[k]!] ?? null;
    parts.push(stringify(out));
  }
  const more = i < size;
  const last = ctx.variant.lastPage;
  let tail = "";
  if (fault?.repeatToken && q.pageToken !== undefined) {
    tail = `,"nextPageToken":${JSON.stringify(q.pageToken)}`;
  } else if (more || (last === "emptyPage" && parts.length > 0)) {
    tail = `,"nextPageToken":${JSON.stringify(ctx.tokens.issue(i, q.hash))}`;
  } else if (last === "null") tail = ',"nextPageToken":null';
  else if (last === "empty") tail = ',"nextPageToken":""';
  const body2 = `{"data":[${parts.join(",")}]${tail}}`;
  return { status: 200, headers: { "content-type": "application/json; charset=utf-8" }, body: Buffer.from(body2) };
}
