/**
 * Stateless page tokens: [version][next index][issued at][body hash][HMAC], base64url. The server
 * keeps nothing per token, so paging 10 M rows is O(page) work per request.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ApiError, badRequest } from "./api-error.js";

const VERSION = 1;
const HASH_BYTES = 12;
const MAC_BYTES = 16;
const LEN = 1 + 8 + 8 + HASH_BYTES + MAC_BYTES;

export interface TokenPosition {
  /** Index to resume scanning at. */
  next: number;
  issuedAt: number;
}

export function bodyHash(canonical: unknown): Buffer {
  return createHash("sha256").update(stableStringify(canonical)).digest().subarray(0, HASH_BYTES);
}

/** JSON with sorted object keys, so equal bodies hash equally whatever the key order. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

export class PageTokens {
  /** Tokens issued before this instant are expired (expireAll / TTL). */
  private notBefore = 0;

  constructor(
    private readonly secret: Buffer,
    private ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  setTtlSeconds(seconds: number): void {
    this.ttlMs = seconds * 1000;
  }

  expireAll(): void {
    this.notBefore = this.now() + 1;
  }

  issue(next: number, hash: Buffer): string {
    const buf = Buffer.alloc(LEN);
    buf.writeUInt8(VERSION, 0);
    buf.writeBigUInt64BE(BigInt(next), 1);
    buf.writeBigUInt64BE(BigInt(this.now()), 9);
    hash.copy(buf, 17, 0, HASH_BYTES);
    this.mac(buf.subarray(0, LEN - MAC_BYTES)).copy(buf, LEN - MAC_BYTES);
    return buf.toString("base64url");
  }

  /** Checks signature, body binding and age; throws 400 or 410 ApiErrors. */
  verify(token: string, hash: Buffer): TokenPosition {
    const buf = Buffer.from(token, "base64url");
    if (buf.length !== LEN || buf.readUInt8(0) !== VERSION || buf.toString("base64url") !== token) {
      throw badRequest("invalid_page_token", "The pageToken is malformed");
    }
    const mac = this.mac(buf.subarray(0, LEN - MAC_BYTES));
    if (!timingSafeEqual(mac, buf.subarray(LEN - MAC_BYTES))) throw badRequest("invalid_page_token", "The pageToken is not valid");
    if (!hash.equals(buf.subarray(17, 17 + HASH_BYTES))) {
      throw badRequest(
        "page_token_mismatch",
        "The request body differs from the one the pageToken was issued for; do not change fields, filters, pageSize or keyBy",
      );
    }
    const issuedAt = Number(buf.readBigUInt64BE(9));
    if (issuedAt < this.notBefore || this.now() - issuedAt > this.ttlMs) {
      throw new ApiError(410, "page_token_expired", "The page token has expired; restart pagination from the first page");
    }
    return { next: Number(buf.readBigUInt64BE(1)), issuedAt };
  }

  private mac(data: Buffer): Buffer {
    return createHmac("sha256", this.secret).update(data).digest().subarray(0, MAC_BYTES);
  }
}
