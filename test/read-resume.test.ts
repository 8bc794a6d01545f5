/**
 * read, rows path: nothing is lost when a sync is killed, when a saved page token has expired, or when
 * incremental syncs run across clock steps and crashes. Through the built CLI over loopback HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { runCli } from "./helpers/cli.js";
import { chainProblems, planKills, runKillChain, type ChainSetup } from "./helpers/kill-chain.js";
import { errorTraces, logMessages, ofType, statusesOf } from "./helpers/protocol.js";
import { baseConfig, catalogFor, committedRecords, expectValidRead, idsOf, recordsOf, stateFrom, type Row } from "./helpers/read-scenario.js";

describe("kill and resume (200 000 spend rows)", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ rows: { spend: 200_000, suppliers: 10, contracts: 10 } });
  });
  afterAll(async () => sim.close());

  it("loses no row when SIGKILLed at several random points and resumed from the last STATE each time", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 10_000 });
    const truth = new Map([["spend", { key: "id", ids: idsOf([...sim.rows("spend")], "id") }]]);
    const setup: ChainSetup = { config, catalog: await catalogFor(config, ["spend"]), truth, batchBound: 10_000 };
    const chain = await runKillChain(setup, 7, planKills(7, 3, ["mid-batch"]));
    expect(chain.runs.map((r) => r.killSent)).toEqual([true, true, true, false]);
    // Nothing lost, nothing a STATE covered read again, at most a page repeated per kill.
    expect(chainProblems(chain, setup)).toEqual([]);
  }, 300_000);

  it("restarts a stream from its durable position when the saved page token has expired, and still delivers every row", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 20_000 });
    const catalog = await catalogFor(config, ["spend"]);
    const killed = await runCli({ args: ["read"], config, catalog, killAfterRecords: 50_000 });
    const state = stateFrom(killed.messages);
    sim.expireAllPageTokens();
    const resumed = await runCli({ args: ["read"], config, catalog, state });
    expectValidRead(resumed, ["spend"]);
    const logs = logMessages(resumed.messages);
    expect(logs.some((l) => /page token expired/i.test(l))).toBe(true);
    expect(new Set(idsOf(recordsOf(resumed.messages, "spend"), "id")).size).toBe(200_000);
  }, 120_000);

  it("resumes from the killed run's own stdout passed as --state (JSON Lines of STATE and other messages, last line cut): no full re-read, nothing lost", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 10_000 });
    const catalog = await catalogFor(config, ["spend"]);
    const killed = await runCli({ args: ["read"], config, catalog, killAfterRecords: 35_000 });
    expect(killed.signal).toBe("SIGKILL");
    const committed = idsOf(committedRecords(killed.messages, "spend"), "id");
    expect(committed.length).toBeGreaterThanOrEqual(10_000);
    // stdout as a user would have saved it: records, logs, statuses and several STATEs of spend, and a
    // last line cut off by the kill (made certain here: where the kill lands in a line is up to chance).
    expect(ofType(killed.messages, "STATE").length).toBeGreaterThan(1);
    const saved = `${killed.stdout.slice(0, killed.stdout.lastIndexOf("\n") + 1)}{"type":"STATE","state":{"type":"STRE`;
    const resumed = await runCli({ args: ["read"], config, catalog, state: saved });
    expectValidRead(resumed, ["spend"]);
    const rest = idsOf(recordsOf(resumed.messages, "spend"), "id");
    // It continued after the last STATE (rows path: the page token), not from the start.
    expect(rest.length).toBe(200_000 - committed.length);
    expect(new Set([...committed, ...rest]).size).toBe(200_000);
  }, 120_000);

  it("does not even try a page token older than 24 hours", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 20_000 });
    const catalog = await catalogFor(config, ["spend"]);
    const killed = await runCli({ args: ["read"], config, catalog, killAfterRecords: 30_000 });
    const [entry] = stateFrom(killed.messages) as { stream: { stream_state: { sync: { position: { token_issued_at: string } } } } }[];
    entry!.stream.stream_state.sync.position.token_issued_at = new Date(Date.now() - 25 * 3_600_000).toISOString();
    sim.resetCounters();
    const resumed = await runCli({ args: ["read"], config, catalog, state: [entry] });
    expectValidRead(resumed, ["spend"]);
    expect(ofType(resumed.messages, "LOG").some((m) => /expire after 24 h/.test(m.log.message))).toBe(true);
    expect(recordsOf(resumed.messages, "spend").length).toBe(200_000);
  }, 120_000);
});

describe("incremental sync", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ rows: { spend: 5000, suppliers: 400, contracts: 300 } });
  });
  afterAll(async () => sim.close());

  const STREAMS = ["spend", "suppliers", "contracts"];
  const LOOKBACK_MS = 3_600_000;
  const key = (r: Row) => `${String(r["id"])}@${Date.parse(String(r["updated_at"]))}`;

  /** Rows (id@updated_at) the simulator has now that were not delivered before. */
  function changedSince(table: string, delivered: Set<string>): string[] {
    return [...sim.rows(table)].map(key).filter((k) => !delivered.has(k));
  }

  it("delivers every inserted and updated row after the clock advances, and re-reads nothing older than the lookback", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 1000, lookback_window: "PT1H", full_snapshot_interval_days: 0 });
    const catalog = await catalogFor(config, STREAMS, "incremental");
    const first = await runCli({ args: ["read"], config, catalog });
    expectValidRead(first, STREAMS);
    const state = stateFrom(first.messages);
    sim.advance(3);
    const second = await runCli({ args: ["read"], config, catalog, state });
    expectValidRead(second, STREAMS);
    for (const table of STREAMS) {
      const before = new Set(recordsOf(first.messages, table).map(key));
      const after = new Set(recordsOf(second.messages, table).map(key));
      const changed = changedSince(table, before);
      expect(changed.length, `${table} has changes to sync`).toBeGreaterThan(0);
      for (const k of changed) expect(after.has(k), `${table} change ${k} missed`).toBe(true);
      const cursor = (state as { stream: { stream_descriptor: { name: string }; stream_state: { cursor: string } } }[]).find(
        (s) => s.stream.stream_descriptor.name === table,
      )!.stream.stream_state.cursor;
      for (const r of recordsOf(second.messages, table)) {
        expect(Date.parse(String(r["updated_at"]))).toBeGreaterThanOrEqual(Date.parse(cursor) - LOOKBACK_MS);
      }
    }
  }, 120_000);

  it("keeps every change across a crash in the middle of an incremental sync", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 25, lookback_window: "PT1H", full_snapshot_interval_days: 0 });
    const catalog = await catalogFor(config, ["spend"], "incremental");
    const first = await runCli({ args: ["read"], config, catalog });
    const delivered = new Set(recordsOf(first.messages, "spend").map(key));
    let state = stateFrom(first.messages);
    sim.advance(20);
    const changed = changedSince("spend", delivered);
    expect(changed.length).toBeGreaterThan(100);
    const crashed = await runCli({ args: ["read"], config, catalog, state, killAfterRecords: 70 });
    expect(crashed.signal).toBe("SIGKILL");
    const committed = committedRecords(crashed.messages, "spend").map(key);
    state = stateFrom(crashed.messages, state);
    const resumed = await runCli({ args: ["read"], config, catalog, state });
    expectValidRead(resumed, ["spend"]);
    const got = new Set([...committed, ...recordsOf(resumed.messages, "spend").map(key)]);
    for (const k of changed) expect(got.has(k), `change ${k} lost across the crash`).toBe(true);
  }, 120_000);

  it("re-reads rows whose updated_at equals the cursor (at-least-once, never at-most-once)", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 1000, lookback_window: "PT0S", full_snapshot_interval_days: 0 });
    const catalog = await catalogFor(config, ["spend"], "incremental");
    const first = await runCli({ args: ["read"], config, catalog });
    const state = stateFrom(first.messages);
    const cursor = (state[0] as { stream: { stream_state: { cursor: string } } }).stream.stream_state.cursor;
    const atCursor = [...sim.rows("spend")].filter((r) => Date.parse(String(r["updated_at"])) === Date.parse(cursor));
    expect(atCursor.length).toBeGreaterThan(0);
    const second = await runCli({ args: ["read"], config, catalog, state });
    const ids = new Set(idsOf(recordsOf(second.messages, "spend"), "id"));
    for (const r of atCursor) expect(ids.has(String(r["id"]))).toBe(true);
  }, 120_000);
});

