/**
 * Deprecated endpoints: GET /datatables, GET and POST /datatables/rows?dataTableId=… with size ≤ 10000,
 * columnFilter {include: [labels]}, lastModifiedDateFilter {gte, lte}, and a signed `next` that
 * carries the whole query (absolute URL, relative URL, or a bare cursor per variant).
 */
import { createHmac } from "node:crypto";
import { ApiError, badRequest } from "../api-error.js";
import type { SimContext } from "../context.js";
import { jsonReply, type Reply } from "../http.js";
import { resolveDate } from "../relative-date.js";
import { wireStringify } from "../wire.js";

const MAX_SIZE = 10_000;
const DEFAULT_SIZE = 10_000;

interface LegacyQuery {
  t: string; // table id
  o: number; // offset into the filtered rows' index space
  s: number; // size
  c?: string[]; // included labels
  g?: number; // gte ms
  l?: number; // lte ms
}

export function legacyTablesRoute(ctx: SimContext): Reply {
  return jsonReply(
    200,
    ctx.legacy.tables.map((t) => ({ id: t.id, name: t.name, globalType: t.globalType, columns: t.columns })),
  );
}

function sign(ctx: SimContext, q: LegacyQuery): string {
  const payload = Buffer.from(JSON.stringify(q)).toString("base64url");
  const mac = createHmac("sha256", ctx.secret).update(`legacy:${payload}`).digest().subarray(0, 12).toString("base64url");
  return `${payload}.${mac}`;
}

function unsign(ctx: SimContext, cursor: string): LegacyQuery {
  const [payload = "", mac] = cursor.split(".");
  const want = createHmac("sha256", ctx.secret).update(`legacy:${payload}`).digest().subarray(0, 12).toString("base64url");
  if (mac !== want) throw badRequest("invalid_cursor", "The next cursor is not valid");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as LegacyQuery;
}

function parseQuery(ctx: SimContext, tableId: string, body: unknown, sizeParam: string | null): LegacyQuery {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b !== "object" || Array.isArray(b)) throw badRequest("invalid_body", "Request body must be a JSON object");
  const sizeRaw = b.size ?? (sizeParam === null ? DEFAULT_SIZE : Number(sizeParam));
  if (typeof sizeRaw !== "number" || !Number.isInteger(sizeRaw) || sizeRaw < 1 || sizeRaw > MAX_SIZE) {
    throw badRequest("invalid_size", `size must be an integer between 1 and ${MAX_SIZE}`);
  }
  const q: LegacyQuery = { t: tableId, o: 0, s: sizeRaw };
  const table = ctx.legacy.tables.find((t) => t.id === tableId);
  if (b.columnFilter !== undefined) {
    const cf = b.columnFilter as { include?: unknown };
    if (typeof cf !== "object" || cf === null || !Array.isArray(cf.include) || !cf.include.every((x) => typeof x === "string")) {
      throw badRequest("invalid_column_filter", 'columnFilter must be { "include": ["<label>", …] }');
    }
    for (const label of cf.include as string[]) {
      if (!table?.columns.some((c) => c.label === label)) throw badRequest("unknown_column", `Unknown column label: ${label}`);
    }
    q.c = cf.include as string[];
  }
  if (b.lastModifiedDateFilter !== undefined) {
    const f = b.lastModifiedDateFilter as Record<string, unknown>;
    if (typeof f !== "object" || f === null || Object.keys(f).some((k) => k !== "gte" && k !== "lte")) {
      throw badRequest("invalid_date_filter", 'lastModifiedDateFilter must be { "gte": …, "lte": … }');
    }
    const now = ctx.dataset.now();
    if (f.gte !== undefined) q.g = resolveDate(f.gte, now, false, "lastModifiedDateFilter.gte");
    if (f.lte !== undefined) q.l = resolveDate(f.lte, now, true, "lastModifiedDateFilter.lte");
  }
  return q;
}

export function legacyRowsRoute(ctx: SimContext, params: URLSearchParams, body: unknown, method: string): Reply {
  const tableId = params.get("dataTableId");
  if (!tableId) throw badRequest("missing_data_table_id", "Query parameter dataTableId is required");
  const table = ctx.legacy.tables.find((t) => t.id === tableId);
  if (!table) throw new ApiError(404, "data_table_not_found", `Unknown data table: ${tableId}`);
  const cursor = params.get("cursor") ?? params.get("next");
  const q = cursor ? unsign(ctx, cursor) : parseQuery(ctx, tableId, method === "POST" ? body : {}, params.get("size"));
  if (q.t !== tableId) throw badRequest("invalid_cursor", "The next cursor belongs to another data table");

  const match = (i: number): boolean => {
    const m = table.modified[i] ?? 0;
    return (q.g === undefined || m >= q.g) && (q.l === undefined || m <= q.l);
  };
  let total = 0;
  for (let i = 0; i < table.rows.length; i++) if (match(i)) total++;
  const data: Record<string, unknown>[] = [];
  let i = q.o;
  for (; i < table.rows.length && data.length < q.s; i++) {
    if (!match(i)) continue;
    const row = ctx.legacy.row(table, i, ctx.variant);
    if (q.c) data.push(Object.fromEntries(q.c.map((label) => [label, row[label] ?? null])));
    else data.push(row);
  }
  let more = false;
  for (let j = i; j < table.rows.length; j++) if (match(j)) { more = true; break; }
  const out: Record<string, unknown> = {
    totalCount: ctx.variant.legacyTotalCount === "string" ? String(total) : total,
  };
  if (more) {
    const c = sign(ctx, { ...q, o: i });
    const path = `${ctx.variant.apiPrefix}/datatables/rows?dataTableId=${encodeURIComponent(tableId)}&cursor=${c}`;
    out.next = ctx.variant.legacyNext === "absolute" ? `${ctx.baseUrl}${path}` : ctx.variant.legacyNext === "relative" ? path : c;
  }
  out.data = data;
  if (!ctx.variant.wideNumbers) return jsonReply(200, out);
  return { status: 200, headers: { "content-type": "application/json; charset=utf-8" }, body: Buffer.from(wireStringify(out)) };
}
