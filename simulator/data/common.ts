/** Helpers shared by the table generators: timestamps with repeats, money with many decimals. */
import { hash32 } from "../rng.js";
import { isoTimestamp, money } from "../values.js";
import type { GenContext, RowVersion } from "./schema.js";

const YEAR_MS = 365 * 86_400_000;

/**
 * created_at / updated_at. Base rows share updated_at in runs of 50 (repeated cursor values are a
 * classic incremental-sync trap); a few rows date from just after the Unix epoch.
 */
export function rowTimes(ctx: GenContext, salt: number, index: number, v: RowVersion): { created: string; updated: string } {
  if (v.insertedAt !== undefined) {
    return { created: isoTimestamp(v.insertedAt), updated: isoTimestamp(v.updatedAt ?? v.insertedAt) };
  }
  const bucket = Math.floor(index / 50);
  const hb = hash32(ctx.seed, salt, bucket, 17);
  const baseUpdated = ctx.epoch - 1000 - (hb % Math.floor((2 * YEAR_MS) / 1000)) * 1000 - (hb % 1000);
  const hc = hash32(ctx.seed, salt, index, 23);
  const created = hc % 1000 === 0 ? 1 + (hc % 997) : baseUpdated - (hc % Math.floor(YEAR_MS / 1000)) * 1000;
  return { created: isoTimestamp(created), updated: isoTimestamp(v.updatedAt ?? baseUpdated) };
}

/**
 * A monetary amount: mostly cents, some with up to 9 decimals, about 5 % negative credit notes.
 * At most 14 significant digits so double and decimal(38,9) print the same number.
 */
export function amount(h: number, h2: number): number {
  const negative = h2 % 20 === 0;
  let nanos: number;
  if (h % 7 === 0) nanos = (h2 % 100_000_000) * 1000 + (h % 1000); // ≤ 99 999.999 999 999
  else nanos = (h % 10_000_000) * 10_000_000; // cents up to 99 999.99
  if (h % 97 === 0) nanos = 0;
  return money(negative ? -nanos : nanos);
}
