/**
 * Merges the sync window (`updated_at >= from`) into the user's configured filters, using an operator
 * the column supports. Pure.
 */
import { ConfigError } from "../contract/errors.js";
import { laterTimestamp } from "../encode/timestamps.js";
import type { ColumnMeta } from "../api/tables.js";
import type { Filters } from "../api/requests.js";

const FAR_FUTURE = "9999-12-31T23:59:59Z";

export function withWindow(filters: Filters | undefined, column: ColumnMeta | undefined, from: string | undefined): Filters | undefined {
  if (from === undefined) return filters;
  if (column === undefined) throw new ConfigError("incremental sync needs an updated_at column, and this table has none");
  const ops = column.supportedOperators;
  const user = filters?.[column.name] ?? {};
  const lower = typeof user["gte"] === "string" ? laterTimestamp(from, user["gte"]) : from;
  const upper = typeof user["lte"] === "string" ? user["lte"] : undefined;
  let condition: Record<string, unknown>;
  if (upper !== undefined && ops.includes("between")) condition = { between: [lower, upper] };
  else if (ops.includes("gte")) condition = { ...user, gte: lower };
  else if (ops.includes("between")) condition = { between: [lower, upper ?? FAR_FUTURE] };
  else {
    throw new ConfigError(
      `incremental sync filters ${column.name} with "gte" or "between", but the API lists only [${ops.join(", ")}] for it; use full_refresh for this stream`,
    );
  }
  return { ...filters, [column.name]: condition };
}
