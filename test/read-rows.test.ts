/**
 * read, rows path: full refresh equals the simulator's data in both key modes and under every rows
 * variant of the API contract (§14), through the built CLI over loopback HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator, type Variant } from "../simulator/index.js";
import { runCli } from "./helpers/cli.js";
import { ofType, statusesOf } from "./helpers/protocol.js";
import { baseConfig, catalogFor, expectValidRead, recordsOf, truthRows } from "./helpers/read-scenario.js";

const TABLES = ["spend", "suppliers", "contracts", "classification_business_units", "classification_spend_categories"];
let sim: Simulator;
let catalogByName: Awaited<ReturnType<typeof catalogFor>>;

beforeAll(async () => {
  sim = await startSimulator({ rows: { spend: 1200, suppliers: 150, contracts: 120 } });
  catalogByName = await catalogFor(baseConfig(sim), "all");
});
afterAll(async () => sim.close());

async function fullRefresh(extra: Record<string, unknown> = {}) {
  const config = baseConfig(sim, { read_mode: "rows", page_size: 250, ...extra });
  // Discover keys streams per column_keys; the name-keyed catalog is discovered once.
  const catalog = extra["column_keys"] === "label" ? await catalogFor(config, "all") : catalogByName;
  const result = await runCli({ args: ["read"], config, catalog });
  expectValidRead(result, TABLES);
  return result;
}

/** Records equal the API's rows value for value, timestamps with their very text (`.980Z` stays). */
function expectTruth(result: Awaited<ReturnType<typeof fullRefresh>>, keyBy: "name" | "label", style: " #" | "#" = " #") {
  for (const table of TABLES) {
    const got = recordsOf(result.messages, table);
    const want = truthRows(sim, table, keyBy, style);
    expect(got.length, `${table} record count`).toBe(want.length);
    expect(got, `${table} records`).toEqual(want);
  }
}

describe("full refresh through the rows endpoint", () => {
  it("returns exactly the simulator's rows for all five tables, keyed by column name", async () => {
    const result = await fullRefresh();
    expect(result.exitCode).toBe(0);
    expectTruth(result, "name");
    for (const table of TABLES) expect(statusesOf(result.messages, table).at(-1)).toBe("COMPLETE");
  });

  it("keys records by label exactly as discover announced, for both label suffix forms", async () => {
    for (const labelSuffix of ["space", "nospace"] as const) {
      sim.setVariant({ labelSuffix });
      const config = baseConfig(sim, { column_keys: "label" });
      const result = await fullRefresh({ column_keys: "label" });
      const style = labelSuffix === "space" ? " #" : "#";
      expectTruth(result, "label", style);
      // The keys of every record are properties of the discovered schema.
      const catalog = await catalogFor(config, ["suppliers"]);
      const announced = Object.keys((catalog.streams[0] as { stream: { json_schema: { properties: object } } }).stream.json_schema.properties);
      for (const record of recordsOf(result.messages, "suppliers")) expect(announced).toEqual(expect.arrayContaining(Object.keys(record)));
    }
    sim.setVariant({ labelSuffix: "space" });
  });

  const variants: Partial<Variant>[] = [
    { lastPage: "null" },
    { lastPage: "empty" },
    { lastPage: "emptyPage" },
    { apiPrefix: "/api/v2" },
  ];
  for (const variant of variants) {
    it(`ends every stream on the last page and reads all rows with ${JSON.stringify(variant)}`, async () => {
      sim.setVariant(variant);
      try {
        const extra = variant.apiPrefix ? { base_url: `${sim.url}${variant.apiPrefix}` } : {};
        expectTruth(await fullRefresh(extra), "name");
      } finally {
        sim.setVariant({ lastPage: "absent", apiPrefix: "" });
      }
    });
  }

  for (const errorBody of ["error", "code", "nested", "detail", "title", "text", "html"] as const) {
    it(`retries transient errors whose body has the "${errorBody}" shape and still returns every row`, async () => {
      sim.setVariant({ errorBody });
      sim.setFaults({ rows: [{ nth: [2, 5], status: 503 }, { nth: 7, status: 500, html: true }] });
      try {
        expectTruth(await fullRefresh(), "name");
      } finally {
        sim.setFaults({});
        sim.setVariant({ errorBody: "error" });
      }
    });
  }

  for (const retryAfter of ["seconds", "date", "none", "ratelimit-reset"] as const) {
    it(`waits out 429s with Retry-After as "${retryAfter}" and reports RATE_LIMITED`, async () => {
      sim.setFaults({ rows: { nth: [1, 3], status: 429, retryAfter, retryAfterSeconds: 1 } });
      try {
        const result = await fullRefresh();
        expectTruth(result, "name");
        const rateLimited = ofType(result.messages, "TRACE").filter(
          (m) => m.trace.type === "STREAM_STATUS" && m.trace.stream_status.reasons?.some((r) => r.type === "RATE_LIMITED"),
        );
        expect(rateLimited.length).toBeGreaterThan(0);
      } finally {
        sim.setFaults({});
      }
    });
  }

  it("projects onto the configured columns and asks for STRING_ARRAY columns only when selected", async () => {
    const config = baseConfig(sim, { read_mode: "rows" });
    const catalog = await catalogFor(config, ["spend"]);
    const stream = (catalog.streams[0] as { stream: { json_schema: { properties: Record<string, unknown> } } }).stream;
    const keep = ["id", "amount", "updated_at"];
    stream.json_schema.properties = Object.fromEntries(Object.entries(stream.json_schema.properties).filter(([k]) => keep.includes(k)));
    const result = await runCli({ args: ["read"], config, catalog });
    expectValidRead(result, ["spend"]);
    const records = recordsOf(result.messages, "spend");
    expect(records.length).toBe(1200);
    for (const r of records) expect(Object.keys(r).sort()).toEqual([...keep].sort());
  });

  it("marks a completed full refresh so the next sync starts fresh", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 500 });
    const catalog = await catalogFor(config, ["contracts"]);
    const first = await runCli({ args: ["read"], config, catalog });
    const states = ofType(first.messages, "STATE");
    const final = states.at(-1)!.state.stream!.stream_state as Record<string, unknown>;
    expect(final["sync"]).toBeUndefined();
    expect(typeof final["completed_at"]).toBe("string");
    const again = await runCli({ args: ["read"], config, catalog, state: [{ type: "STREAM", stream: states.at(-1)!.state.stream }] });
    expect(recordsOf(again.messages, "contracts").length).toBe(120);
  });
});

describe("a server that repeats a page token", () => {
  it("fails the stream with a clear error instead of looping forever", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 100 });
    const catalog = await catalogFor(config, ["contracts"]);
    sim.setFaults({ rows: { nth: 2, repeatToken: true } });
    try {
      const result = await runCli({ args: ["read"], config, catalog, timeoutMs: 60_000 });
      expectValidRead(result, ["contracts"]);
      expect(result.exitCode).not.toBe(0);
      expect(statusesOf(result.messages, "contracts").at(-1)).toBe("INCOMPLETE");
      const errors = ofType(result.messages, "TRACE").filter((m) => m.trace.type === "ERROR");
      expect(errors.map((m) => (m.trace.type === "ERROR" ? m.trace.error.message : "")).join(" ")).toMatch(/same page token|already returned/);
    } finally {
      sim.setFaults({});
    }
  });
});
