/**
 * The Ignite Export API simulator, in process: `startSimulator(options)` listens on 127.0.0.1 and
 * returns handles for tests (clock, faults, variant, counters, ground truth).
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TableMeta } from "../streams/api/tables.js";
import type { SimContext, SimRequest } from "./context.js";
import { Dataset, isTableId, TABLE_DEFS } from "./data/dataset.js";
import type { TableId } from "./data/schema.js";
import { ExportJobs } from "./export-jobs.js";
import { FaultEngine, type FaultSpec } from "./faults.js";
import { LegacyData } from "./legacy-data.js";
import { PageTokens } from "./page-token.js";
import type { AdminControl } from "./routes/admin.js";
import { allTableMeta } from "./routes/tables.js";
import { createHandler } from "./server.js";
import { DEFAULT_VARIANT, mergeVariant, type Variant } from "./variants.js";
import { wireRow } from "./wire.js";

export type { Variant } from "./variants.js";
export type { FaultSpec, FaultRule, RouteName } from "./faults.js";
export type { SimRequest } from "./context.js";
export { DEFAULT_VARIANT } from "./variants.js";
export { WireNumber } from "./wire.js";

export interface SimulatorOptions {
  seed?: number;
  rows?: Partial<Record<TableId, number>>;
  legacyTables?: number;
  variant?: Partial<Variant>;
  faults?: FaultSpec;
  pageTokenTtlSeconds?: number;
  downloadUrlTtlSeconds?: number;
  fileRetentionSeconds?: number;
  exportDelayMs?: number;
  maxFileRows?: number;
  token?: string;
  host?: string;
  port?: number;
  /** Keep a log of API requests with their arrival times (`requests()`), for tests that look at timing. */
  logRequests?: boolean;
}

export interface Simulator {
  url: string;
  token: string;
  close(): Promise<void>;
  advance(steps?: number): void;
  setFaults(faults: FaultSpec): void;
  setVariant(variant: Partial<Variant>): void;
  expireAllPageTokens(): void;
  counters(): Record<string, number>;
  /** Ground truth: the table's rows as the current variant sends them (wire.ts: BigInt / WireNumber for wide numbers). */
  rows(table: string): Iterable<Record<string, unknown>>;
  tables(): TableMeta[];
  legacyTables(): { id: string; name: string; rows: Record<string, unknown>[] }[];
  /** Extras beyond the agreed interface. */
  /** A token that authenticates but has no access: every API route answers 403. */
  noAccessToken: string;
  variant(): Variant;
  resetCounters(): void;
  /** Simulated clock (epoch ms) that data timestamps and relative legacy dates use. */
  now(): number;
  /** API requests so far, in arrival order (empty unless started with `logRequests`). */
  requests(): readonly SimRequest[];
}

const derive = (seed: number, what: string): Buffer => createHash("sha256").update(`ignite-sim:${what}:${seed}`).digest();

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 42;
  const spendRows = options.rows?.spend ?? 2000;
  const counts: Record<TableId, number> = {
    spend: spendRows,
    suppliers: options.rows?.suppliers ?? 300,
    contracts: options.rows?.contracts ?? 200,
    classification_business_units: options.rows?.classification_business_units ?? spendRows,
    classification_spend_categories: options.rows?.classification_spend_categories ?? spendRows,
  };
  const token = options.token ?? `ign_${derive(seed, "token").toString("base64url").slice(0, 40)}`;
  const secret = derive(seed, "secret");
  const dataset = new Dataset(seed, counts);
  const legacy = new LegacyData(seed, options.legacyTables ?? 3, dataset.now());
  const tmp = await mkdtemp(join(tmpdir(), "ignite-sim-"));
  let variant = mergeVariant(DEFAULT_VARIANT, options.variant ?? {});
  const counters = new Map<string, number>();
  const requestLog: SimRequest[] = [];
  const exports = new ExportJobs(
    dataset,
    {
      tmpDir: tmp,
      exportDelayMs: options.exportDelayMs ?? 300,
      maxFileRows: options.maxFileRows ?? 250_000,
      fileRetentionMs: (options.fileRetentionSeconds ?? 7 * 86_400) * 1000,
    },
    () => variant,
  );
  const host = options.host ?? "127.0.0.1";
  const ctx: SimContext = {
    dataset,
    legacy,
    exports,
    token,
    noAccessToken: `ign_${derive(seed, "no-access").toString("base64url").slice(0, 40)}`,
    secret,
    tokens: new PageTokens(secret, (options.pageTokenTtlSeconds ?? 86_400) * 1000),
    downloadUrlTtlMs: (options.downloadUrlTtlSeconds ?? 3600) * 1000,
    get variant() {
      return variant;
    },
    set variant(v: Variant) {
      variant = v;
    },
    faults: new FaultEngine(options.faults, seed),
    baseUrl: "",
    downloadOrigin() {
      if (variant.downloadHost === "same") return ctx.baseUrl;
      const u = new URL(ctx.baseUrl);
      u.hostname = u.hostname === "localhost" ? "127.0.0.1" : "localhost";
      return u.origin;
    },
    count(key) {
      counters.set(key, (counters.get(key) ?? 0) + 1);
    },
    ...(options.logRequests === true && { logRequest: (entry: SimRequest) => void requestLog.push(entry) }),
  };
  const admin: AdminControl = {
    advance(steps) {
      for (let s = 0; s < steps; s++) {
        dataset.advance(1);
        legacy.step(dataset.steps, dataset.now());
      }
    },
    setFaults(f) {
      ctx.faults = new FaultEngine(f, seed);
    },
    setVariant(v) {
      variant = mergeVariant(variant, v);
    },
    variant: () => variant,
    expireAllPageTokens: () => ctx.tokens.expireAll(),
    counters: () => Object.fromEntries(counters),
    resetCounters: () => counters.clear(),
    clock: () => ({ steps: dataset.steps, now: new Date(dataset.now()).toISOString() }),
    info: () => ({ url: ctx.baseUrl, noAccessToken: ctx.noAccessToken, counts, legacyTables: legacy.tables.length, variant }),
  };
  const handle = createHandler(ctx, admin);
  const server = createServer((req, res) => void handle(req, res));
  // longer than any client's idle keep-alive, so the server never closes a socket a client is reusing
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  ctx.baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url: ctx.baseUrl,
    token,
    noAccessToken: ctx.noAccessToken,
    async close() {
      await exports.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await rm(tmp, { recursive: true, force: true });
    },
    advance: (steps = 1) => admin.advance(steps),
    setFaults: (f) => admin.setFaults(f),
    setVariant: (v) => admin.setVariant(v),
    expireAllPageTokens: () => admin.expireAllPageTokens(),
    counters: () => admin.counters(),
    resetCounters: () => admin.resetCounters(),
    variant: () => variant,
    now: () => dataset.now(),
    requests: () => requestLog,
    *rows(table: string) {
      if (!isTableId(table)) throw new Error(`unknown table: ${table}`);
      for (const [, row] of dataset.scan(table)) yield wireRow(TABLE_DEFS[table], row, variant);
    },
    tables: () => allTableMeta(),
    legacyTables: () => legacy.tables.map((t) => ({ id: t.id, name: t.name, rows: t.rows.map((_, i) => legacy.row(t, i, variant)) })),
  };
}
