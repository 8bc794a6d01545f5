/**
 * What an export status answer means, whatever dialect the server speaks (ignite-api.md §14): the
 * status word as a phase (a table), the failure message, the progress estimate, and the download list
 * in each of its shapes. Pure.
 */
import { isRecord } from "../contract/json-object.js";

/** waiting and running both mean "poll again"; they differ only in what the progress log says. */
export type ExportPhase = "waiting" | "running" | "ready" | "failed" | "unknown";

/** Status word (lower-cased, `-`/space as `_`) → phase. A word not listed keeps polling until the deadline. */
export const STATUS_PHASES: Readonly<Record<string, ExportPhase>> = {
  queued: "waiting",
  pending: "waiting",
  running: "running",
  in_progress: "running",
  processing: "running",
  succeeded: "ready",
  success: "ready",
  completed: "ready",
  done: "ready",
  failed: "failed",
  error: "failed",
  cancelled: "failed",
  canceled: "failed",
  expired: "failed",
};

export function phaseOf(status: string): ExportPhase {
  const word = status.trim().toLowerCase().replace(/[\s-]+/g, "_");
  return Object.hasOwn(STATUS_PHASES, word) ? STATUS_PHASES[word]! : "unknown";
}

/** The server's reason for a failed export (`message`, `error` as text, or `error.message`), shortened. */
export function failureMessage(body: Readonly<Record<string, unknown>>): string {
  const error = body["error"];
  const nested = isRecord(error) ? (error["message"] ?? error["code"]) : undefined;
  const parts = [body["message"], nested, typeof error === "string" ? error : undefined, body["reason"], body["detail"]];
  const text = parts.find((p): p is string => typeof p === "string" && p.trim() !== "");
  return text === undefined ? "no reason given" : text.trim().slice(0, 300);
}

/** `estimatedBytesProcessed` as a number (it may come as a numeric string), or undefined. */
export function estimatedBytes(body: Readonly<Record<string, unknown>>): number | undefined {
  return nonNegative(body["estimatedBytesProcessed"]);
}

export interface ExportFileRef {
  /** Signed, short-lived: never logged (the client's redactor masks it in errors). */
  readonly url: string;
  /** The file name given, else the last path segment of the URL. */
  readonly name: string;
  readonly sizeBytes?: number;
  readonly rowCount?: number;
}

const URL_KEYS = ["url", "downloadUrl", "download_url", "href", "link"] as const;

/**
 * The files of a succeeded export: `files: [{url|downloadUrl|href, name, sizeBytes, rowCount}]`,
 * `files: ["…"]`, `downloadUrls: ["…"]` or `urls: ["…"]` (unknown fields ignored), in the order given.
 * Undefined when the answer has no list at all (a server that marks success before listing files).
 */
export function parseDownloadList(body: Readonly<Record<string, unknown>>): ExportFileRef[] | undefined {
  const list = [body["files"], body["downloadUrls"], body["download_urls"], body["urls"]].find(Array.isArray) as unknown[] | undefined;
  if (list === undefined) return undefined;
  const files: ExportFileRef[] = [];
  for (const item of list) {
    const ref = isRecord(item) ? fromObject(item) : typeof item === "string" ? fromUrl(item) : undefined;
    if (ref !== undefined) files.push(ref);
  }
  return files;
}

function fromObject(item: Record<string, unknown>): ExportFileRef | undefined {
  const url = URL_KEYS.map((k) => item[k]).find((v): v is string => typeof v === "string" && v !== "");
  if (url === undefined) return undefined;
  const name = typeof item["name"] === "string" && item["name"] !== "" ? item["name"] : nameFromUrl(url);
  const sizeBytes = nonNegative(item["sizeBytes"] ?? item["size"]);
  const rowCount = nonNegative(item["rowCount"] ?? item["rows"]);
  return {
    url,
    name,
    ...(sizeBytes !== undefined && { sizeBytes }),
    ...(rowCount !== undefined && { rowCount }),
  };
}

function fromUrl(url: string): ExportFileRef | undefined {
  return url === "" ? undefined : { url, name: nameFromUrl(url) };
}

/** Last path segment, decoded; signed URLs keep their signature in the query or an earlier segment. */
export function nameFromUrl(url: string): string {
  try {
    const segment = new URL(url).pathname.split("/").filter((s) => s !== "").pop() ?? "";
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

function nonNegative(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
