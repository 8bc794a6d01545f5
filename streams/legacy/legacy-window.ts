/**
 * The `lastModifiedDateFilter` of a legacy read: the user's configured bounds (`filters` entries on the
 * stream's last-modified column: gte / lte / between, each `YYYY-MM-DD`, an RFC 3339 time, or date math
 * such as `now-1M`) combined with the incremental window. Pure.
 *
 * The API filters by whole days, so the window's lower bound is the UTC day of (cursor − lookback): that
 * day is read again on the next sync and its rows may be emitted twice (at-least-once, never a gap).
 */
import { ConfigError } from "../contract/errors.js";
import { timestampMs } from "../encode/timestamps.js";
import type { Filters } from "../api/requests.js";

export interface LegacyDateFilter {
  gte?: string;
  lte?: string;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** The documented relative form: now, signed amounts of y M w d h H m s, optional rounding `/unit`. */
const RELATIVE_RE = /^now((?:[+-]\d+[yMwdhHms])*)(?:\/([yMwdhHms]))?$/;
const UNIT_MS: Readonly<Record<string, number>> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, H: 3_600_000, m: 60_000, s: 1000 };

/** Column names a user may write for the hidden last-modified time, besides the cursor column's label. */
const ALIASES = ["lastModifiedDate", "lastModifiedDateFilter", "last_modified"];

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A bound as the API accepts it: dates and date math pass through, an RFC 3339 time becomes its UTC day. */
function normalizeBound(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const v = value.trim();
  if (DATE_RE.test(v)) return Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ? undefined : v;
  if (TIMESTAMP_RE.test(v)) {
    const ms = timestampMs(v);
    return Number.isNaN(ms) ? undefined : utcDay(ms);
  }
  return RELATIVE_RE.test(v) ? v : undefined;
}

/** Epoch ms of a bound on our clock (the server resolves date math on its own; this only orders bounds). */
export function boundMs(bound: string, now: number): number {
  if (DATE_RE.test(bound)) return Date.parse(`${bound}T00:00:00Z`);
  const m = RELATIVE_RE.exec(bound);
  if (m === null) return Number.NaN;
  let t = now;
  for (const part of (m[1] ?? "").matchAll(/([+-])(\d+)([yMwdhHms])/g)) {
    const n = (part[1] === "-" ? -1 : 1) * Number(part[2]);
    const unit = part[3]!;
    if (unit === "y" || unit === "M") {
      const d = new Date(t);
      if (unit === "y") d.setUTCFullYear(d.getUTCFullYear() + n);
      else d.setUTCMonth(d.getUTCMonth() + n);
      t = d.getTime();
    } else t += n * (UNIT_MS[unit] ?? 0);
  }
  return t;
}

const HELP = 'a date YYYY-MM-DD, an RFC 3339 time, or a relative date such as "now-1M" (units y M w d h H m s)';

/**
 * The configured bounds of one legacy stream. Only the last-modified time can be filtered on (it is the
 * only filter the deprecated API has); anything else is a ConfigError naming the field.
 */
export function configuredDateFilter(stream: string, filters: Filters | undefined, cursorLabel: string | undefined): LegacyDateFilter {
  const out: LegacyDateFilter = {};
  const problems: string[] = [];
  const allowed = [...(cursorLabel === undefined ? [] : [cursorLabel]), ...ALIASES];
  for (const [column, ops] of Object.entries(filters ?? {})) {
    const path = `filters.${stream}.${column}`;
    if (!allowed.includes(column)) {
      problems.push(`${path}: legacy data tables can only be filtered on their last-modified time; use the column "${allowed[0]}"`);
      continue;
    }
    for (const [op, value] of Object.entries(ops)) {
      const pair = op === "between" && Array.isArray(value) && value.length === 2 ? value : undefined;
      const entries: [keyof LegacyDateFilter, unknown][] =
        op === "gte" || op === "lte" ? [[op, value]] : pair !== undefined ? [["gte", pair[0]], ["lte", pair[1]]] : [];
      if (entries.length === 0) {
        problems.push(`${path}.${op}: legacy data tables support gte, lte and between [from, to] on the last-modified time`);
        continue;
      }
      for (const [key, raw] of entries) {
        const bound = normalizeBound(raw);
        if (bound === undefined) problems.push(`${path}.${op}: must be ${HELP}, got ${JSON.stringify(raw)}`);
        else out[key] = bound;
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid filters: ${problems.join("; ")}`);
  return out;
}

/**
 * The filter a sync sends: the configured bounds, with `gte` raised to the window's day when the window
 * starts later. Undefined when there is nothing to filter.
 */
export function syncDateFilter(configured: LegacyDateFilter, windowFrom: string | undefined, now: number): LegacyDateFilter | undefined {
  let gte = configured.gte;
  if (windowFrom !== undefined) {
    const day = utcDay(timestampMs(windowFrom));
    if (gte === undefined || boundMs(day, now) > boundMs(gte, now)) gte = day;
  }
  const out: LegacyDateFilter = {
    ...(gte !== undefined && { gte }),
    ...(configured.lte !== undefined && { lte: configured.lte }),
  };
  return Object.keys(out).length === 0 ? undefined : out;
}