describe("faults", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ rows: { spend: 3000, suppliers: 100, contracts: 100 } });
  });
  afterAll(async () => sim.close());

  it("retries 429 storms and 5xx bursts within the budget", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 500, retry_budget_seconds: 60 });
    const catalog = await catalogFor(config, ["spend", "suppliers", "contracts"]);
    sim.setFaults({
      rows: [
        { after: 2, times: 6, status: 429, retryAfter: "seconds", retryAfterSeconds: 0 },
        { after: 10, times: 3, status: 502 },
        { after: 14, times: 2, reset: true },
        { after: 18, times: 2, truncate: true },
      ],
    });
    try {
      const result = await runCli({ args: ["read"], config, catalog });
      expectValidRead(result, ["spend", "suppliers", "contracts"]);
      expect(result.exitCode).toBe(0);
      expect(recordsOf(result.messages, "spend").length).toBe(3000);
    } finally {
      sim.setFaults({});
    }
  }, 120_000);

  it("fails only the stream whose requests keep failing: INCOMPLETE, a transient_error trace, non-zero exit, others COMPLETE", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 500, retry_budget_seconds: 3, max_concurrent_streams: 1 });
    const catalog = await catalogFor(config, ["suppliers", "spend", "contracts"]);
    sim.setFaults({ rows: { entity: "spend", status: 503 } });
    try {
      const result = await runCli({ args: ["read"], config, catalog });
      expectValidRead(result, ["suppliers", "spend", "contracts"]);
      expect(result.exitCode).not.toBe(0);
      expect(statusesOf(result.messages, "spend").at(-1)).toBe("INCOMPLETE");
      expect(statusesOf(result.messages, "suppliers").at(-1)).toBe("COMPLETE");
      expect(statusesOf(result.messages, "contracts").at(-1)).toBe("COMPLETE");
      const spendErrors = errorTraces(result.messages).filter((e) => e.stream_descriptor?.name === "spend");
      expect(spendErrors.map((e) => e.failure_type)).toContain("transient_error");
      // No completing state for the failed stream.
      const spendStates = ofType(result.messages, "STATE").filter((m) => m.state.stream?.stream_descriptor.name === "spend");
      for (const s of spendStates) expect((s.state.stream!.stream_state as { sync?: unknown }).sync).toBeDefined();
    } finally {
      sim.setFaults({});
    }
  }, 120_000);
});
