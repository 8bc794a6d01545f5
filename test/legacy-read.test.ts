/**
 * Legacy data tables (deprecated /datatables API) through the BUILT CLI against the simulator over
 * loopback HTTP: check, discover, full and incremental reads under every `next` and `totalCount` form,
 * projection, `now-1M` filters, kill and resume, renamed streams. Every message validates against the
 * protocol schema and the read sequence rules.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, WireNumber, type Simulator, type Variant } from "../simulator/index.js";
import { configuredCatalog, runCli, type CliResult } from "./helpers/cli.js";
import { errorTraces, messageProblems, ofType, statusesOf } from "./helpers/protocol.js";
import { baseConfig, committedRecords, discoverStreams, expectValidRead, recordsOf, stateFrom, type Row } from "./helpers/read-scenario.js";

let sim: Simulator;
/** Discovered legacy streams by table name. */
let streams: Map<string, { name: string; json_schema: { properties: Record<string, Record<string, unknown>>; additionalProperties?: unknown } } & Record<string, unknown>>;

const BIG = "Awesome table"; // 12 345 rows
const MID = "Kategorimapping 2024"; // 800
const EMPTY = "Empty table"; // 0
const SMALL = "Små data ✨"; // 25
const FY = 'Budget "FY25"'; // 3 000

function config(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return baseConfig(sim, { legacy_data_tables: { mode: "all" }, page_size: 1000, ...extra });
}

function truth(name: string): Row[] {
  return sim.legacyTables().find((t) => t.name === name)!.rows;
}

function stream(name: string) {
  const s = streams.get(name);
  if (s === undefined) throw new Error(`no legacy stream for ${name}`);
  return s;
}

function catalog(names: readonly string[], mode: "full_refresh" | "incremental" = "full_refresh", override?: (s: Record<string, unknown>) => Record<string, unknown>) {
  const chosen = names.map((n) => (override ? override({ ...stream(n) }) : stream(n)));
  return configuredCatalog(chosen as never, mode);
}

async function read(names: readonly string[], opts: { mode?: "full_refresh" | "incremental"; state?: unknown; extra?: Record<string, unknown>; killAfterRecords?: number } = {}): Promise<CliResult> {
  const result = await runCli({
    args: ["read"],
    config: config(opts.extra),
    catalog: catalog(names, opts.mode),
    ...(opts.state !== undefined && { state: opts.state }),
    ...(opts.killAfterRecords !== undefined && { killAfterRecords: opts.killAfterRecords }),
  });
  if (opts.killAfterRecords === undefined) expectValidRead(result, names.map((n) => stream(n).name));
  else result.messages.forEach((m, i) => expect(messageProblems(m), `message ${i}`).toEqual([]));
  return result;
}

const ids = (rows: readonly Row[]): string[] => rows.map((r) => String(r["Row ID"]));
const deprecationWarnings = (r: CliResult) => ofType(r.messages, "LOG").filter((m) => m.log.level === "WARN" && /DEPRECATED/.test(m.log.message));

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, legacyTables: 5 });
  const discovered = await discoverStreams(config());
  streams = new Map();
  for (const t of sim.legacyTables()) {
    const found = discovered.find((s) => s.name.startsWith("legacy_") && String(s.description ?? "").includes(t.id));
    if (found !== undefined) streams.set(t.name, found as never);
  }
});
afterAll(async () => sim.close());

