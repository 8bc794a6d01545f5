/**
 * Reads under a real memory limit: the built CLI runs in a memory cgroup the kernel enforces (OOM killer
 * included), as in a container. With max_concurrent_streams 8 the streams share the budget (an export waits
 * for memory, pages get smaller) and the read completes; when a single stream needs more than there is, the
 * watchdog stops the read with a clear transient error before the kernel kills it, and the state it emitted
 * resumes without losing a row.
 *
 * Needs root and a writable memory cgroup (test/helpers/memory-cgroup.ts). Without one the tests are
 * skipped, saying why, and fail under CI=true (describeRequiring).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AirbyteMessage } from "../source/messages.js";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { runCli } from "./helpers/cli.js";
import { createMemoryCgroup, type MemoryCgroup } from "./helpers/memory-cgroup.js";
import { errorTraces, logMessages, statusesOf } from "./helpers/protocol.js";
import { describeRequiring } from "./helpers/requires.js";
import { baseConfig, catalogFor, committedRecords, expectValidRead, idsOf, pageSizesSince, recordsOf, stateFrom, truthRows } from "./helpers/read-scenario.js";

const MB = 1024 * 1024;
const probe = createMemoryCgroup(64 * MB);
const unavailable = "unavailable" in probe ? probe.unavailable : undefined;
if (!("unavailable" in probe)) probe.remove();

const KEYS: Record<string, string> = { classification_business_units: "spend_id", classification_spend_categories: "spend_id" };
const keyOf = (stream: string): string => KEYS[stream] ?? "id";
const mbOf = (bytes: number | undefined): string => (bytes === undefined ? "unknown" : `${Math.round(bytes / MB)} MB`);

let cgroup: MemoryCgroup | undefined;
function inCgroup(limitBytes: number): MemoryCgroup {
  const made = createMemoryCgroup(limitBytes);
  if ("unavailable" in made) throw new Error(made.unavailable);
  cgroup = made;
  return made;
}
afterEach(() => {
  cgroup?.remove();
  cgroup = undefined;
});

/** Every row of the simulator's table, from what the first run committed plus what the resumed run read. */
function expectEveryRow(sim: Simulator, stream: string, first: readonly AirbyteMessage[], rest: readonly AirbyteMessage[] = []): void {
  const got = new Set([...idsOf(committedRecords(first, stream), keyOf(stream)), ...idsOf(recordsOf(rest, stream), keyOf(stream))]);
  const want = idsOf(truthRows(sim, stream), keyOf(stream));
  expect(want.filter((id) => !got.has(id)), `${stream}: rows missing`).toEqual([]);
}

