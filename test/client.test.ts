/**
 * IgniteClient against a scripted HTTP server on 127.0.0.1: each request takes the next handler from a
 * queue, so every fault (429 forms, 5xx, resets, cut bodies) is exact. Waits go through a recording sleep
 * on a fake clock, so Retry-After values and budgets are asserted exactly and quickly.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ConnectorConfig } from "../spec/config.js";
import { IgniteClient } from "../streams/http/client.js";
import { DEFAULT_ENDPOINTS } from "../streams/http/endpoints.js";
import { ApiError, NetworkError } from "../streams/http/http-errors.js";
import type { Logger } from "../streams/contract/stream.js";

const TOKEN = "igt_S3cr3tT0kenValue_0123456789";

interface Seen { method: string; url: string; headers: IncomingMessage["headers"]; body: string }
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let origin: string;
const queue: Handler[] = [];
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const handler = queue.shift() ?? ((_q, r) => json(r, 500, { error: "no_handler", message: "test queue empty" }));
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  queue.length = 0;
  seen.length = 0;
});

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}
const ok = (value: unknown, headers?: Record<string, string>): Handler => (_q, r) => json(r, 200, value, headers);
const status = (code: number, value: unknown = { error: "e", message: `status ${code}` }, headers?: Record<string, string>): Handler => (_q, r) =>
  json(r, code, value, headers);

const TABLES = [{ id: "spend", name: "Spend", table: "spend", columns: [{ name: "id", label: "ID", dataType: "STRING", supportedOperators: ["eq"] }], orderBy: ["id"] }];

function config(over: Partial<ConnectorConfig> = {}): ConnectorConfig {
  return {
    api_token: TOKEN,
    base_url: origin,
    read_mode: "auto",
    export_format: "parquet",
    page_size: 1000,
    lookback_window: "PT1H",
    full_snapshot_interval_days: 7,
    column_keys: "name",
    filters: {},
    max_concurrent_streams: 2,
    request_timeout_seconds: 5,
    retry_budget_seconds: 60,
    export_poll_timeout_minutes: 10,
    export_max_attempts: 3,
    legacy_data_tables: "off",
    endpoints: { ...DEFAULT_ENDPOINTS },
    ...over,
  };
}

interface Harness { client: IgniteClient; waits: number[]; logs: string[]; clock: { now: number } }

function harness(over: Partial<ConnectorConfig> = {}): Harness {
  const clock = { now: Date.parse("2026-05-06T07:20:00Z") };
  const waits: number[] = [];
  const logs: string[] = [];
  const logger: Logger = {
    log: (level, m) => logs.push(`${level} ${m}`),
    info: (m) => logs.push(`INFO ${m}`),
    warn: (m) => logs.push(`WARN ${m}`),
    debug: (m) => logs.push(`DEBUG ${m}`),
  };
  const client = new IgniteClient({
    config: config(over),
    logger,
    now: () => clock.now,
    sleep: async (ms) => {
      waits.push(ms);
      clock.now += ms;
    },
    backoff: { baseMs: 100, capMs: 2000, random: () => 0.5 },
  });
  clients.push(client);
  return { client, waits, logs, clock };
}
const clients: IgniteClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("auth, JSON, base URL", () => {
  it("sends the bearer token to the API and parses tables", async () => {
    const { client } = harness();
    queue.push(ok(TABLES));
    const tables = await client.listTables();
    expect(tables.map((t) => t.id)).toEqual(["spend"]);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[0]?.url).toBe("/tables/");
  });

  it("strips a pasted 'Bearer ' prefix from the token", async () => {
    const { client } = harness({ api_token: `Bearer ${TOKEN}` });
    queue.push(ok(TABLES));
    await client.listTables();
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("names itself with package.json's version, to the API and to download hosts alike", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    const { client } = harness();
    queue.push(ok(TABLES), (_q, r) => r.end("x"));
    await client.listTables();
    await (await client.download(`${origin}/downloads/SIGNEDtok000/part-00001.parquet`)).body.dump();
    expect(seen.map((s) => s.headers["user-agent"])).toEqual([`source-ignite-procurement/${version}`, `source-ignite-procurement/${version}`]);
  });

  it("keeps a path prefix of the base URL on every endpoint", async () => {
    const { client } = harness({ base_url: `${origin}/api/v2/` });
    queue.push(ok(TABLES), ok({ data: [{ id: "a" }] }));
    await client.listTables();
    await client.fetchRows("spend", { pageSize: 1 });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(["GET /api/v2/tables/", "POST /api/v2/tables/spend/rows"]);
    expect(JSON.parse(seen[1]?.body ?? "")).toEqual({ pageSize: 1 });
    expect(seen[1]?.headers["content-type"]).toBe("application/json");
  });
});

describe("rate limits (429)", () => {
  it("Retry-After in seconds: waits exactly that long and reports the reset time", async () => {
    const { client, waits, clock } = harness();
    const start = clock.now;
    const limited: (number | undefined)[] = [];
    queue.push(status(429, { error: "rate_limited", message: "slow down" }, { "retry-after": "3" }), ok(TABLES));
    await client.listTables({ onRateLimited: (at) => limited.push(at) });
    expect(waits).toEqual([3000]);
    expect(limited).toEqual([start + 3000]);
  });

  it("Retry-After as an HTTP date", async () => {
    const { client, waits, clock } = harness();
    queue.push(status(429, {}, { "retry-after": new Date(clock.now + 5000).toUTCString() }), ok(TABLES));
    await client.listTables();
    expect(waits).toEqual([5000]);
  });

  it("X-RateLimit-Reset as epoch seconds and as a delta", async () => {
    const { client, waits, clock } = harness();
    queue.push(status(429, {}, { "x-ratelimit-reset": String(clock.now / 1000 + 7) }), status(429, {}, { "x-ratelimit-reset": "2" }), ok(TABLES));
    await client.listTables();
    expect(waits).toEqual([7000, 2000]);
  });

  it("no header: exponential backoff with jitter", async () => {
    const { client, waits } = harness();
    queue.push(status(429), status(429), status(429), ok(TABLES));
    await client.listTables();
    expect(waits).toEqual([50, 100, 200]); // random 0.5 × 100·2^n; never below 50 ms
  });

  it("a 429 storm within the budget ends in success, reporting every wait", async () => {
    const { client, waits } = harness({ retry_budget_seconds: 60 });
    const limited: (number | undefined)[] = [];
    for (let i = 0; i < 20; i++) queue.push(status(429, {}, { "retry-after": "2" }));
    queue.push(ok(TABLES));
    await client.listTables({ onRateLimited: (at) => limited.push(at) });
    expect(waits).toHaveLength(20);
    expect(limited).toHaveLength(20);
    expect(seen).toHaveLength(21);
  });

  it("a Retry-After beyond the budget fails at once as transient, without waiting", async () => {
    const { client, waits } = harness({ retry_budget_seconds: 30 });
    queue.push(status(429, { error: "rate_limited", message: "quota" }, { "retry-after": "3600" }));
    const error = await caught(client.listTables());
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).failureType).toBe("transient_error");
    expect((error as ApiError).status).toBe(429);
    expect(error.message).toMatch(/beyond the retry budget/);
    expect(waits).toEqual([]);
  });
});

describe("5xx and broken connections", () => {
  it("retries a burst of 500/502(HTML)/503/504", async () => {
    const { client } = harness();
    queue.push(
      status(500),
      (_q, r) => {
        r.writeHead(502, { "content-type": "text/html" });
        r.end("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>");
      },
      status(503),
      status(504),
      ok(TABLES),
    );
    expect((await client.listTables()).length).toBe(1);
    expect(seen).toHaveLength(5);
  });

  it("a permanent 500 becomes a transient error after the budget", async () => {
    const { client, waits } = harness({ retry_budget_seconds: 10 });
    for (let i = 0; i < 200; i++) queue.push(status(500, { error: "internal", message: "boom" }));
    const error = await caught(client.listTables());
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).failureType).toBe("transient_error");
    expect(error.message).toMatch(/^GET \/tables\/ failed with HTTP 500 \(internal\): boom \(gave up after \d+ attempt/);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
    expect(seen.length).toBeGreaterThan(3);
  });

  it("retries a connection reset before the answer", async () => {
    const { client } = harness();
    queue.push((req) => req.socket.destroy(), ok(TABLES));
    expect((await client.listTables()).length).toBe(1);
    expect(seen).toHaveLength(2);
  });

  it("retries a connection reset mid-body", async () => {
    const { client } = harness();
    queue.push((_q, r) => {
      r.writeHead(200, { "content-type": "application/json", "content-length": "5000" });
      r.write('[{"id":"spend","na');
      setTimeout(() => r.socket?.destroy(), 20);
    }, ok(TABLES));
    expect((await client.listTables()).length).toBe(1);
    expect(seen).toHaveLength(2);
  });

  it("retries a body that ends early (chunked, invalid JSON)", async () => {
    const { client } = harness();
    queue.push((_q, r) => {
      r.writeHead(200, { "content-type": "application/json" });
      r.end('{"data":[{"id":"a"},{"id":');
    }, ok({ data: [{ id: "a" }] }));
    const page = await client.fetchRows("spend", {});
    expect(page.data).toEqual([{ id: "a" }]);
    expect(seen).toHaveLength(2);
  });

  it("a 200 HTML page fails quickly as a config error naming base_url", async () => {
    const { client } = harness();
    for (let i = 0; i < 5; i++) {
      queue.push((_q, r) => {
        r.writeHead(200, { "content-type": "text/html" });
        r.end("<!doctype html><html><title>Docs</title></html>");
      });
    }
    const error = await caught(client.listTables());
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).failureType).toBe("config_error");
    expect(error.message).toMatch(/base_url/);
    expect(seen).toHaveLength(2);
  });

  it("an abort during a wait rejects promptly", async () => {
    const client = new IgniteClient({ config: config(), logger: { log() {}, info() {}, warn() {}, debug() {} } });
    clients.push(client);
    queue.push(status(503, {}, { "retry-after": "30" }));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("stop")), 100);
    await expect(client.listTables({ signal: controller.signal })).rejects.toThrow("stop");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("waits for real with the default sleep (Retry-After: 1)", async () => {
    const client = new IgniteClient({ config: config(), logger: { log() {}, info() {}, warn() {}, debug() {} } });
    clients.push(client);
    queue.push(status(429, {}, { "retry-after": "1" }), ok(TABLES));
    const started = Date.now();
    await client.listTables();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });
});

describe("client errors and redaction", () => {
  it("401 is a config error, not retried, with status, code, route and the server message", async () => {
    const { client } = harness();
    queue.push(status(401, { code: "invalid_token", message: "Legacy JSON Web Tokens are no longer supported" }));
    const error = (await caught(client.listTables())) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.failureType).toBe("config_error");
    expect([error.status, error.code, error.route]).toEqual([401, "invalid_token", "GET /tables/"]);
    expect(error.message).toContain("Legacy JSON Web Tokens");
    expect(seen).toHaveLength(1);
  });

  it("403 and 400 are config errors", async () => {
    const { client } = harness();
    queue.push(status(403, { detail: "forbidden" }), status(400, { error: { code: "bad_filter", message: "unknown column x" } }));
    expect(((await caught(client.listTables())) as ApiError).failureType).toBe("config_error");
    const bad = (await caught(client.fetchRows("spend", { filters: { x: { eq: 1 } } }))) as ApiError;
    expect([bad.failureType, bad.code, bad.route]).toEqual(["config_error", "bad_filter", "POST /tables/spend/rows"]);
  });

  it("410 page_token_expired carries the reset-pagination action", async () => {
    const { client } = harness();
    queue.push(status(410, { error: "page_token_expired", message: "Cursor expired" }));
    const error = (await caught(client.fetchRows("spend", { pageToken: "abc" }))) as ApiError;
    expect(error.action).toBe("reset-pagination");
  });

  it("the token never appears in errors or logs, even when the server echoes it", async () => {
    const { client, logs } = harness({ retry_budget_seconds: 2 });
    const echo: Handler = (req, r) => json(r, 500, { error: "echo", message: `bad header ${req.headers.authorization} token=${TOKEN}` });
    for (let i = 0; i < 50; i++) queue.push(echo);
    const error = (await caught(client.listTables())) as ApiError;
    const everything = [error.message, error.internal ?? "", error.serverMessage, String(error.stack), ...logs].join("\n");
    expect(logs.length).toBeGreaterThan(0);
    expect(everything).toContain("bad header");
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(TOKEN.slice(4));
  });
});

describe("rows pages", () => {
  for (const [name, token] of [["absent", undefined], ["null", null], ["empty string", ""]] as const) {
    it(`last page with nextPageToken ${name} has no token`, async () => {
      const { client } = harness();
      queue.push(ok(token === undefined ? { data: [] } : { data: [{ id: "z" }], nextPageToken: token }));
      const page = await client.fetchRows("spend", {});
      expect(page.nextPageToken).toBeUndefined();
      expect("nextPageToken" in page).toBe(false);
    });
  }

  it("passes a real token through", async () => {
    const { client } = harness();
    queue.push(ok({ data: [{ id: "a" }], nextPageToken: "AoF3" }));
    expect((await client.fetchRows("spend", {})).nextPageToken).toBe("AoF3");
  });

  it("the same token back is a server fault, not an endless loop", async () => {
    const { client } = harness();
    queue.push(ok({ data: [{ id: "a" }], nextPageToken: "SAME" }));
    await expect(client.fetchRows("spend", { pageToken: "SAME" })).rejects.toThrow(/same page token/);
  });

  it("rows that are not objects break the contract", async () => {
    const { client } = harness();
    queue.push(ok({ data: [1, 2] }));
    await expect(client.fetchRows("spend", {})).rejects.toThrow(/data\[0\] is not an object/);
  });
});

describe("exports", () => {
  const job = { id: "95e90b56-5cd0-4d9a-a07b-52f5205731ac", entity: "spend", status: "queued", format: "parquet" };

  it("create accepts 201; status falls back from /exports/{id} to /tables/{entity}/exports/{id} and remembers it", async () => {
    const { client } = harness();
    queue.push((_q, r) => json(r, 201, job), status(404, { error: "not_found", message: "no route" }), ok({ ...job, status: "running" }), ok({ ...job, status: "succeeded" }));
    const created = await client.createExport("spend", { format: "parquet" });
    expect(created.id).toBe(job.id);
    expect((await client.getExport(created)).status).toBe("running");
    expect((await client.getExport(created)).status).toBe("succeeded");
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "POST /tables/spend/exports",
      `GET /exports/${job.id}`,
      `GET /tables/spend/exports/${job.id}`,
      `GET /tables/spend/exports/${job.id}`,
    ]);
  });

  it("a status URL from the create answer (Location, statusUrl, links.self) wins", async () => {
    for (const [headers, body] of [
      [{ location: `/custom/status/${job.id}` }, job],
      [{}, { ...job, statusUrl: `${origin}/custom/status/${job.id}` }],
      [{}, { ...job, links: { self: { href: `/custom/status/${job.id}` } } }],
    ] as const) {
      const { client } = harness();
      queue.push((_q, r) => json(r, 202, body, headers), ok({ ...job, status: "running" }));
      const created = await client.createExport("spend", {});
      await client.getExport(created);
      expect(seen.at(-1)?.url).toBe(`/custom/status/${job.id}`);
      expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      seen.length = 0;
    }
  });

  it("a status URL on another host is ignored (the token stays home)", async () => {
    const { client } = harness();
    queue.push((_q, r) => json(r, 202, { ...job, statusUrl: `http://evil.example/${job.id}` }), ok(job));
    const created = await client.createExport("spend", {});
    expect(created.statusUrl).toBeUndefined();
  });

  it("an export gone after retention asks for a new export", async () => {
    const { client } = harness({ endpoints: { ...DEFAULT_ENDPOINTS, export_status: "/exports/{id}" } });
    queue.push(status(410, { error: "gone", message: "deleted" }));
    const error = (await caught(client.getExport({ id: job.id, entity: "spend" }))) as ApiError;
    expect(error.action).toBe("new-export");
  });
});

describe("downloads", () => {
  it("never sends Authorization, sends Range, reports the offset", async () => {
    const { client } = harness();
    const signed = `${origin}/downloads/SIGNEDtok123/part-00001.parquet`;
    queue.push((_q, r) => {
      r.writeHead(206, { "content-range": "bytes 4-9/10", "content-length": "6" });
      r.end("456789");
    });
    const response = await client.download(signed, { rangeStart: 4 });
    let text = "";
    for await (const chunk of response.body) text += String(chunk);
    expect(text).toBe("456789");
    expect([response.status, response.offset, response.totalBytes]).toEqual([206, 4, 10]);
    expect(seen[0]?.headers.authorization).toBeUndefined();
    expect(seen[0]?.headers.range).toBe("bytes=4-");
  });

  it("an expired URL (403 XML) asks for a fresh URL and does not leak it", async () => {
    const { client, logs } = harness();
    const signed = `${origin}/downloads/SIGNEDtok456/part-00002.parquet?X-Amz-Signature=abcdef123456&Expires=1`;
    queue.push((_q, r) => {
      r.writeHead(403, { "content-type": "application/xml" });
      r.end(`<Error><Code>AccessDenied</Code><Message>Request has expired for ${signed}</Message></Error>`);
    });
    const error = (await caught(client.download(signed))) as ApiError;
    expect(error.action).toBe("refresh-url");
    expect(error.code).toBe("AccessDenied");
    const all = [error.message, error.internal ?? "", error.route, ...logs].join("\n");
    expect(all).toContain("part-00002.parquet");
    expect(all).not.toContain("SIGNEDtok456");
    expect(all).not.toContain("abcdef123456");
  });
});

describe("legacy data tables", () => {
  it("follows next as an absolute URL, a relative URL and an opaque cursor; totalCount as a string", async () => {
    const { client } = harness();
    queue.push(
      ok([{ id: "t1", name: "Custom", globalType: "", columns: [] }]),
      ok({ data: [{ A: 1 }], totalCount: "3", next: `${origin}/datatables/rows?dataTableId=t1&page=2` }),
      ok({ data: [{ A: 2 }], totalCount: 3, next: "/datatables/rows?dataTableId=t1&page=3" }),
      ok({ data: [{ A: 3 }], totalCount: 3, next: "opaqueCursor" }),
      ok({ data: [], totalCount: 3 }),
    );
    expect((await client.listLegacyTables())[0]?.["id"]).toBe("t1");
    const p1 = await client.fetchLegacyRows("t1", { body: { size: 1 } });
    expect(p1.totalCount).toBe(3);
    const p2 = await client.fetchLegacyRows("t1", { next: p1.next! });
    const p3 = await client.fetchLegacyRows("t1", { next: p2.next! });
    const p4 = await client.fetchLegacyRows("t1", { next: p3.next! });
    expect(p4.next).toBeUndefined();
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET /datatables",
      "POST /datatables/rows?dataTableId=t1",
      "GET /datatables/rows?dataTableId=t1&page=2",
      "GET /datatables/rows?dataTableId=t1&page=3",
      "GET /datatables/rows?dataTableId=t1&next=opaqueCursor",
    ]);
  });
});
