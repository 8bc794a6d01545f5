/**
 * Signed download URLs: streamed, resumable with Range, through a dispatcher that never carries the API
 * token — not even when the URL is on the API's own host. The URL itself is a secret (it grants access),
 * so it is registered with the redactor and errors name only host and file.
 */
import type { Dispatcher } from "undici";
import { describeDownloadUrl } from "./http-errors.js";
import { requestWithRetry, type CallOptions, type HttpContext } from "./http-request.js";

export interface DownloadOptions extends CallOptions {
  /** Byte offset to resume from (sends `Range: bytes=<start>-`). */
  readonly rangeStart?: number;
}

export interface DownloadResponse {
  readonly status: number;
  /** Byte offset of the first body byte in the whole file: the Range start on 206, 0 when the server sent it all. */
  readonly offset: number;
  /** Total file size when the server said (Content-Range total, or Content-Length on 200). */
  readonly totalBytes: number | undefined;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly body: Dispatcher.ResponseData["body"];
}

export async function downloadSigned(ctx: HttpContext, dispatcher: Dispatcher, url: string, opts: DownloadOptions = {}): Promise<DownloadResponse> {
  const parsed = new URL(url);
  ctx.redactor.add(url);
  ctx.redactor.add(parsed.pathname);
  ctx.redactor.add(parsed.search.slice(1));
  // identity: byte offsets for Range must be offsets in the stored file, not in a re-encoded stream.
  const headers: Record<string, string> = { "user-agent": ctx.userAgent, "accept-encoding": "identity" };
  if (opts.rangeStart !== undefined && opts.rangeStart > 0) headers["range"] = `bytes=${opts.rangeStart}-`;
  const answer = await requestWithRetry(
    ctx,
    { dispatcher, url: parsed, method: "GET", headers, kind: "download", route: `GET ${describeDownloadUrl(url)}`, read: async (r) => r },
    opts,
  );
  const response = answer.value;
  const header = (name: string): string | undefined => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const range = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(header("content-range") ?? "");
  const length = header("content-length");
  const total = range !== null && range[3] !== "*" ? Number(range[3]) : response.statusCode === 200 && length !== undefined ? Number(length) : undefined;
  return {
    status: response.statusCode,
    offset: response.statusCode === 206 && range !== null ? Number(range[1]) : 0,
    totalBytes: total,
    contentType: header("content-type"),
    contentEncoding: header("content-encoding"),
    body: response.body,
  };
}
