/**
 * Given an export job on the simulator (over real HTTP), when pollExport waits for it, then it backs off,
 * logs progress at least every `logEveryMs`, reports estimates, maps failure words and their message, and
 * stops at the deadline when the status word is unknown. Timings are scaled down; the logic is the same.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { validateConfig } from "../source/config.js";
import { recordFraming } from "../source/messages.js";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { IgniteClient, type ExportHandle } from "../streams/http/client.js";
import { pollExport, type PollTimings } from "../streams/export/export-poll.js";
import { formatElapsed } from "../streams/export/progress-text.js";
import type { ReadContext } from "../streams/contract/stream.js";

const TIMINGS: PollTimings = { firstDelayMs: 40, factor: 2, capMs: 320, logEveryMs: 500, listlessPolls: 3 };
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 9, rows: { spend: 500 }, exportDelayMs: 2400 });
});
afterAll(async () => sim?.close());

/** A real client that notes when each status poll went out. */
class TimedClient extends IgniteClient {
  readonly polls: number[] = [];
  override async getExport(handle: Pick<ExportHandle, "id" | "entity" | "statusUrl">, opts?: Parameters<IgniteClient["getExport"]>[1]): Promise<ExportHandle> {
    this.polls.push(Date.now());
    return super.getExport(handle, opts);
  }
}

function harness() {
  const logs: { at: number; level: string; message: string }[] = [];
  const estimates: { rows?: number; bytes?: number }[] = [];
  const log = (level: string, message: string): void => void logs.push({ at: Date.now(), level, message });
  const logger = { log, info: (m: string) => log("INFO", m), warn: (m: string) => log("WARN", m), debug: (m: string) => log("DEBUG", m) };
  const { config } = validateConfig({ api_token: sim.token, base_url: sim.url });
  const client = new TimedClient({ config, logger });
  const ctx: ReadContext = {
    syncMode: "full_refresh",
    selectedProperties: [],
    state: undefined,
    logger,
    events: { rateLimited() {}, estimate: (e) => void estimates.push(e) },
    signal: new AbortController().signal,
    now: () => Date.now(),
    recordFraming: () => recordFraming({ name: "spend" }, Date.now()),
  };
  return { client, ctx, logs, estimates };
}

describe("pollExport", () => {
  test("backs off ×factor up to the cap, logs at least every logEveryMs, reports estimates, returns the files", async () => {
    const { client, ctx, logs, estimates } = harness();
    const created = await client.createExport("spend", { fields: ["id"], format: "parquet" });
    const started = Date.now();
    const outcome = await pollExport({ client, handle: created, createdAtMs: started, deadlineMs: started + 30_000, timings: TIMINGS }, ctx);
    const ended = Date.now();
    expect(outcome.kind).toBe("ready");
    if (outcome.kind === "ready") expect(outcome.files.map((f) => f.name)).toEqual(["part-00000.parquet"]);

    const gaps = client.polls.slice(1).map((t, i) => t - client.polls[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]! * 1.4); // growing…
    expect(Math.max(...gaps)).toBeLessThan(TIMINGS.capMs + 250); // …but capped
    // No silence longer than logEveryMs (plus one request's time) while waiting.
    const progress = logs.filter((l) => /^export \S+ of spend (waiting|running) for \d+s/.test(l.message)).map((l) => l.at);
    const marks = [started, ...progress, ended];
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...marks.slice(1).map((t, i) => t - marks[i]!))).toBeLessThan(TIMINGS.logEveryMs + 250);
    expect(logs.some((l) => /~\d+ kB processed/.test(l.message))).toBe(true);
    expect(estimates[0]).toEqual({ bytes: 500 * 420 });
    expect(estimates.at(-1)).toEqual({ rows: 500, bytes: 500 * 420 });
  }, 30_000);

  test("a failure word maps to failed, with the server's message", async () => {
    sim.setVariant({ statusNames: { running: "running", failed: "Cancelled" } });
    sim.setFaults({ exportCreate: { exportFailed: true } });
    try {
      const { client, ctx } = harness();
      const created = await client.createExport("spend", { format: "json" });
      const outcome = await pollExport({ client, handle: created, createdAtMs: Date.now(), deadlineMs: Date.now() + 30_000, timings: TIMINGS }, ctx);
      expect(outcome).toMatchObject({ kind: "failed", message: "The export failed due to an internal error" });
    } finally {
      sim.setFaults({});
      sim.setVariant({ statusNames: { running: "running", failed: "failed" } });
    }
  }, 30_000);

  test("an unknown status word keeps polling until the deadline, then fails transiently", async () => {
    sim.setVariant({ statusNames: { running: "archiving", failed: "failed" } });
    try {
      const { client, ctx, logs } = harness();
      const created = await client.createExport("spend", { format: "json" });
      const start = Date.now();
      const polling = pollExport({ client, handle: created, createdAtMs: start, deadlineMs: start + 1500, timings: TIMINGS }, ctx);
      await expect(polling).rejects.toMatchObject({ failureType: "transient_error", message: expect.stringMatching(/did not finish within the poll deadline.*"archiving"/) });
      expect(Date.now() - start).toBeGreaterThanOrEqual(1400);
      expect(client.polls.length).toBeGreaterThanOrEqual(4);
      expect(logs.some((l) => l.message.includes('in an unknown state "archiving"'))).toBe(true);
    } finally {
      sim.setVariant({ statusNames: { running: "running", failed: "failed" } });
    }
  }, 30_000);

  test("elapsed time reads like 2m10s", () => {
    expect(formatElapsed(130_000)).toBe("2m10s");
    expect(formatElapsed(3_725_000)).toBe("1h02m");
    expect(formatElapsed(9_000)).toBe("9s");
  });
});
