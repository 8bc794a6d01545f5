/**
 * A rows page that times out is asked for again with fewer rows, and the stream keeps the smaller size for
 * the rest of its sync, a resume included. Through the built CLI against a simulator that is slow on large
 * pages (`minPageSize` + `slowMs`), with request_timeout_seconds 1; the simulator's request log shows the
 * page sizes the connector asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { runCli } from "./helpers/cli.js";
import { logMessages } from "./helpers/protocol.js";
import { baseConfig, catalogFor, committedRecords, expectValidRead, idsOf, pageSizesSince, recordsOf, stateFrom, truthRows } from "./helpers/read-scenario.js";

const ROWS = 24_000;
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ rows: { spend: ROWS }, logRequests: true });
});
afterAll(() => sim.close());

describe("a rows page that times out", () => {
  it("is asked for again with a quarter of the rows, and the sync keeps that size", async () => {
    // Pages of 8000 rows or more take 3 s; the connector waits 1 s.
    const config = baseConfig(sim, { read_mode: "rows", page_size: 20_000, request_timeout_seconds: 1 });
    const catalog = await catalogFor(config, ["spend"]);
    const from = sim.requests().length;
    sim.setFaults({ rows: { minPageSize: 8000, slowMs: 3000 } });
    try {
      const result = await runCli({ args: ["read"], config, catalog, timeoutMs: 120_000 });
      expectValidRead(result, ["spend"]);
      expect(result.exitCode).toBe(0);
      // The first page timed out once; every later request asked for 5000 rows.
      expect(pageSizesSince(sim, from)).toEqual([20_000, ...Array<number>(Math.ceil(ROWS / 5000)).fill(5000)]);
      expect(logMessages(result.messages).some((m) => /a page of 20000 rows took longer than request_timeout_seconds \(1 s\); asking for pages of 5000 rows for the rest of this sync\.$/.test(m))).toBe(true);
      // Nothing had been emitted yet, so nothing is emitted twice.
      expect(idsOf(recordsOf(result.messages, "spend"), "id")).toEqual(idsOf(truthRows(sim, "spend"), "id"));
    } finally {
      sim.setFaults({});
    }
  });

  it("past the first page, restarts the window with the smaller size (nothing skipped), and a resume keeps that size and its token", async () => {
    const config = baseConfig(sim, { read_mode: "rows", page_size: 4000, request_timeout_seconds: 1 });
    const catalog = await catalogFor(config, ["spend"]);
    const from = sim.requests().length;
    // The third page (asked with a token) is slow once; the connector restarts with pages of 1000 rows.
    sim.setFaults({ rows: { nth: 3, slowMs: 3000 } });
    let first;
    try {
      // Killed once the restarted pagination is under way: 8000 rows before the timeout, then 5 pages of 1000.
      first = await runCli({ args: ["read"], config, catalog, killAfterRecords: 13_000, timeoutMs: 120_000 });
    } finally {
      sim.setFaults({});
    }
    expect(first.signal).toBe("SIGKILL");
    expect(logMessages(first.messages).some((m) => /a page of 4000 rows took longer .*asking for pages of 1000 rows for the rest of this sync, from the first page of the sync window .*may be emitted again/.test(m))).toBe(true);
    const sizes = pageSizesSince(sim, from);
    expect(sizes.slice(0, 3)).toEqual([4000, 4000, 4000]);
    expect(sizes.slice(3).every((n) => n === 1000)).toBe(true);

    const state = stateFrom(first.messages) as { stream: { stream_state: { sync: { position: { page_size?: number; page_token: string } } } } }[];
    expect(state[0]!.stream.stream_state.sync.position.page_size).toBe(1000);

    const resumeFrom = sim.requests().length;
    const second = await runCli({ args: ["read"], config, catalog, state, timeoutMs: 120_000 });
    expectValidRead(second, ["spend"]);
    expect(second.exitCode).toBe(0);
    expect(logMessages(second.messages).some((m) => m.startsWith("Resuming with the saved page token"))).toBe(true);
    expect(pageSizesSince(sim, resumeFrom).every((n) => n === 1000)).toBe(true);
    // What the destination committed in the first run plus the second run: every row, none lost.
    const got = new Set([...idsOf(committedRecords(first.messages, "spend"), "id"), ...idsOf(recordsOf(second.messages, "spend"), "id")]);
    expect([...got].sort()).toEqual(idsOf(truthRows(sim, "spend"), "id").sort());
    // The resume continued where the state pointed: it did not read the window again.
    expect(recordsOf(second.messages, "spend").length).toBeLessThan(ROWS - 4000);
  });
});
