/**
 * The built CLI end to end against the simulator on 127.0.0.1: check, discover and read, validated
 * message by message against the vendored protocol schema and the CAT rules of airbyte-guide §11.3–11.5.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/index.js";
import type { AirbyteMessage } from "../source/messages.js";
import { configuredCatalog, runCli } from "./helpers/cli.js";
import { createAjv } from "../source/ajv.js";
import { errorTraces, messageProblems, ofType, readProblems, statusesOf } from "./helpers/protocol.js";

const ROWS = { spend: 300, suppliers: 40, contracts: 30, classification_business_units: 20, classification_spend_categories: 20 };
let sim: Simulator;
let config: Record<string, unknown>;
let streams: Extract<AirbyteMessage, { type: "CATALOG" }>["catalog"]["streams"];

beforeAll(async () => {
  sim = await startSimulator({ rows: ROWS });
  config = { api_token: sim.token, base_url: sim.url, page_size: 100 };
  const r = await runCli({ args: ["discover"], config });
  streams = ofType(r.messages, "CATALOG")[0]!.catalog.streams;
});
afterAll(async () => sim?.close());

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe("check", () => {
  it("SUCCEEDED with exactly one CONNECTION_STATUS naming the tables", async () => {
    const r = await runCli({ args: ["check"], config });
    expect(r.exitCode).toBe(0);
    expect(r.messages.filter((m) => m.type !== "LOG").map((m) => m.type)).toEqual(["CONNECTION_STATUS"]);
    const status = ofType(r.messages, "CONNECTION_STATUS")[0]!.connectionStatus;
    expect(status.status).toBe("SUCCEEDED");
    expect(status.message).toContain("spend");
    r.messages.forEach((m) => expect(messageProblems(m)).toEqual([]));
  });

  it("FAILED with exit 0 for a wrong token, which is never printed", async () => {
    const r = await runCli({ args: ["check"], config: { ...config, api_token: "wrong-token-1234567" } });
    expect(r.exitCode).toBe(0);
    expect(ofType(r.messages, "CONNECTION_STATUS")[0]!.connectionStatus.status).toBe("FAILED");
    expect(r.stdout + r.stderr).not.toContain("wrong-token-1234567");
  });

  it("FAILED with exit 0 for an unreachable host", async () => {
    const r = await runCli({ args: ["check"], config: { ...config, base_url: `http://127.0.0.1:${await closedPort()}` } });
    expect(r.exitCode).toBe(0);
    expect(ofType(r.messages, "CONNECTION_STATUS")[0]!.connectionStatus.status).toBe("FAILED");
  });
});

describe("discover", () => {
  it("prints exactly one CATALOG that passes the CAT discovery checks", async () => {
    const r = await runCli({ args: ["discover"], config });
    expect(r.exitCode).toBe(0);
    const catalogs = ofType(r.messages, "CATALOG");
    expect(catalogs).toHaveLength(1);
    expect(messageProblems(catalogs[0])).toEqual([]);
    const list = catalogs[0]!.catalog.streams;
    expect(list.map((s) => s.name).sort()).toEqual(Object.keys(ROWS).sort());
    expect(new Set(list.map((s) => s.name)).size).toBe(list.length);
    const ajv = createAjv();
    for (const s of list) {
      expect(ajv.validateSchema(s.json_schema), s.name).toBe(true);
      expect(JSON.stringify(s.json_schema)).not.toMatch(/"\$ref"|"allOf"|"not"|"additionalProperties":false/);
      expect(s.supported_sync_modes.length).toBeGreaterThan(0);
      for (const key of s.source_defined_primary_key ?? []) expect(s.json_schema.properties).toHaveProperty(key[0]!);
      if (s.default_cursor_field !== undefined) expect(s.json_schema.properties).toHaveProperty(s.default_cursor_field[0]!);
    }
  });

  it("a wrong token is a config_error TRACE and exit 1", async () => {
    const r = await runCli({ args: ["discover"], config: { ...config, api_token: "wrong-token-1234567" } });
    expect(r.exitCode).toBe(1);
    expect(errorTraces(r.messages)[0]?.failure_type).toBe("config_error");
    expect(r.stdout).not.toContain("wrong-token-1234567");
  });
});

describe("read", () => {
  it("reads every stream completely, with valid messages and per-stream states", async () => {
    const r = await runCli({ args: ["read"], config, catalog: configuredCatalog(streams) });
    expect(readProblems(r.messages, { exitCode: r.exitCode, configured: streams.map((s) => s.name) })).toEqual([]);
    expect(r.exitCode).toBe(0);
    for (const [name, rows] of Object.entries(ROWS)) {
      expect(ofType(r.messages, "RECORD").filter((m) => m.record.stream === name), name).toHaveLength(rows);
      expect(statusesOf(r.messages, name)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    }
  });

  it("CAT's INVALID catalog: INCOMPLETE + ERROR trace for the unknown stream, exit 1, the others complete", async () => {
    const catalog = configuredCatalog(streams.filter((s) => s.name === "contracts")) as { streams: unknown[] };
    catalog.streams.push({
      stream: { name: "__AIRBYTE__stream_that_does_not_exist", json_schema: { type: "object", properties: { f1: { type: "string" } } }, supported_sync_modes: ["full_refresh"] },
      sync_mode: "INVALID",
      destination_sync_mode: "INVALID",
    });
    const r = await runCli({ args: ["read"], config, catalog });
    expect(r.exitCode).toBe(1);
    expect(statusesOf(r.messages, "__AIRBYTE__stream_that_does_not_exist")).toEqual(["INCOMPLETE"]);
    expect(errorTraces(r.messages).map((e) => e.stream_descriptor?.name)).toContain("__AIRBYTE__stream_that_does_not_exist");
    expect(statusesOf(r.messages, "contracts").at(-1)).toBe("COMPLETE");
    expect(readProblems(r.messages, { exitCode: r.exitCode })).toEqual([]);
  });

  it.each([
    ["an empty state file", "", 0],
    ["[]", [], 0],
    ["null", null, 0],
    ["state for a stream that is not configured", [{ type: "STREAM", stream: { stream_descriptor: { name: "old_table" }, stream_state: { c: 1 } } }], 0],
  ])("accepts %s", async (_label, state, exitCode) => {
    const r = await runCli({ args: ["read"], config, catalog: configuredCatalog(streams.filter((s) => s.name === "contracts")), state });
    expect(r.exitCode).toBe(exitCode);
    expect(ofType(r.messages, "RECORD")).toHaveLength(ROWS.contracts);
  });

  it("logs and ignores saved state of unconfigured streams", async () => {
    const state = [{ type: "STREAM", stream: { stream_descriptor: { name: "old_table" }, stream_state: { c: 1 } } }];
    const r = await runCli({ args: ["read"], config, catalog: configuredCatalog(streams.filter((s) => s.name === "contracts")), state });
    expect(ofType(r.messages, "LOG").some((m) => m.log.message.includes("'old_table' ignored"))).toBe(true);
  });

  it.each([
    ["an unmappable LEGACY state", { cursor: "2024-01-01" }, /LEGACY state that cannot be mapped/],
    ["a broken state file", "[{", /--state .*: not valid JSON/],
    ["a state file of JSON Lines with a broken line", '{"type":"LOG","log":{"level":"INFO","message":"x"}}\n{"type":"STATE",\n{}\n', /--state .*: not valid JSON Lines \((syntax error at line 2, column \d+|line 2 ends too early)\)/],
    ["a broken catalog", undefined, /Invalid configured catalog: catalog\.streams: is required/],
  ])("rejects %s before reading anything (config_error, exit 1)", async (_label, state, pattern) => {
    const catalog = state === undefined ? { nope: [] } : configuredCatalog(streams);
    const r = await runCli({ args: ["read"], config, catalog, ...(state === undefined ? {} : { state }) });
    expect(r.exitCode).toBe(1);
    expect(ofType(r.messages, "RECORD")).toHaveLength(0);
    expect(errorTraces(r.messages)[0]).toMatchObject({ failure_type: "config_error" });
    expect(errorTraces(r.messages)[0]!.message).toMatch(pattern);
  });

  it("stamps records with the real emission time (CAT: the second read's emitted_at are all later)", async () => {
    const catalog = configuredCatalog(streams.filter((s) => s.name === "suppliers"));
    const first = await runCli({ args: ["read"], config, catalog });
    await new Promise((r) => setTimeout(r, 100));
    const second = await runCli({ args: ["read"], config, catalog });
    const times = (r: typeof first) => ofType(r.messages, "RECORD").map((m) => m.record.emitted_at);
    expect(Math.max(...times(first))).toBeLessThan(Math.min(...times(second)));
  });

  it("the kill helper SIGKILLs after N records and returns only whole lines", async () => {
    const big = await startSimulator({ rows: { spend: 20_000 } });
    try {
      const cfg = { api_token: big.token, base_url: big.url, page_size: 500, read_mode: "rows" };
      const r = await runCli({ args: ["read"], config: cfg, catalog: configuredCatalog(streams.filter((s) => s.name === "spend")), killAfterRecords: 1000 });
      expect(r.signal).toBe("SIGKILL");
      expect(r.records).toBeGreaterThanOrEqual(1000);
      expect(r.records).toBeLessThan(20_000);
      r.messages.forEach((m) => expect(messageProblems(m)).toEqual([]));
    } finally {
      await big.close();
    }
  });

  it("SIGTERM mid-read: stops, flushes whole lines, INCOMPLETE + ERROR trace, exit non-zero", async () => {
    const big = await startSimulator({ rows: { spend: 50_000 } });
    try {
      const cfg = { api_token: big.token, base_url: big.url, page_size: 500, read_mode: "rows" };
      const r = await runCli({ args: ["read"], config: cfg, catalog: configuredCatalog(streams.filter((s) => s.name === "spend")), signalAfterFirstRecord: "SIGTERM" });
      expect(r.signal).toBeNull();
      expect(r.exitCode).toBe(1);
      expect(r.stdout.endsWith("\n")).toBe(true);
      expect(statusesOf(r.messages, "spend").at(-1)).toBe("INCOMPLETE");
      expect(errorTraces(r.messages).at(-1)?.message).toMatch(/interrupted \(SIGTERM\)/);
      expect(ofType(r.messages, "RECORD").length).toBeLessThan(50_000);
      expect(readProblems(r.messages, { exitCode: r.exitCode })).toEqual([]);
    } finally {
      await big.close();
    }
  });
});