describeRequiring("a read under a memory cgroup", unavailable, () => {
  describe("300 MB, max_concurrent_streams 8", () => {
    let sim: Simulator;
    beforeAll(async () => {
      // Three exports of 300 000 rows (row groups of 100 000): read 8 at a time, the same read was OOM-killed
      // in a 300 MB cgroup before the memory budget (exit 137 after 301 302 of 913 645 records).
      sim = await startSimulator({ rows: { spend: 300_000 }, legacyTables: 3, exportDelayMs: 0, logRequests: true });
    });
    afterAll(() => sim?.close());

    it("8 export and legacy streams: the read completes, or stops with the memory error and resumes losslessly; never OOM-killed", async () => {
      const config = baseConfig(sim, { read_mode: "export", max_concurrent_streams: 8, legacy_data_tables: { mode: "all" }, retry_budget_seconds: 120 });
      const catalog = await catalogFor(config, "all");
      const streams = (catalog.streams as { stream: { name: string; description?: string } }[]).map((s) => s.stream);
      const names = streams.map((s) => s.name);
      expect(names).toHaveLength(8);
      const cg = inCgroup(300 * MB);
      const first = await runCli({ args: ["read"], config, catalog, wrapper: cg.wrapper, timeoutMs: 400_000 });
      console.info(`[memory-limit.test] 8 streams in 300 MB: exit ${String(first.exitCode ?? first.signal)}, ${first.records} records, cgroup peak ${mbOf(cg.peakBytes())}`);
      expect(first.signal, first.stderr).toBeNull();
      expect(cg.oomKills()).toBe(0);
      expectValidRead(first, names);
      // The budget came from the cgroup the process runs in.
      expect(logMessages(first.messages).some((m) => m.startsWith("Memory budget:") && m.includes("under the memory limit of 300 MB (cgroup)"))).toBe(true);

      let rest: AirbyteMessage[] = [];
      if (first.exitCode !== 0) {
        // The other allowed outcome: stopped by the watchdog, and the state resumes (with the memory to spare).
        expect(errorTraces(first.messages).map((e) => e.message)).toEqual([expect.stringMatching(/^Memory limit of 300 MB \(cgroup\) nearly reached/)]);
        const second = await runCli({ args: ["read"], config, catalog, state: stateFrom(first.messages), timeoutMs: 400_000 });
        expectValidRead(second, names);
        expect(second.exitCode).toBe(0);
        rest = second.messages;
      }
      for (const name of names.filter((n) => !n.startsWith("legacy_"))) expectEveryRow(sim, name, first.messages, rest);
      for (const table of sim.legacyTables()) {
        const name = streams.find((s) => s.name.startsWith("legacy_") && (s.description ?? "").includes(table.id))?.name ?? "";
        const got = recordsOf(first.messages, name).length + recordsOf(rest, name).length;
        expect(got, `legacy table ${table.name}`).toBeGreaterThanOrEqual(table.rows.length);
      }
    });

    it("reads rows pages of 100 000 rows smaller, so that 3 streams fit in 300 MB", async () => {
      const config = baseConfig(sim, { read_mode: "rows", page_size: 100_000, max_concurrent_streams: 8 });
      const names = ["spend", "classification_business_units", "classification_spend_categories"];
      const catalog = await catalogFor(config, names);
      const from = sim.requests().length;
      const cg = inCgroup(300 * MB);
      const result = await runCli({ args: ["read"], config, catalog, wrapper: cg.wrapper, timeoutMs: 400_000 });
      console.info(`[memory-limit.test] 3 rows streams, page_size 100000, in 300 MB: exit ${String(result.exitCode ?? result.signal)}, cgroup peak ${mbOf(cg.peakBytes())}`);
      expect(result.signal, result.stderr).toBeNull();
      expect(cg.oomKills()).toBe(0);
      expectValidRead(result, names);
      expect(result.exitCode).toBe(0);
      const sizes = pageSizesSince(sim, from);
      expect(Math.max(...sizes)).toBeLessThan(100_000);
      for (const name of names) {
        expect(logMessages(result.messages).some((m) => new RegExp(`^${name}: pages of \\d+ rows instead of 100000: .* more than this stream's share of the memory budget`).test(m)), name).toBe(true);
        expectEveryRow(sim, name, result.messages);
      }
    });
  });

  describe("one stream that needs more than the limit", () => {
    let sim: Simulator;
    beforeAll(async () => {
      // One row group of 300 000 rows: decoding it takes ≈ 250 MB (anonymous), more than a 230 MB cgroup holds.
      sim = await startSimulator({
        rows: { spend: 300_000, classification_business_units: 10, classification_spend_categories: 10 },
        variant: { rowGroupRows: 300_000 },
        exportDelayMs: 0,
        logRequests: true,
      });
    });
    afterAll(() => sim?.close());

    it("stops with a clear transient error before the kernel kills it; the state resumes every row", async () => {
      const config = baseConfig(sim, { read_mode: "export", max_concurrent_streams: 1 });
      // contracts first: it completes before spend runs out of memory.
      const discovered = (await catalogFor(config, ["contracts", "spend"], "incremental")).streams as { stream: { name: string } }[];
      const catalog = { streams: ["contracts", "spend"].map((name) => discovered.find((s) => s.stream.name === name)) };
      const cg = inCgroup(230 * MB);
      const first = await runCli({ args: ["read"], config, catalog, wrapper: cg.wrapper, timeoutMs: 300_000 });
      console.info(`[memory-limit.test] spend in 230 MB: exit ${String(first.exitCode ?? first.signal)}, ${first.records} records, cgroup peak ${mbOf(cg.peakBytes())}`);
      expect(first.signal, first.stderr).toBeNull();
      expect(cg.oomKills()).toBe(0);
      expectValidRead(first, ["contracts", "spend"]);
      expect(first.exitCode).toBe(1);
      const errors = errorTraces(first.messages);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.failure_type).toBe("transient_error");
      expect(errors[0]!.message).toMatch(
        /^Memory limit of 230 MB \(cgroup\) nearly reached: \d+ MB in use, the read stops at \d+ MB; stopped reading before the process is killed\. Resume from the last state; lower max_concurrent_streams or page_size, or raise the memory limit\.$/,
      );
      expect(statusesOf(first.messages, "contracts").at(-1)).toBe("COMPLETE");
      expect(statusesOf(first.messages, "spend").at(-1)).toBe("INCOMPLETE");

      // Resumed with the memory to spare (the message's advice): the saved export is read on, not made again.
      const exportsBefore = sim.requests().filter((r) => r.route === "exportCreate" && r.entity === "spend").length;
      const second = await runCli({ args: ["read"], config, catalog, state: stateFrom(first.messages), timeoutMs: 300_000 });
      expectValidRead(second, ["contracts", "spend"]);
      expect(second.exitCode).toBe(0);
      expect(logMessages(second.messages).some((m) => /^spend: resuming export /.test(m))).toBe(true);
      expect(sim.requests().filter((r) => r.route === "exportCreate" && r.entity === "spend").length).toBe(exportsBefore);
      expectEveryRow(sim, "spend", first.messages, second.messages);
      expectEveryRow(sim, "contracts", first.messages, second.messages);
    });
  });
});
