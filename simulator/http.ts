/**
 * Replies as data (status, headers, body) so faults can cut, delay or reset any of them in one place,
 * plus the error-body shapes of the §14 table and the Retry-After forms.
 */
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./api-error.js";
import type { Fault } from "./faults.js";
import type { ErrorBodyForm, RetryAfterForm } from "./variants.js";

export interface FileBody {
  path: string;
  start: number;
  end: number; // inclusive
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | FileBody;
  /** HEAD: headers describe `body` but no bytes are sent. */
  headOnly?: boolean;
}

const MAX_BODY = 4 * 1024 * 1024;

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ApiError(413, "payload_too_large", "Request body too large");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, "invalid_json", "Request body is not valid JSON");
  }
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, body: Buffer.from(JSON.stringify(value)) };
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  410: "Gone",
  413: "Payload Too Large",
  416: "Range Not Satisfiable",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function htmlPage(status: number): Buffer {
  const reason = REASONS[status] ?? "Error";
  return Buffer.from(
    `<!DOCTYPE html>\n<html><head><title>${status} ${reason}</title></head>\n<body><center><h1>${status} ${reason}</h1></center><hr><center>nginx</center></body></html>\n`,
  );
}

/** An error reply in one of the §14 error-body shapes. */
export function errorReply(form: ErrorBodyForm, status: number, code: string, message: string): Reply {
  const text = `${code}: ${message}`;
  switch (form) {
    case "error":
      return jsonReply(status, { error: code, message });
    case "code":
      return jsonReply(status, { code, message });
    case "nested":
      return jsonReply(status, { error: { code, message } });
    case "detail":
      return jsonReply(status, { detail: text, status }, { "content-type": "application/problem+json" });
    case "title":
      return jsonReply(status, { title: text, status, type: "about:blank" }, { "content-type": "application/problem+json" });
    case "text":
      return { status, headers: { "content-type": "text/plain; charset=utf-8" }, body: Buffer.from(text) };
    case "html":
      return { status, headers: { "content-type": "text/html" }, body: htmlPage(status) };
  }
}

export function retryAfterHeaders(form: RetryAfterForm, seconds: number, now = Date.now()): Record<string, string> {
  switch (form) {
    case "seconds":
      return { "retry-after": String(seconds) };
    case "date":
      return { "retry-after": new Date(Math.ceil((now + seconds * 1000) / 1000) * 1000).toUTCString() };
    case "ratelimit-reset":
      return { "x-ratelimit-reset": String(Math.ceil(now / 1000) + seconds), "x-ratelimit-remaining": "0" };
    case "none":
      return {};
  }
}

export function xmlError(status: number, code: string, message: string): Reply {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  return { status, headers: { "content-type": "application/xml" }, body: Buffer.from(body) };
}

function bodyLength(body: Buffer | FileBody | undefined): number {
  if (!body) return 0;
  return Buffer.isBuffer(body) ? body.length : body.end - body.start + 1;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes a reply, applying slow / reset / truncate faults. Returns the status label for counters. */
export async function sendReply(res: ServerResponse, reply: Reply, fault?: Fault): Promise<string> {
  if (fault?.slowMs) await sleep(fault.slowMs);
  const length = bodyLength(reply.body);
  const headers = { ...reply.headers, "content-length": String(length) };
  const cut = fault?.reset ? (fault.resetBytes ?? Math.floor(length / 2)) : fault?.truncate ? (fault.truncateBytes ?? Math.floor(length / 2)) : undefined;
  res.writeHead(reply.status, headers);
  if (reply.headOnly || !reply.body) {
    res.end();
    return String(reply.status);
  }
  if (cut === undefined) {
    if (Buffer.isBuffer(reply.body)) res.end(reply.body);
    else await pipeFile(res, reply.body);
    return String(reply.status);
  }
  const partial = Buffer.isBuffer(reply.body)
    ? reply.body.subarray(0, Math.min(cut, length))
    : await readPart(reply.body, Math.min(cut, length));
  await new Promise<void>((resolve) => res.write(partial, () => resolve()));
  const socket = res.socket;
  if (fault?.reset) socket?.resetAndDestroy();
  else socket?.destroy();
  return fault?.reset ? "reset" : "truncated";
}

function pipeFile(res: ServerResponse, f: FileBody): Promise<void> {
  return new Promise((resolve) => {
    const s = createReadStream(f.path, { start: f.start, end: f.end });
    s.on("error", () => {
      res.destroy();
      resolve();
    });
    res.on("close", () => {
      s.destroy();
      resolve();
    });
    s.pipe(res);
  });
}

async function readPart(f: FileBody, n: number): Promise<Buffer> {
  if (n <= 0) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(f.path, { start: f.start, end: f.start + n - 1 }) as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}
