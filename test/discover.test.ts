/**
 * discover and streams() through createIgniteSource against the simulator over loopback HTTP: one stream
 * per table from GET /tables/, schemas by the mapping table, keys per column_keys (label keys confirmed with
 * the API), and every CATALOG the CAT §11.4 discovery rules would accept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/index.js";
import type { ConnectorConfig } from "../spec/config.js";
import { createIgniteSource } from "../streams/index.js";
import type { StreamDescriptor } from "../streams/contract/stream.js";
import { connectorConfig, memoryLogger } from "./helpers/connector-config.js";
import { messageProblems } from "./helpers/protocol.js";

let sim: Simulator;
const { logger, logs } = memoryLogger();

beforeAll(async () => {
  sim = await startSimulator({ rows: { spend: 50, suppliers: 20, contracts: 20 } });
});
afterAll(() => sim.close());

function config(over: Partial<ConnectorConfig> = {}): ConnectorConfig {
  return connectorConfig(sim, over);
}

async function discover(over: Partial<ConnectorConfig> = {}): Promise<StreamDescriptor[]> {
  const source = createIgniteSource(config(over), { logger, client: { sleep: async () => undefined } });
  try {
    return await source.discover();
  } finally {
    await source.close();
  }
}

/** CAT §11.4 discovery rules, as problems. */
function catProblems(streams: readonly StreamDescriptor[]): string[] {
  const problems: string[] = [];
  if (streams.length === 0) problems.push("no streams");
  if (new Set(streams.map((s) => s.name)).size !== streams.length) problems.push("stream names not unique");
  for (const s of streams) {
    const text = JSON.stringify(s.json_schema);
    if (/"\$ref"|"allOf"|"not"/.test(text)) problems.push(`${s.name}: $ref/allOf/not`);
    if (/"additionalProperties":false/.test(text)) problems.push(`${s.name}: additionalProperties false`);
    if (s.supported_sync_modes.length === 0) problems.push(`${s.name}: no sync modes`);
    for (const [key] of s.default_cursor_field === undefined ? [] : [s.default_cursor_field]) {
      if (s.json_schema.properties[key!] === undefined) problems.push(`${s.name}: cursor ${key} not in schema`);
    }
    for (const path of s.source_defined_primary_key ?? []) {
      const prop = s.json_schema.properties[path[0]!];
      if (prop === undefined) problems.push(`${s.name}: PK ${path.join(".")} not in schema`);
      else if (/object|array/.test(JSON.stringify(prop["type"]))) problems.push(`${s.name}: PK ${path.join(".")} is object/array`);
    }
    if (s.is_resumable === true && s.source_defined_cursor !== true) problems.push(`${s.name}: resumable without source_defined_cursor`);
  }
  const message = { type: "CATALOG", catalog: { streams } };
  problems.push(...messageProblems(message));
  return problems;
}

describe("discover against the simulator", () => {
  it("announces the five tables with valid schemas, keys and sync modes", async () => {
    const streams = await discover();
    expect(streams.map((s) => s.name).sort()).toEqual(sim.tables().map((t) => t.id).sort());
    expect(catProblems(streams)).toEqual([]);
    const byName = Object.fromEntries(streams.map((s) => [s.name, s]));

    const spend = byName["spend"]!;
    expect(spend.supported_sync_modes).toEqual(["full_refresh", "incremental"]);
    expect(spend.default_cursor_field).toEqual(["updated_at"]);
    expect(spend.source_defined_primary_key).toEqual([["id"]]);
    expect(spend.json_schema.properties["amount"]?.["type"]).toEqual(["null", "number"]);
    expect(spend.json_schema.properties["tags"]?.["type"]).toEqual(["null", "array"]);
    expect(spend.json_schema.properties["updated_at"]?.["airbyte_type"]).toBe("timestamp_with_timezone");
    expect(spend.description).not.toContain("Caveat");

    for (const name of ["suppliers", "contracts"]) expect(byName[name]?.description).toContain("full_snapshot_interval_days");

    const bu = byName["classification_business_units"]!;
    expect(bu.source_defined_primary_key).toEqual([["spend_id"]]);
    expect(bu.supported_sync_modes).toEqual(sim.tables().find((t) => t.id === bu.name)!.columns.some((c) => c.name === "updated_at") ? ["full_refresh", "incremental"] : ["full_refresh"]);
    expect(Object.keys(bu.json_schema.properties)).toContain("level_10_name");
    for (const s of streams) expect(s.is_resumable).toBe(true);
  });

  it("keys by name match the API's rows exactly", async () => {
    const streams = await discover();
    const source = createIgniteSource(config(), { logger });
    const { IgniteClient } = await import("../streams/http/client.js");
    const client = new IgniteClient({ config: config(), logger });
    try {
      const spend = streams.find((s) => s.name === "spend")!;
      const fields = Object.keys(spend.json_schema.properties);
      const page = await client.fetchRows("spend", { pageSize: 3, fields });
      expect(Object.keys(page.data[0]!).sort()).toEqual([...fields].sort());
    } finally {
      await client.close();
      await source.close();
    }
  });

  for (const suffix of ["space", "nospace"] as const) {
    it(`column_keys label: the announced keys are exactly the API's (labelSuffix ${suffix})`, async () => {
      sim.setVariant({ labelSuffix: suffix });
      try {
        const streams = await discover({ column_keys: "label" });
        expect(catProblems(streams)).toEqual([]);
        const { IgniteClient } = await import("../streams/http/client.js");
        const client = new IgniteClient({ config: config(), logger });
        try {
          for (const table of sim.tables()) {
            const stream = streams.find((s) => s.name === table.id)!;
            const page = await client.fetchRows(table.id, { pageSize: 1, keyBy: "label", fields: table.columns.map((c) => c.name) });
            expect(Object.keys(stream.json_schema.properties).sort(), table.id).toEqual(Object.keys(page.data[0]!).sort());
          }
        } finally {
          await client.close();
        }
        const suppliers = streams.find((s) => s.name === "suppliers")!;
        expect(suppliers.default_cursor_field).toEqual(["Updated at"]);
        expect(suppliers.source_defined_primary_key).toEqual([["ID"]]);
      } finally {
        sim.setVariant({ labelSuffix: "space" });
      }
    });
  }

  it("works with a path-prefixed base URL", async () => {
    sim.setVariant({ apiPrefix: "/api/v2" });
    try {
      const streams = await discover({ base_url: `${sim.url}/api/v2` });
      expect(streams).toHaveLength(sim.tables().length);
    } finally {
      sim.setVariant({ apiPrefix: "" });
    }
  });

  it("rides out a 429 storm and 5xx on GET /tables/", async () => {
    sim.setFaults({ tables: [{ times: 4, status: 429, retryAfterSeconds: 1 }, { times: 2, status: 503, html: true }] });
    try {
      const streams = await discover();
      expect(streams).toHaveLength(sim.tables().length);
    } finally {
      sim.setFaults({});
    }
  });

  it("streams() carries the same descriptors, and invalid filters fail discover with a config error", async () => {
    const source = createIgniteSource(config(), { logger });
    try {
      const streams = await source.streams();
      expect(streams.map((s) => s.descriptor)).toEqual(await source.discover());
      expect(typeof streams[0]?.read).toBe("function");
    } finally {
      await source.close();
    }
    await expect(discover({ filters: { spend: { amount: { eq: "x" } } } })).rejects.toMatchObject({
      failureType: "config_error",
      message: expect.stringContaining("filters.spend.amount.eq: must be a number"),
    });
  });

  it("never logs the token", () => {
    expect(logs.join("\n")).not.toContain(sim.token);
  });
});
