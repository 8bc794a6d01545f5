/**
 * The fingerprint of the request a saved position belongs to (`request` in stream state): a resumed sync
 * takes up its page token, export or next link only when it would send the same request body again.
 */
import { createHash } from "node:crypto";

export function fingerprint(body: object): string {
  return createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 16);
}
