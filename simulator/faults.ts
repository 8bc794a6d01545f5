/**
 * Deterministic fault injection. A FaultSpec maps a route name (or "any") to one rule or a list;
 * the first rule that fires for a request decides its fault. See README.md "Faults" for the DSL.
 */
import { hash32, strHash } from "./rng.js";
import type { RetryAfterForm } from "./variants.js";

export const ROUTES = ["tables", "rows", "exportCreate", "exportStatus", "download", "legacyTables", "legacyRows"] as const;
export type RouteName = (typeof ROUTES)[number];

export interface FaultRule {
  // ── which requests (counted per route since the spec was set, 1-based) ──
  /** Exactly these request numbers. */
  nth?: number | number[];
  /** Skip the first `after` requests. */
  after?: number;
  /** Fire at most this many times (default: unlimited). */
  times?: number;
  /** Fire with this probability (0..1), deterministic from the spec seed and request number. */
  rate?: number;
  /** Only requests for this export table (rows, exportCreate): lets one stream fail while others run. */
  entity?: string;
  /** Only rows requests that ask for at least this many rows (a backend that is slow on large pages). */
  minPageSize?: number;
  // ── what happens (one effect; slowMs may accompany any) ──
  /** Answer with this status and an error body (429s carry Retry-After per `retryAfter`). */
  status?: number;
  /** Send headers and part of the body, then reset the connection. `afterRequests` is an alias of `after`. */
  reset?: boolean | { afterBytes?: number; afterRequests?: number };
  /** Announce the full Content-Length, send part of the body, then close. */
  truncate?: boolean | { afterBytes?: number; afterRequests?: number };
  /** Delay before the first byte. */
  slowMs?: number;
  /** exportCreate / exportStatus: the export ends as failed. */
  exportFailed?: boolean;
  /** download: the signed URL has expired early (403 with an XML body). */
  urlExpired?: boolean;
  /** rows: answer with nextPageToken equal to the request's pageToken (a server bug clients must catch). */
  repeatToken?: boolean;
  /** download: the file was deleted early. */
  fileGone?: 404 | 410;
  /**
   * download: the body keeps its length but the 64 bytes before its last 8 are garbled (in Parquet: the
   * footer's metadata), as a bad proxy or disk would: every length check passes, decoding fails.
   */
  corrupt?: boolean;
  // ── modifiers ──
  /** Error body as an HTML proxy page instead of the variant's JSON shape. */
  html?: boolean;
  retryAfter?: RetryAfterForm;
  retryAfterSeconds?: number;
}

export type FaultSpec = { seed?: number } & { [K in RouteName | "any"]?: FaultRule | FaultRule[] };

/** A fired fault, normalized. */
export interface Fault extends FaultRule {
  resetBytes?: number;
  truncateBytes?: number;
}

interface RuleState {
  rule: FaultRule;
  after: number;
  fired: number;
}

export class FaultEngine {
  private readonly seed: number;
  private readonly rules = new Map<string, RuleState[]>();
  private readonly seen = new Map<string, number>();

  constructor(spec: FaultSpec = {}, defaultSeed = 42) {
    this.seed = spec.seed ?? defaultSeed;
    for (const [key, value] of Object.entries(spec)) {
      if (key === "seed" || value === undefined) continue;
      if (key !== "any" && !(ROUTES as readonly string[]).includes(key)) {
        throw new Error(`unknown fault route: ${key} (routes: ${ROUTES.join(", ")}, any)`);
      }
      const list = (Array.isArray(value) ? value : [value]) as FaultRule[];
      this.rules.set(
        key,
        list.map((rule) => ({ rule, after: rule.after ?? afterAlias(rule) ?? 0, fired: 0 })),
      );
    }
  }

  /** Counts the request and returns the fault to inject, if any. */
  decide(route: RouteName, entity?: string, pageSize?: number): Fault | undefined {
    const n = (this.seen.get(route) ?? 0) + 1;
    this.seen.set(route, n);
    for (const key of [route, "any"]) {
      for (const st of this.rules.get(key) ?? []) {
        if (st.rule.entity !== undefined && st.rule.entity !== entity) continue;
        if (st.rule.minPageSize !== undefined && !(pageSize !== undefined && pageSize >= st.rule.minPageSize)) continue;
        if (this.fires(st, route, n)) {
          st.fired++;
          return normalize(st.rule);
        }
      }
    }
    return undefined;
  }

  private fires(st: RuleState, route: string, n: number): boolean {
    const { rule } = st;
    if (rule.nth !== undefined) return (Array.isArray(rule.nth) ? rule.nth : [rule.nth]).includes(n);
    if (n <= st.after) return false;
    if (rule.times !== undefined && st.fired >= rule.times) return false;
    if (rule.rate !== undefined) return hash32(this.seed, strHash(route), n) / 4294967296 < rule.rate;
    return true;
  }
}

function afterAlias(rule: FaultRule): number | undefined {
  for (const eff of [rule.reset, rule.truncate]) {
    if (eff && typeof eff === "object" && eff.afterRequests !== undefined) return eff.afterRequests;
  }
  return undefined;
}

function normalize(rule: FaultRule): Fault {
  const f: Fault = { ...rule };
  if (rule.reset) f.resetBytes = typeof rule.reset === "object" ? rule.reset.afterBytes : undefined;
  if (rule.truncate) f.truncateBytes = typeof rule.truncate === "object" ? rule.truncate.afterBytes : undefined;
  return f;
}
