/**
 * check through createIgniteSource (the factory the runtime calls) against a scripted server on
 * 127.0.0.1: every user-fixable failure is `{ ok: false }` with an actionable message; the rest throws.
 * Waits use a fake clock so the 20 s check budget is exercised without taking 20 s.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ConnectorConfig } from "../spec/config.js";
import { ConnectorError } from "../streams/contract/errors.js";
import { createIgniteSource, type IgniteSource } from "../streams/index.js";
import { connectorConfig, memoryLogger } from "./helpers/connector-config.js";

const TOKEN = "igt_CheckT0ken_abcdefghijklmnop";
const JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let origin: string;
let handler: Handler = () => undefined;
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    req.resume();
    req.on("end", () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sources: IgniteSource[] = [];
afterEach(async () => {
  seen.length = 0;
  await Promise.all(sources.splice(0).map((s) => s.close()));
});

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Handler => (_q, r) => {
  r.writeHead(status, { "content-type": "application/json", ...headers });
  r.end(JSON.stringify(value));
};

const TABLES = [
  { id: "spend", name: "Spend", table: "spend", columns: [
    { name: "id", label: "ID", dataType: "STRING", supportedOperators: ["eq", "in"] },
    { name: "amount", label: "Amount", dataType: "MONETARY_AMOUNT", supportedOperators: ["eq", "in", "gte", "lte", "between"] },
  ], orderBy: ["id"] },
  { id: "suppliers", name: "Suppliers", table: "suppliers", columns: [{ name: "id", label: "ID", dataType: "STRING", supportedOperators: ["eq"] }], orderBy: ["id"] },
];

const { logger, logs } = memoryLogger();

function source(over: Partial<ConnectorConfig> = {}): { src: IgniteSource; clock: { now: number } } {
  const clock = { now: 1_780_000_000_000 };
  const config = connectorConfig({ token: TOKEN, url: origin }, { request_timeout_seconds: 5, retry_budget_seconds: 600, ...over });
  const src = createIgniteSource(config, {
    logger,
    now: () => clock.now,
    client: { sleep: async (ms) => void (clock.now += ms), backoff: { baseMs: 500, capMs: 8000, random: () => 0.5 } },
  });
  sources.push(src);
  return { src, clock };
}

describe("check", () => {
  it("succeeds and names the tables", async () => {
    handler = json(200, TABLES);
    const result = await source().src.check();
    expect(result).toEqual({ ok: true, message: expect.stringMatching(/2 table\(s\) available: spend, suppliers/) });
  });

  it("wrong token → actionable FAILED", async () => {
    handler = json(401, { error: "invalid_token", message: "The API token is not valid" });
    const result = await source().src.check();
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/API token was rejected \(HTTP 401\): check api_token\. Generate a new API token/);
    expect(result.message).not.toContain(TOKEN);
  });

  it("legacy JWT → says so", async () => {
    handler = json(401, { error: "legacy_jwt_not_supported", message: "Legacy JSON Web Tokens (JWTs) are no longer supported." });
    const result = await source({ api_token: `Bearer ${JWT}` }).src.check();
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/legacy JSON Web Token \(JWT\)/);
    expect(result.message).not.toContain(JWT);
  });

  it("403 → no access", async () => {
    handler = json(403, { error: { code: "forbidden", message: "no export access" } });
    const result = await source().src.check();
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/no access to the Export API tables \(HTTP 403\)/) });
  });

  it("unreachable host → FAILED naming the host, within the short budget", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { src, clock } = source({ base_url: `http://127.0.0.1:${port}` });
    const start = clock.now;
    const result = await src.check();
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(new RegExp(`Cannot reach 127\\.0\\.0\\.1:${port}: the connection was refused`));
    expect(clock.now - start).toBeLessThanOrEqual(20_000);
  });

  it("TLS failure (https to a plain-http port) → FAILED about TLS", async () => {
    handler = json(200, TABLES);
    const result = await source({ base_url: origin.replace("http:", "https:") }).src.check();
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/TLS \(https\) connection to 127\.0\.0\.1:\d+ failed/);
  });

  it("non-JSON answer (a web page) → FAILED pointing at base_url", async () => {
    handler = (_q, r) => {
      r.writeHead(200, { "content-type": "text/html" });
      r.end("<!doctype html><title>Ignite</title><p>Welcome</p>");
    };
    const result = await source().src.check();
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/did not answer with JSON.*base_url/) });
  });

  it("JSON of the wrong shape → FAILED", async () => {
    handler = json(200, { hello: "world" });
    const result = await source().src.check();
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/not a JSON array of tables/);
  });

  it("filters naming an unknown column or an unsupported operator → FAILED naming the field", async () => {
    handler = json(200, TABLES);
    const result = await source({ filters: { spend: { nope: { eq: "x" }, id: { gte: "a" } } } }).src.check();
    expect(result.ok).toBe(false);
    expect(result.message).toContain('filters.spend.nope: spend has no column "nope"');
    expect(result.message).toContain('filters.spend.id.gte: operator "gte" is not supported by id (STRING); use one of eq, in');
  });

  it("a persistent 503 throws a transient ConnectorError after ~20 s (not the 600 s read budget)", async () => {
    handler = json(503, { error: "unavailable", message: "maintenance" });
    const { src, clock } = source();
    const start = clock.now;
    const error = await src.check().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).failureType).toBe("transient_error");
    expect(clock.now - start).toBeLessThanOrEqual(20_000);
    expect(seen.length).toBeGreaterThan(2);
  });

  it("never logs the token", () => {
    expect(logs.join("\n")).not.toContain(TOKEN);
    expect(logs.join("\n")).not.toContain(JWT);
  });
});

describe("check budget", () => {
  it("a server that accepts and never answers fails check within the budget, not the request timeout", async () => {
    const { runCheck } = await import("../streams/catalog/check.js");
    const { IgniteClient } = await import("../streams/http/client.js");
    handler = () => undefined; // never answers
    const client = new IgniteClient({
      config: connectorConfig({ token: TOKEN, url: origin }, { request_timeout_seconds: 300, retry_budget_seconds: 600 }),
      logger,
    });
    const started = Date.now();
    try {
      const result = await runCheck(client, { filters: {}, api_token: TOKEN } as unknown as ConnectorConfig, 2000);
      expect(result.ok).toBe(false);
      expect(result.message).toMatch(/Cannot reach 127\.0\.0\.1:\d+: the connection timed out/);
      expect(Date.now() - started).toBeLessThan(6000);
    } finally {
      await client.close().catch(() => undefined);
    }
  });
});
