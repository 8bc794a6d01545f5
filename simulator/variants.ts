/**
 * Every reading of the docs that ../shared/ignite-api.md §14 allows, as one switchable record.
 * Defaults are the first choice of each §14 row.
 */

export type RetryAfterForm = "seconds" | "date" | "none" | "ratelimit-reset";
export type ErrorBodyForm = "error" | "code" | "nested" | "detail" | "title" | "text" | "html";

export interface Variant {
  /** Path prefix inside the base URL, e.g. "/api/v2" ("" = none). */
  apiPrefix: string;
  /** Where export status lives: GET /exports/{id} or GET /tables/{entity}/exports/{id}. */
  exportStatusPath: "exports" | "tables";
  /** How the create response names a status URL; when not "none" status is served ONLY at that URL. */
  statusUrlIn: "none" | "location" | "statusUrl" | "links.self";
  createStatus: 200 | 201 | 202;
  /** Last rows page: no nextPageToken, null, "", or one extra page with data: [] and no token. */
  lastPage: "absent" | "null" | "empty" | "emptyPage";
  statusCasing: "lower" | "upper" | "title";
  /** The words used for running and failed (queued and succeeded keep their names). */
  statusNames: { running: string; failed: string };
  downloadList: "files" | "downloadUrls" | "urls" | "filesStrings" | "downloadUrl" | "href";
  fileOrder: "given" | "shuffled";
  jsonLayout: "ndjson" | "array" | "data";
  gzip: "none" | "header" | "name" | "magic";
  parquetCompression: "snappy" | "zstd" | "gzip" | "none";
  /** TIMESTAMP precision: the Parquet unit, and the fraction digits rows and JSON files carry (3, 6, 9). */
  timestampUnit: "ms" | "us" | "ns";
  /** TIMESTAMP with a zone: "UTC" Parquet columns and `…Z` text; false: neither (UTC wall time). */
  timestampZone: boolean;
  /** Three timestamps in four are rounded down to whole 10 ms, 100 ms or seconds (`.980Z`, `.900Z`, `.000Z`). */
  timestampZeros: boolean;
  monetaryAs: "double" | "decimal";
  dictionaryStrings: boolean;
  int64Columns: boolean;
  /**
   * Some integer NUMBER values beyond 2^53 (up to ±(2^63−1)) and MONETARY_AMOUNT values with up to 29 + 9
   * digits, in rows, JSON files and Parquet (int64 and decimal(38,9) columns then, whatever
   * int64Columns and monetaryAs say). See wire.ts.
   */
  wideNumbers: boolean;
  rowGroupRows: number;
  errorBody: ErrorBodyForm;
  retryAfter: RetryAfterForm;
  /** keyBy "label" collision suffix: "<key> #2" or "<key>#2". */
  labelSuffix: "space" | "nospace";
  /** Download URLs on the API host or on an alias host name ("localhost"). */
  downloadHost: "same" | "alias";
  /** What an export id answers after the retention period. */
  deletedExportStatus: 404 | 410;
  legacyNext: "absolute" | "relative" | "cursor";
  legacyTotalCount: "number" | "string";
}

export const DEFAULT_VARIANT: Variant = {
  apiPrefix: "",
  exportStatusPath: "exports",
  statusUrlIn: "none",
  createStatus: 202,
  lastPage: "absent",
  statusCasing: "lower",
  statusNames: { running: "running", failed: "failed" },
  downloadList: "files",
  fileOrder: "given",
  jsonLayout: "ndjson",
  gzip: "none",
  parquetCompression: "snappy",
  timestampUnit: "ms",
  timestampZone: true,
  timestampZeros: false,
  monetaryAs: "double",
  dictionaryStrings: false,
  int64Columns: false,
  wideNumbers: false,
  rowGroupRows: 100_000,
  errorBody: "error",
  retryAfter: "seconds",
  labelSuffix: "space",
  downloadHost: "same",
  deletedExportStatus: 404,
  legacyNext: "absolute",
  legacyTotalCount: "number",
};

/** Allowed values per enumerated field, for validation of admin and CLI input. */
export const VARIANT_CHOICES: Partial<Record<keyof Variant, readonly (string | number | boolean)[]>> = {
  exportStatusPath: ["exports", "tables"],
  statusUrlIn: ["none", "location", "statusUrl", "links.self"],
  createStatus: [200, 201, 202],
  lastPage: ["absent", "null", "empty", "emptyPage"],
  statusCasing: ["lower", "upper", "title"],
  downloadList: ["files", "downloadUrls", "urls", "filesStrings", "downloadUrl", "href"],
  fileOrder: ["given", "shuffled"],
  jsonLayout: ["ndjson", "array", "data"],
  gzip: ["none", "header", "name", "magic"],
  parquetCompression: ["snappy", "zstd", "gzip", "none"],
  timestampUnit: ["ms", "us", "ns"],
  timestampZone: [true, false],
  timestampZeros: [true, false],
  monetaryAs: ["double", "decimal"],
  dictionaryStrings: [true, false],
  int64Columns: [true, false],
  wideNumbers: [true, false],
  errorBody: ["error", "code", "nested", "detail", "title", "text", "html"],
  retryAfter: ["seconds", "date", "none", "ratelimit-reset"],
  labelSuffix: ["space", "nospace"],
  downloadHost: ["same", "alias"],
  deletedExportStatus: [404, 410],
  legacyNext: ["absolute", "relative", "cursor"],
  legacyTotalCount: ["number", "string"],
};

/** Merges a partial variant over a base, rejecting unknown fields and values. */
export function mergeVariant(base: Variant, patch: Partial<Variant>): Variant {
  const out: Variant = { ...base, statusNames: { ...base.statusNames } };
  for (const [k, v] of Object.entries(patch) as [keyof Variant, unknown][]) {
    if (!(k in DEFAULT_VARIANT)) throw new Error(`unknown variant field: ${k}`);
    if (v === undefined) continue;
    const choices = VARIANT_CHOICES[k];
    if (choices && !choices.includes(v as string)) throw new Error(`variant ${k}: ${String(v)} is not one of ${choices.join(", ")}`);
    if (k === "statusNames") Object.assign(out.statusNames, v as object);
    else if (k === "apiPrefix") out.apiPrefix = String(v).replace(/\/+$/, "");
    else if (k === "rowGroupRows") out.rowGroupRows = Math.max(1, Number(v));
    else (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Export status word as the variant spells it. */
export function statusWord(v: Variant, status: "queued" | "running" | "succeeded" | "failed"): string {
  const word = status === "running" ? v.statusNames.running : status === "failed" ? v.statusNames.failed : status;
  if (v.statusCasing === "upper") return word.toUpperCase();
  if (v.statusCasing === "title") return word.charAt(0).toUpperCase() + word.slice(1);
  return word;
}