describe("check and discover", () => {
  it("check lists the legacy tables found and their stream names", async () => {
    const result = await runCli({ args: ["check"], config: config() });
    const status = ofType(result.messages, "CONNECTION_STATUS")[0]!.connectionStatus;
    expect(status.status).toBe("SUCCEEDED");
    for (const t of sim.legacyTables()) expect(status.message).toContain(t.id);
    expect(status.message).toContain(stream(BIG).name);
    expect(status.message).toMatch(/5 found/);
  });

  it("check fails clearly for a configured id that does not exist, naming the ids that do", async () => {
    const known = sim.legacyTables()[1]!.id;
    const result = await runCli({ args: ["check"], config: config({ legacy_data_tables: { mode: "ids", ids: [known, "no-such-table"] } }) });
    expect(ofType(result.messages, "CONNECTION_STATUS"), `${result.stdout}${result.stderr}`).toHaveLength(1);
    const status = ofType(result.messages, "CONNECTION_STATUS")[0]!.connectionStatus;
    expect(status.status).toBe("FAILED");
    expect(status.message).toContain('"no-such-table"');
    expect(status.message).toContain(known);
    expect(result.exitCode).toBe(0);
  });

  it("discover leaves out an id no table has, with a warning naming it, and offers the rest", async () => {
    const known = sim.legacyTables()[1]!;
    const result = await runCli({ args: ["discover"], config: config({ legacy_data_tables: { mode: "ids", ids: [known.id, "no-such-table"] } }) });
    expect(result.exitCode, result.stderr).toBe(0);
    result.messages.forEach((m) => expect(messageProblems(m)).toEqual([]));
    const offered = ofType(result.messages, "CATALOG")[0]!.catalog.streams.map((s) => s.name).filter((n) => n.startsWith("legacy_"));
    expect(offered).toEqual([stream(known.name).name]);
    const warnings = ofType(result.messages, "LOG").filter((m) => m.log.level === "WARN").map((m) => m.log.message);
    expect(warnings.some((w) => w.includes('"no-such-table"') && w.includes(known.id) && /Left out/.test(w))).toBe(true);
  });

  it("a read whose configured legacy table is gone reads the other streams; only the gone one fails", async () => {
    const result = await runCli({
      args: ["read"],
      config: config({ legacy_data_tables: { mode: "ids", ids: [sim.legacyTables().find((t) => t.name === SMALL)!.id, "no-such-table"] } }),
      // MID was discovered before; its id is no longer configured (as if its table had been deleted)
      catalog: catalog([SMALL, MID]),
    });
    result.messages.forEach((m, i) => expect(messageProblems(m), `message ${i}`).toEqual([]));
    expect(recordsOf(result.messages, stream(SMALL).name)).toEqual(truth(SMALL));
    expect(statusesOf(result.messages, stream(SMALL).name).at(-1)).toBe("COMPLETE");
    expect(statusesOf(result.messages, stream(MID).name).at(-1)).toBe("INCOMPLETE");
    const errors = errorTraces(result.messages);
    expect(errors.map((e) => e.failure_type)).toEqual(["config_error"]);
    expect(errors[0]!.message).toContain(stream(MID).name);
    expect(result.exitCode).not.toBe(0);
  });

  it("announces one stream per table: unique stable names, deprecated-API description, label-keyed nullable schema", async () => {
    const tables = sim.legacyTables();
    expect(streams.size).toBe(tables.length);
    const names = [...streams.values()].map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const t of tables) {
      const s = stream(t.name);
      expect(s.name).toMatch(/^legacy_[a-z0-9_]+_[a-z0-9]{8,}$/);
      expect(s.name.endsWith(`_${t.id.replace(/[^a-z0-9]/gi, "").slice(0, 8).toLowerCase()}`)).toBe(true);
      expect(String(s.description)).toMatch(/DEPRECATED/);
      expect(s.json_schema.additionalProperties).toBe(true);
      for (const [label, schema] of Object.entries(s.json_schema.properties)) {
        expect(Object.keys(truth(BIG)[0]!)).toContain(label);
        const type = schema.type;
        if (type !== undefined) expect(type).toContain("null");
      }
      expect(s.default_cursor_field).toEqual(["Last modified"]);
      // Two columns share the label "City": the schema announces exactly the keys rows carry, no invented ones.
      if (t.rows.length > 0) expect(Object.keys(s.json_schema.properties).sort()).toEqual(Object.keys(t.rows[0]!).sort());
    }
    expect(stream(SMALL).name).toMatch(/^legacy_sma_data_/);
    expect(stream(FY).name).toMatch(/^legacy_budget_fy25_/);
    // The same names on a second discover (stable across syncs).
    const again = (await discoverStreams(config())).filter((s) => s.name.startsWith("legacy_")).map((s) => s.name);
    expect(again.sort()).toEqual([...names].sort());
  });
});

