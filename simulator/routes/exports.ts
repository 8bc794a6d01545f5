/** POST /tables/{entity}/exports and the export status endpoint(s), shaped per variant. */
import { ApiError, badRequest } from "../api-error.js";
import type { SimContext } from "../context.js";
import { TABLE_DEFS } from "../data/dataset.js";
import { defaultFields, type TableId } from "../data/schema.js";
import type { ExportJob } from "../export-jobs.js";
import type { Fault } from "../faults.js";
import { compileFilters, validateFields } from "../filters.js";
import { jsonReply, type Reply } from "../http.js";
import { hash32, strHash } from "../rng.js";
import { statusWord } from "../variants.js";
import { signDownload } from "./downloads.js";

const CREATE_KEYS = new Set(["fields", "filters", "format"]);

export function createExportRoute(ctx: SimContext, entity: string, body: unknown, fault: Fault | undefined): Reply {
  if (!(entity in TABLE_DEFS)) throw new ApiError(404, "unknown_entity", `Unknown export table: ${entity}`);
  const def = TABLE_DEFS[entity as TableId];
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("invalid_body", "Request body must be a JSON object");
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!CREATE_KEYS.has(k)) throw badRequest("unknown_property", `Unknown request property: ${k}`);
  const format = b.format === undefined ? "json" : typeof b.format === "string" ? b.format.toLowerCase() : "";
  if (format !== "json" && format !== "parquet") throw badRequest("invalid_format", 'format must be "json" or "parquet"');
  const fields = validateFields(def, b.fields) ?? defaultFields(def);
  const pred = compileFilters(def, b.filters);
  const job = ctx.exports.create(def.id, format, fields, pred, fault?.exportFailed === true);
  const v = ctx.variant;
  const out: Record<string, unknown> = statusBody(ctx, job);
  const headers: Record<string, string> = {};
  const statusPath = `${v.apiPrefix}/export-jobs/${job.id}`;
  if (v.statusUrlIn === "location") headers.location = statusPath;
  else if (v.statusUrlIn === "statusUrl") out.statusUrl = `${ctx.baseUrl}${statusPath}`;
  else if (v.statusUrlIn === "links.self") out.links = { self: `${ctx.baseUrl}${statusPath}` };
  return jsonReply(v.createStatus, out, headers);
}

export function exportStatusRoute(ctx: SimContext, id: string, entity: string | undefined, fault: Fault | undefined): Reply {
  const job = ctx.exports.jobs.get(id);
  if (!job || (entity !== undefined && job.entity !== entity)) throw new ApiError(404, "export_not_found", `Unknown export id: ${id}`);
  if (Date.now() >= job.deletedAt) {
    throw new ApiError(ctx.variant.deletedExportStatus, "export_expired", "The export and its files have been deleted");
  }
  if (fault?.exportFailed) ctx.exports.fail(job);
  return jsonReply(200, statusBody(ctx, job));
}

function statusBody(ctx: SimContext, job: ExportJob): Record<string, unknown> {
  const v = ctx.variant;
  const out: Record<string, unknown> = {
    id: job.id,
    entity: job.entity,
    status: statusWord(v, job.phase),
    format: job.format,
    estimatedBytesProcessed: job.estimatedBytesProcessed,
    createdAt: new Date(job.createdAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
    updatedAt: new Date(job.updatedAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: "eu-north-1", // an unknown field, as real APIs grow them
  };
  if (job.phase === "failed") {
    out.error = "export_failed";
    out.message = job.error ?? "The export failed";
  }
  if (job.phase === "succeeded") Object.assign(out, downloadList(ctx, job));
  return out;
}

function downloadList(ctx: SimContext, job: ExportJob): Record<string, unknown> {
  const v = ctx.variant;
  const expiresAt = Date.now() + ctx.downloadUrlTtlMs;
  let files = job.files.map((f) => ({ f, url: `${ctx.downloadOrigin()}/downloads/${signDownload(ctx.secret, job.id, expiresAt)}/${encodeURIComponent(f.name)}` }));
  if (v.fileOrder === "shuffled" && files.length > 1) {
    const h = hash32(strHash(job.id));
    const rot = 1 + (h % (files.length - 1));
    files = [...files.slice(rot), ...files.slice(0, rot)].reverse();
  }
  const meta = (x: (typeof files)[number]): Record<string, unknown> => ({
    name: x.f.name,
    sizeBytes: x.f.sizeBytes,
    rowCount: x.f.rowCount,
    expiresAt: new Date(expiresAt).toISOString(),
    md5: null,
  });
  switch (v.downloadList) {
    case "files":
      return { files: files.map((x) => ({ url: x.url, ...meta(x) })) };
    case "downloadUrls":
      return { downloadUrls: files.map((x) => x.url) };
    case "urls":
      return { urls: files.map((x) => x.url) };
    case "filesStrings":
      return { files: files.map((x) => x.url) };
    case "downloadUrl":
      return { files: files.map((x) => ({ downloadUrl: x.url, ...meta(x) })) };
    case "href":
      return { files: files.map((x) => ({ href: x.url, ...meta(x) })) };
  }
}
