/**
 * The node:http request handler: routing (with the variant's path prefix and status paths), request
 * counters, fault injection, auth, and turning ApiErrors into error bodies of the variant's shape.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./api-error.js";
import { checkAuth } from "./auth.js";
import type { SimContext } from "./context.js";
import type { Fault, RouteName } from "./faults.js";
import { errorReply, htmlPage, readJsonBody, retryAfterHeaders, sendReply, xmlError, type Reply } from "./http.js";
import { adminRoute, type AdminControl } from "./routes/admin.js";
import { downloadRoute } from "./routes/downloads.js";
import { createExportRoute, exportStatusRoute } from "./routes/exports.js";
import { legacyRowsRoute, legacyTablesRoute } from "./routes/legacy.js";
import { DEFAULT_PAGE_SIZE, rowsRoute } from "./routes/rows.js";
import { tablesRoute } from "./routes/tables.js";

interface Match {
  route: RouteName;
  /** The export table a table route is about (fault rules can target one). */
  entity?: string;
  methods: readonly string[];
  /** rows: the pageSize the body asks for (fault rules and the request log can depend on it). */
  pageSize?(): Promise<number | undefined>;
  run(fault: Fault | undefined): Promise<Reply> | Reply;
}

const FAULT_CODES: Record<number, string> = {
  429: "rate_limited",
  500: "internal_error",
  502: "bad_gateway",
  503: "service_unavailable",
  504: "gateway_timeout",
  403: "forbidden",
  404: "not_found",
  410: "gone",
};

function matchApi(ctx: SimContext, req: IncomingMessage, path: string, params: URLSearchParams): Match | undefined {
  const v = ctx.variant;
  const seg = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
  let parsed: Promise<unknown> | undefined;
  // Read once: the rows route looks at pageSize before it runs.
  const body = (): Promise<unknown> => (parsed ??= readJsonBody(req));
  if (seg[0] === "tables") {
    if (seg.length === 1) return { route: "tables", methods: ["GET"], run: () => tablesRoute() };
    const entity = seg[1]!;
    if (seg.length === 3 && seg[2] === "rows") {
      return {
        route: "rows",
        entity,
        methods: ["POST"],
        pageSize: async () => {
          // A body that does not parse has no page size here; `run` answers it with its 400.
          const parsedBody = (await body().catch(() => undefined)) as { pageSize?: unknown } | null | undefined;
          const size = parsedBody?.pageSize ?? DEFAULT_PAGE_SIZE;
          return typeof size === "number" ? size : undefined;
        },
        run: async (f) => rowsRoute(ctx, entity, await body(), f),
      };
    }
    if (seg.length === 3 && seg[2] === "exports") {
      return { route: "exportCreate", entity, methods: ["POST"], run: async (f) => createExportRoute(ctx, entity, await body(), f) };
    }
    if (seg.length === 4 && seg[2] === "exports" && v.exportStatusPath === "tables" && v.statusUrlIn === "none") {
      return { route: "exportStatus", methods: ["GET"], run: (f) => exportStatusRoute(ctx, seg[3]!, entity, f) };
    }
  }
  if (seg.length === 2 && seg[0] === "exports" && v.exportStatusPath === "exports" && v.statusUrlIn === "none") {
    return { route: "exportStatus", methods: ["GET"], run: (f) => exportStatusRoute(ctx, seg[1]!, undefined, f) };
  }
  if (seg.length === 2 && seg[0] === "export-jobs" && v.statusUrlIn !== "none") {
    return { route: "exportStatus", methods: ["GET"], run: (f) => exportStatusRoute(ctx, seg[1]!, undefined, f) };
  }
  if (seg[0] === "datatables" && seg.length === 1) return { route: "legacyTables", methods: ["GET"], run: () => legacyTablesRoute(ctx) };
  if (seg[0] === "datatables" && seg.length === 2 && seg[1] === "rows") {
    return {
      route: "legacyRows",
      methods: ["GET", "POST"],
      run: async () => legacyRowsRoute(ctx, params, req.method === "POST" ? await body() : {}, req.method ?? "GET"),
    };
  }
  return undefined;
}

function faultReply(ctx: SimContext, route: RouteName, f: Fault): Reply {
  const status = f.status!;
  const code = FAULT_CODES[status] ?? "error";
  let reply: Reply;
  if (f.html) reply = { status, headers: { "content-type": "text/html" }, body: htmlPage(status) };
  else if (route === "download") reply = xmlError(status, status === 403 ? "AccessDenied" : "ServiceUnavailable", `Simulated ${status}`);
  else reply = errorReply(ctx.variant.errorBody, status, code, `Simulated ${status} (${code})`);
  if (status === 429 || f.retryAfter !== undefined) {
    Object.assign(reply.headers, retryAfterHeaders(f.retryAfter ?? ctx.variant.retryAfter, f.retryAfterSeconds ?? 1));
  }
  return reply;
}

export function createHandler(ctx: SimContext, admin: AdminControl) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    const path = url.pathname;
    let route = "other";
    let fault: Fault | undefined;
    let reply: Reply;
    try {
      if (path.startsWith("/_sim/")) {
        route = "admin";
        reply = await adminRoute(admin, req, path);
      } else if (path.startsWith("/downloads/")) {
        route = "download";
        ctx.count(route);
        fault = ctx.faults.decide("download");
        const [, , token = "", ...file] = path.split("/");
        if (fault?.status) reply = faultReply(ctx, "download", fault);
        else if (req.method !== "GET" && req.method !== "HEAD") reply = xmlError(405, "MethodNotAllowed", "Method not allowed");
        else reply = downloadRoute(ctx, req, token, decodeURIComponent(file.join("/")), fault);
      } else {
        const prefix = ctx.variant.apiPrefix;
        const inner = prefix === "" ? path : path === prefix || path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
        const m = inner === undefined ? undefined : matchApi(ctx, req, inner, url.searchParams);
        if (!m) throw new ApiError(404, "not_found", `No route for ${req.method} ${path}`);
        route = m.route;
        ctx.count(route);
        const pageSize = await m.pageSize?.();
        fault = ctx.faults.decide(m.route, m.entity, pageSize);
        ctx.logRequest?.({
          at: Date.now(),
          route: m.route,
          ...(m.entity !== undefined && { entity: m.entity }),
          ...(pageSize !== undefined && { pageSize }),
          ...(fault?.status !== undefined && { status: fault.status }),
        });
        if (fault?.status) reply = faultReply(ctx, m.route, fault);
        else {
          if (!m.methods.includes(req.method ?? "")) throw new ApiError(405, "method_not_allowed", `Method ${req.method} not allowed`);
          checkAuth(req, ctx.token, ctx.noAccessToken);
          reply = await m.run(fault);
        }
      }
    } catch (e) {
      if (e instanceof ApiError) reply = errorReply(ctx.variant.errorBody, e.status, e.code, e.message);
      else reply = errorReply(ctx.variant.errorBody, 500, "internal_error", "Internal simulator error");
      if (!(e instanceof ApiError)) process.stderr.write(`simulator: ${(e as Error).stack ?? String(e)}\n`);
    }
    try {
      const label = await sendReply(res, reply, fault);
      ctx.count(`${route}:${label}`);
    } catch {
      res.destroy();
    }
  };
}