describe("full refresh", () => {
  const forms: Partial<Variant>[] = [
    { legacyNext: "absolute", legacyTotalCount: "number" },
    { legacyNext: "relative", legacyTotalCount: "string" },
    { legacyNext: "cursor", legacyTotalCount: "number" },
    { legacyNext: "cursor", legacyTotalCount: "string" },
  ];
  for (const form of forms) {
    it(`returns exactly the simulator's rows of several tables with ${JSON.stringify(form)}`, async () => {
      sim.setVariant(form);
      try {
        const names = [BIG, FY, EMPTY, SMALL];
        const result = await read(names);
        expect(result.exitCode).toBe(0);
        for (const n of names) expect(recordsOf(result.messages, stream(n).name), n).toEqual(truth(n));
        // totalCount, in either form, becomes the row estimate.
        const estimate = ofType(result.messages, "TRACE").find((m) => m.trace.type === "ESTIMATE" && m.trace.estimate.name === stream(FY).name);
        expect(estimate?.trace.type === "ESTIMATE" && estimate.trace.estimate.row_estimate).toBe(3000);
        expect(deprecationWarnings(result)).toHaveLength(1);
      } finally {
        sim.setVariant({ legacyNext: "absolute", legacyTotalCount: "number" });
      }
    });
  }

  it("asks only for the configured columns (columnFilter) and keeps the cursor column", async () => {
    const picked = catalog([MID], "full_refresh", (s) => {
      const schema = s["json_schema"] as { properties: Record<string, unknown> };
      return { ...s, json_schema: { ...schema, properties: { "Row ID": schema.properties["Row ID"], City: schema.properties["City"] } } };
    });
    const result = await runCli({ args: ["read"], config: config(), catalog: picked });
    expectValidRead(result, [stream(MID).name]);
    const want = truth(MID).map((r) => ({ "Row ID": r["Row ID"], City: r["City"], "Last modified": r["Last modified"] }));
    expect(recordsOf(result.messages, stream(MID).name)).toEqual(want);
  });

  it("applies a now-1M filter on the last-modified time, resolved by the server's clock", async () => {
    const filters = [{ stream: stream(FY).name, column: "Last modified", operator: "gte", value: "now-1M" }];
    const result = await read([FY], { extra: { filters } });
    const from = new Date(sim.now());
    from.setUTCMonth(from.getUTCMonth() - 1);
    const want = truth(FY).filter((r) => Date.parse(String(r["Last modified"])) >= from.getTime());
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(truth(FY).length);
    expect(ids(recordsOf(result.messages, stream(FY).name))).toEqual(ids(want));
  });

  it("rejects a filter the deprecated API cannot apply, naming the field", async () => {
    const filters = [{ stream: stream(FY).name, column: "City", operator: "eq", value: "Oslo" }];
    const result = await runCli({ args: ["check"], config: config({ filters }) });
    const status = ofType(result.messages, "CONNECTION_STATUS")[0]!.connectionStatus;
    expect(status.status).toBe("FAILED");
    expect(status.message).toContain(`filters.${stream(FY).name}.City`);
  });

  it("still reads a stream configured under its name from before a rename (same id tag)", async () => {
    const s = stream(SMALL);
    const oldName = s.name.replace(/^legacy_sma_data_/, "legacy_old_name_");
    const renamed = configuredCatalog([{ ...s, name: oldName }] as never);
    const result = await runCli({ args: ["read"], config: config(), catalog: renamed });
    expectValidRead(result, [oldName]);
    expect(recordsOf(result.messages, oldName)).toEqual(truth(SMALL));
  });
});

