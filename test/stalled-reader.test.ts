/**
 * A destination that stops reading stdout for a while, then reads on: the connector's memory stays flat
 * while it waits (the one stdout writer holds back the streams, the streams hold back their pages, decode
 * thread and downloads), and every record arrives once, in order. Through the built CLI on a real pipe,
 * with the connector's RSS read from /proc/<pid>/status (bench/stalled-reader.ts); bench/stall.ts measures
 * the same with a 60 s pause.
 *
 * Measured here (300 000 rows, 12 s pause after 2 000 records, loaded machine): RSS grew 7 MB (rows) and
 * 12 MB (Parquet export) while the reader was stopped; with the writer's backpressure removed, 166 MB and 120 MB.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStalledReader } from "../bench/stalled-reader.js";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { MAIN } from "./helpers/cli.js";
import { withInputFiles } from "./helpers/child.js";
import { baseConfig, catalogFor, idsOf, truthRows } from "./helpers/read-scenario.js";

const ROWS = 300_000;
const PAUSE_MS = 12_000;
/** What the connector may add while nobody reads: output buffers, one page or a few decoded batches in flight. */
const MAX_GROWTH_MB = 48;
/** The project's peak-RSS target for a read (README benchmarks). */
const MAX_PEAK_MB = 350;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rows: { spend: ROWS, classification_business_units: 10, classification_spend_categories: 10 }, exportDelayMs: 0 });
});
afterAll(() => sim.close());

describe(`a stdout reader that stops for ${PAUSE_MS / 1000} s, then reads on`, () => {
  it.each([
    ["rows", { read_mode: "rows" }],
    ["Parquet export", { read_mode: "export", export_format: "parquet" }],
  ])("keeps the connector's memory flat and loses nothing (%s path)", async (path, extra) => {
    const config = baseConfig(sim, extra);
    const catalog = await catalogFor(config, ["spend"]);
    const result = await withInputFiles("ignite-stall-", (file) =>
      runStalledReader({
        argv: [MAIN, "read", "--config", file("config.json", config), "--catalog", file("catalog.json", catalog)],
        env: { ...process.env, LOG_LEVEL: "" },
        pauseAfterRecords: 2000,
        pauseMs: PAUSE_MS,
        keys: { spend: "id" },
        timeoutMs: 300_000,
      }),
    );
    const summary = `RSS at pause ${result.rssAtPauseMb.toFixed(0)} MB, max while paused ${result.maxRssDuringPauseMb.toFixed(0)} MB, peak ${result.peakRssMb.toFixed(0)} MB`;
    console.info(`[stalled-reader] ${path}: ${summary}`);
    expect(result.exitCode, result.stderrTail).toBe(0);
    // The pause did hold the connector up: it had far more to write and was still running when reading resumed.
    expect(result.aliveAtResume).toBe(true);
    expect(result.recordsAtPause).toBeLessThan(ROWS / 2);
    expect(result.maxRssDuringPauseMb - result.rssAtPauseMb, summary).toBeLessThan(MAX_GROWTH_MB);
    expect(result.peakRssMb, summary).toBeLessThan(MAX_PEAK_MB);
    // Every record once, in order (keys strictly increasing), and exactly the simulator's rows.
    const spend = result.streams["spend"]!;
    expect(spend.outOfOrder).toBe(0);
    expect(spend.keys).toEqual(idsOf(truthRows(sim, "spend"), "id"));
    expect(result.others.filter((m) => m.type === "TRACE" && JSON.stringify(m).includes('"COMPLETE"'))).toHaveLength(1);
  });
});
