/**
 * Validation of the JSON answers of the rows, export and legacy endpoints into typed values. Anything that
 * breaks the documented shape is a SystemError naming the route; unknown extra fields are ignored.
 */
import { SystemError } from "../contract/errors.js";
import { isRecord } from "../contract/json-object.js";
import { JsonNumber } from "../encode/json-lossless.js";

export interface RowsPage {
  readonly data: Record<string, unknown>[];
  /** Present only when there is a next page (absent, null and "" all mean "last page"). */
  readonly nextPageToken?: string;
}

export interface ExportHandle {
  readonly id: string;
  readonly entity: string;
  /** As the server wrote it; the export reader maps it (any casing, synonyms). */
  readonly status: string;
  /** Status URL named by the create answer, if on the API origin. */
  readonly statusUrl?: string;
  /** The whole answer, for the fields whose names vary (files, downloadUrls, error…). */
  readonly body: Readonly<Record<string, unknown>>;
}

export interface LegacyRowsPage {
  readonly data: Record<string, unknown>[];
  readonly next?: string;
  readonly totalCount?: number;
}

function contractError(route: string, what: string): SystemError {
  return new SystemError(`${route} answered in an unexpected shape: ${what}`);
}

function rowsArray(value: unknown, route: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) throw contractError(route, "`data` is not an array");
  for (let i = 0; i < value.length; i++) {
    if (!isRecord(value[i])) throw contractError(route, `data[${i}] is not an object`);
  }
  return value as Record<string, unknown>[];
}

export function parseRowsPage(value: unknown, route: string): RowsPage {
  if (!isRecord(value)) throw contractError(route, "expected an object with `data`");
  const data = value["data"] === undefined || value["data"] === null ? [] : rowsArray(value["data"], route);
  const token = value["nextPageToken"];
  if (token === undefined || token === null || token === "") return { data };
  if (typeof token !== "string") throw contractError(route, "`nextPageToken` is not a string");
  return { data, nextPageToken: token };
}

export function parseExportHandle(value: unknown, entity: string, statusUrl: string | undefined, route: string): ExportHandle {
  if (!isRecord(value)) throw contractError(route, "expected an export object");
  const id = value["id"] ?? value["exportId"];
  if (typeof id !== "string" && typeof id !== "number") throw contractError(route, "the export has no `id`");
  const status = value["status"] ?? value["state"];
  const handle: ExportHandle = {
    id: String(id),
    entity: typeof value["entity"] === "string" ? value["entity"] : entity,
    status: typeof status === "string" ? status : "",
    body: value,
  };
  return statusUrl === undefined ? handle : { ...handle, statusUrl };
}

export function parseLegacyTables(value: unknown, route: string): Record<string, unknown>[] {
  // The old docs show a single object, the current ones an array; accept both.
  if (isRecord(value)) return [value];
  if (!Array.isArray(value)) throw contractError(route, "expected an array of data tables");
  return value.filter(isRecord);
}

export function parseLegacyRows(value: unknown, route: string): LegacyRowsPage {
  if (!isRecord(value)) throw contractError(route, "expected an object with `data`");
  const data = value["data"] === undefined || value["data"] === null ? [] : rowsArray(value["data"], route);
  const next = value["next"];
  const total = value["totalCount"];
  const totalCount = typeof total === "number" || total instanceof JsonNumber ? Number(total) : typeof total === "string" ? Number(total.replace(/[^\d.]/g, "")) : NaN;
  return {
    data,
    ...(typeof next === "string" && next.length > 0 ? { next } : {}),
    ...(Number.isFinite(totalCount) ? { totalCount } : {}),
  };
}

/** Where a create answer may name its status URL (§14), in order of preference; unresolved strings. */
export function statusUrlCandidates(headers: Readonly<Record<string, string | string[] | undefined>>, value: unknown): string[] {
  const location = headers["location"];
  const body = isRecord(value) ? value : {};
  const links = body["links"];
  const self = isRecord(links) ? links["self"] : undefined;
  const candidates = [
    Array.isArray(location) ? location[0] : location,
    body["statusUrl"],
    body["status_url"],
    typeof self === "string" ? self : isRecord(self) ? self["href"] : undefined,
  ];
  return candidates.filter((c): c is string => typeof c === "string" && c.length > 0);
}
