/**
 * Reading 2xx bodies. A JSON body that does not parse is retried (it was most likely cut short by a reset
 * connection); a complete non-JSON page is reported as such (most likely a wrong base_url).
 */
import type { Dispatcher } from "undici";
import { BodyError, classifyNetworkError } from "./http-errors.js";
import { parseLossless } from "../encode/json-lossless.js";

function contentType(response: Dispatcher.ResponseData): string {
  const value = response.headers["content-type"];
  return (Array.isArray(value) ? value[0] : value)?.toLowerCase() ?? "";
}

export async function readJson(response: Dispatcher.ResponseData): Promise<unknown> {
  return parseJsonBody(await readBytes(response), response);
}

/** Like readJson, with numbers kept as sent (json-lossless.ts): for bodies that carry rows. */
export async function readRowsJson(response: Dispatcher.ResponseData): Promise<unknown> {
  return parseJsonBody(await readBytes(response), response, true);
}

/**
 * The whole body as bytes; a connection that breaks while it streams is a retryable BodyError. With a
 * Content-Length the chunks are copied into one buffer as they arrive, so a large page (100 000 rows is
 * ~50 MB) is held once, not as chunks plus their concatenation. That buffer comes from `allocate` (a
 * caller may hand out memory it reuses), sized to the announced length.
 */
export async function readBytes(response: Dispatcher.ResponseData, allocate: (length: number) => Buffer = Buffer.allocUnsafe): Promise<Buffer> {
  try {
    const length = Number(response.headers["content-length"]);
    if (!Number.isSafeInteger(length) || length <= 0 || response.headers["content-encoding"] !== undefined) {
      return Buffer.from(await response.body.arrayBuffer());
    }
    let out = allocate(length);
    let at = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (at + chunk.length > out.length) out = Buffer.concat([out.subarray(0, at), chunk]); // longer than announced
      else chunk.copy(out, at);
      at += chunk.length;
    }
    return at === out.length ? out : out.subarray(0, at);
  } catch (error) {
    const cls = classifyNetworkError(error);
    if (cls !== undefined) throw new BodyError(cls, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/**
 * A body that must be JSON (UTF-8, BOM dropped as `response.text()` would), or the BodyError saying why
 * not. `lossless`: numbers keep their digits (rows), at the cost of a slower parse.
 */
export function parseJsonBody(bytes: Buffer, response: Dispatcher.ResponseData, lossless = false): unknown {
  const text = utf8.decode(bytes);
  const type = contentType(response);
  const trimmed = text.trimStart();
  if (!type.includes("json") && trimmed.startsWith("<")) {
    throw new BodyError("not-json", `expected JSON, got ${type || "no content type"} starting with "${trimmed.slice(0, 40)}"`);
  }
  if (trimmed.length === 0) throw new BodyError("truncated", "empty body where JSON was expected");
  try {
    return lossless ? parseLossless(Buffer.from(text, "utf8")) : (JSON.parse(text) as unknown);
  } catch (error) {
    throw new BodyError("invalid-json", `JSON did not parse (${text.length} bytes): ${(error as Error).message}`);
  }
}

const utf8 = new TextDecoder("utf-8");
