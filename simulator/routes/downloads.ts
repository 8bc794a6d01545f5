/**
 * Signed download URLs, answering like cloud storage: no API auth (and a request that carries an
 * Authorization header is refused), 403 + XML when expired, HEAD and single Range requests.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import type { SimContext } from "../context.js";
import type { Fault } from "../faults.js";
import { xmlError, type Reply } from "../http.js";

export function signDownload(secret: Buffer, exportId: string, expiresAt: number): string {
  const payload = Buffer.from(JSON.stringify({ e: exportId, x: expiresAt })).toString("base64url");
  return `${payload}.${mac(secret, payload)}`;
}

function mac(secret: Buffer, payload: string): string {
  return createHmac("sha256", secret).update(`dl:${payload}`).digest().subarray(0, 18).toString("base64url");
}

function verify(secret: Buffer, token: string): { e: string; x: number } | undefined {
  const [payload, sig] = token.split(".");
  if (!payload || !sig) return undefined;
  const want = Buffer.from(mac(secret, payload));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { e: string; x: number };
  } catch {
    return undefined;
  }
}

export function downloadRoute(ctx: SimContext, req: IncomingMessage, token: string, fileName: string, fault: Fault | undefined): Reply {
  if (req.headers.authorization !== undefined) {
    if (req.headers.authorization.includes(ctx.token)) ctx.count("download:apiTokenLeak");
    ctx.count("download:authorizationHeader");
    return xmlError(400, "InvalidArgument", "Only one auth mechanism allowed; a signed URL must not carry an Authorization header");
  }
  const claim = verify(ctx.secret, token);
  if (!claim) return xmlError(403, "SignatureDoesNotMatch", "The request signature does not match");
  if (fault?.urlExpired || Date.now() > claim.x) return xmlError(403, "AccessDenied", "Request has expired");
  const job = ctx.exports.jobs.get(claim.e);
  const file = job?.files.find((f) => f.name === fileName);
  if (fault?.fileGone) return xmlError(fault.fileGone, "NoSuchKey", "The specified key does not exist.");
  if (!job || !file || Date.now() >= job.deletedAt) return xmlError(404, "NoSuchKey", "The specified key does not exist.");

  const headers: Record<string, string> = {
    "content-type": file.name.endsWith(".parquet") ? "application/vnd.apache.parquet" : file.name.endsWith(".gz") ? "application/gzip" : "application/json",
    "accept-ranges": "bytes",
    etag: `"${job.id}-${file.name}"`,
  };
  if (file.contentEncoding) headers["content-encoding"] = file.contentEncoding;
  const size = file.sizeBytes;
  const headOnly = req.method === "HEAD";
  const range = req.headers.range;
  const garbled = fault?.corrupt === true ? garble(readFileSync(file.path)) : undefined;
  const part = (start: number, end: number) => garbled?.subarray(start, end + 1) ?? { path: file.path, start, end };
  if (range !== undefined) {
    const r = parseRange(range, size);
    if (!r) return { ...xmlError(416, "InvalidRange", "The requested range is not satisfiable"), headers: { "content-range": `bytes */${size}`, "content-type": "application/xml" } };
    headers["content-range"] = `bytes ${r.start}-${r.end}/${size}`;
    return { status: 206, headers, body: part(r.start, r.end), headOnly };
  }
  if (size === 0) return { status: 200, headers, body: Buffer.alloc(0), headOnly };
  return { status: 200, headers, body: part(0, size - 1), headOnly };
}

/** The `corrupt` fault: the 64 bytes before the last 8 inverted (deterministic, same length). */
function garble(bytes: Buffer): Buffer {
  for (let k = Math.max(0, bytes.length - 72); k < bytes.length - 8; k++) bytes[k] = bytes[k]! ^ 0xff;
  return bytes;
}

/** Single byte range: "bytes=a-b", "bytes=a-", "bytes=-n". */
export function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0) return undefined;
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return undefined;
  return { start, end };
}
