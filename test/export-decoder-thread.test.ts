/**
 * The export path's decode thread, over the simulator (real HTTP, real Parquet): it is started while the
 * export is still being built (so compiling wasm is done by the time the files are listed), the files are
 * decoded on it, and it is ended however the read ends: complete, stopped while waiting, or never used.
 * Threads are counted in /proc/self/task (Linux), so what is checked is a real OS thread.
 */
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { validateConfig } from "../source/config.js";
import { recordFraming } from "../source/messages.js";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { createIgniteSource } from "../streams/index.js";
import type { ReadContext, Stream, StreamOutput } from "../streams/contract/stream.js";

const ROWS = 1200;
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 5, rows: { spend: ROWS }, maxFileRows: 500, exportDelayMs: 1500 });
}, 60_000);
afterAll(async () => sim?.close());

const liveThreads = (): number => readdirSync("/proc/self/task").length;
async function until(what: () => boolean, ms = 5_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (what()) return true;
  return what();
}

async function spendStream(format: "parquet" | "json"): Promise<{ stream: Stream; ctx: ReadContext }> {
  const logger = { log() {}, info() {}, warn() {}, debug() {} };
  const { config } = validateConfig({ api_token: sim.token, base_url: sim.url, read_mode: "export", export_format: format });
  const source = createIgniteSource(config, { logger });
  const stream = (await source.streams()).find((s) => s.name === "spend")!;
  const ctx: ReadContext = {
    syncMode: "full_refresh",
    selectedProperties: Object.keys(stream.descriptor.json_schema.properties),
    state: undefined,
    logger,
    events: { rateLimited() {}, estimate() {} },
    signal: new AbortController().signal,
    now: () => Date.now(),
    recordFraming: () => recordFraming({ name: "spend" }, Date.now()),
  };
  return { stream, ctx };
}

async function drain(it: AsyncIterator<StreamOutput>): Promise<number> {
  let records = 0;
  for (let step = await it.next(); step.done !== true; step = await it.next()) if (step.value.kind === "batch") records += step.value.count;
  return records;
}

describe("the export path's decode thread", () => {
  let base: number;
  beforeAll(async () => {
    // One whole read first, so the process's own threads (libuv pool, …) exist before counting.
    const { stream, ctx } = await spendStream("parquet");
    expect(await drain(stream.read(ctx)[Symbol.asyncIterator]())).toBe(ROWS);
    await new Promise((r) => setTimeout(r, 200));
    base = liveThreads();
  }, 60_000);

  test("Parquet: the thread starts while the export is being built, decodes every file, and is gone after the read", async () => {
    const { stream, ctx } = await spendStream("parquet");
    const it = stream.read(ctx)[Symbol.asyncIterator]();
    const created = await it.next(); // the checkpoint naming the new export, before any poll
    expect(created.value).toMatchObject({ kind: "checkpoint" });
    expect(liveThreads()).toBe(base + 1);
    let peak = 0;
    let records = 0;
    for (let step = await it.next(); step.done !== true; step = await it.next()) {
      peak = Math.max(peak, liveThreads());
      if (step.value.kind === "batch") records += step.value.count;
    }
    expect(records).toBe(ROWS);
    expect(peak).toBe(base + 1); // the warm thread decoded the three files; no second one was started
    expect(await until(() => liveThreads() === base)).toBe(true);
  }, 60_000);

  test("Parquet: a read stopped while the export is still being built leaves no thread", async () => {
    const { stream, ctx } = await spendStream("parquet");
    const it = stream.read(ctx)[Symbol.asyncIterator]();
    await it.next();
    expect(liveThreads()).toBe(base + 1);
    await it.return!(undefined);
    expect(await until(() => liveThreads() === base)).toBe(true);
  }, 60_000);

  test("JSON: no decode thread at all", async () => {
    const { stream, ctx } = await spendStream("json");
    const it = stream.read(ctx)[Symbol.asyncIterator]();
    await it.next();
    expect(liveThreads()).toBe(base);
    expect(await drain(it)).toBe(ROWS);
    expect(liveThreads()).toBe(base);
  }, 60_000);
});
