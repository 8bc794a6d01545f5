/**
 * Legacy lastModifiedDateFilter dates: "YYYY-MM-DD" or Elasticsearch-style date math relative to the
 * simulated clock ("now", "now-1M", "now-2w+3h", "now-1d/d"). Units: y M w d h H m s.
 */
import { badRequest } from "./api-error.js";
import { isValidDate } from "./values.js";

const UNIT_MS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, H: 3_600_000, m: 60_000, s: 1_000 };

function addUnits(t: number, n: number, unit: string): number {
  if (unit === "y" || unit === "M") {
    const d = new Date(t);
    if (unit === "y") d.setUTCFullYear(d.getUTCFullYear() + n);
    else d.setUTCMonth(d.getUTCMonth() + n);
    return d.getTime();
  }
  return t + n * (UNIT_MS[unit] ?? 0);
}

function roundDown(t: number, unit: string): number {
  const d = new Date(t);
  switch (unit) {
    case "y":
      return Date.UTC(d.getUTCFullYear(), 0, 1);
    case "M":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case "w": {
      const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      return day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
    }
    default:
      return t - (t % (UNIT_MS[unit] ?? 1));
  }
}

/**
 * Resolves a filter bound to epoch ms. `end` = true makes a plain date inclusive of its whole day
 * (lte "2026-01-15" includes 23:59:59.999 that day).
 */
export function resolveDate(text: unknown, now: number, end: boolean, field: string): number {
  if (typeof text !== "string") throw badRequest("invalid_date", `${field} must be a string date`);
  if (isValidDate(text)) return Date.parse(`${text}T00:00:00Z`) + (end ? 86_399_999 : 0);
  const m = /^now((?:[+-]\d+[yMwdhHms])*)(?:\/([yMwdhHms]))?$/.exec(text);
  if (!m) throw badRequest("invalid_date", `${field}: expected YYYY-MM-DD or a relative date like now-1M, got ${JSON.stringify(text)}`);
  let t = now;
  for (const part of (m[1] ?? "").matchAll(/([+-])(\d+)([yMwdhHms])/g)) {
    t = addUnits(t, (part[1] === "-" ? -1 : 1) * Number(part[2]), part[3]!);
  }
  if (m[2]) t = roundDown(t, m[2]);
  return t;
}