describe("incremental", () => {
  it("re-reads from the boundary day of cursor minus lookback and moves the cursor", async () => {
    const local = await startSimulator({ seed: 11, legacyTables: 5 });
    const previous = sim;
    sim = local;
    try {
      const first = await read([MID, FY], { mode: "incremental" });
      for (const n of [MID, FY]) expect(recordsOf(first.messages, stream(n).name)).toEqual(truth(n));
      const state = stateFrom(first.messages);
      const cursorOf = (msgs: CliResult["messages"], n: string) =>
        (ofType(msgs, "STATE").filter((m) => m.state.stream?.stream_descriptor.name === stream(n).name).at(-1)!.state.stream!.stream_state as { cursor: string }).cursor;
      const cursor1 = cursorOf(first.messages, FY);
      const maxModified = Math.max(...truth(FY).map((r) => Date.parse(String(r["Last modified"]))));
      expect(Date.parse(cursor1)).toBe(maxModified);

      sim.advance(3); // edits a few rows of each table, bumping their last-modified time
      const second = await read([MID, FY], { mode: "incremental", state });
      for (const n of [MID, FY]) {
        const cursor = Date.parse(cursorOf(first.messages, n));
        const day = Date.parse(new Date(cursor - 3_600_000).toISOString().slice(0, 10));
        const want = truth(n).filter((r) => Date.parse(String(r["Last modified"])) >= day);
        const got = recordsOf(second.messages, stream(n).name);
        expect(got, n).toEqual(want);
        // The edited rows are there with their new values; most of the table is not re-read.
        expect(got.some((r) => Date.parse(String(r["Last modified"])) > cursor)).toBe(true);
        expect(got.length).toBeLessThan(truth(n).length / 4);
        expect(Date.parse(cursorOf(second.messages, n))).toBe(sim.now());
      }
    } finally {
      sim = previous;
      await local.close();
    }
  });
});

describe("kill and resume", () => {
  for (const legacyNext of ["absolute", "relative", "cursor"] as const) {
    it(`resumes a killed full refresh at the saved ${legacyNext} next link without gaps or repeats`, async () => {
      sim.setVariant({ legacyNext });
      try {
        const killed = await read([BIG], { killAfterRecords: 4500 });
        expect(killed.signal).toBe("SIGKILL");
        const committed = committedRecords(killed.messages, stream(BIG).name);
        expect(committed.length).toBeGreaterThan(0);
        const resumed = await read([BIG], { state: stateFrom(killed.messages) });
        expect(resumed.exitCode).toBe(0);
        const rest = recordsOf(resumed.messages, stream(BIG).name);
        expect(ids([...committed, ...rest])).toEqual(ids(truth(BIG)));
      } finally {
        sim.setVariant({ legacyNext: "absolute" });
      }
    });
  }

  it("restarts from the first page when the server refuses the saved next link", async () => {
    sim.setVariant({ legacyNext: "cursor" });
    try {
      const killed = await read([FY], { killAfterRecords: 1500 });
      const state = stateFrom(killed.messages) as { stream: { stream_state: { sync: { position: { next: string } } } } }[];
      const position = state[0]!.stream.stream_state.sync.position;
      position.next = `${position.next.slice(0, -4)}AAAA`; // a cursor whose signature no longer verifies
      const resumed = await read([FY], { state });
      expect(ids(recordsOf(resumed.messages, stream(FY).name))).toEqual(ids(truth(FY)));
      expect(ofType(resumed.messages, "LOG").some((m) => m.log.level === "WARN" && /no longer accepts the saved next link/.test(m.log.message))).toBe(true);
    } finally {
      sim.setVariant({ legacyNext: "absolute" });
    }
  });
});

describe("values as sent", () => {
  it("decimals beyond a double's precision in a number column (wideNumbers) come out digit for digit", async () => {
    sim.setVariant({ wideNumbers: true });
    try {
      const result = await read([MID]);
      const lines = new Map(result.stdout.split("\n").filter((l) => l.startsWith('{"type":"RECORD"')).map((l) => [/"Row ID":"([^"]+)"/.exec(l)![1]!, l]));
      let wide = 0;
      for (const row of truth(MID)) {
        const amount = row["Beløp (NOK)"];
        if (amount instanceof WireNumber) wide++;
        const want = amount instanceof WireNumber ? amount.text : JSON.stringify(amount);
        expect(/"Beløp \(NOK\)":(-?[\d.eE+]+|null)/.exec(lines.get(String(row["Row ID"]))!)?.[1], String(row["Row ID"])).toBe(want);
      }
      expect(wide).toBeGreaterThan(100);
    } finally {
      sim.setVariant({ wideNumbers: false });
    }
  });
});
