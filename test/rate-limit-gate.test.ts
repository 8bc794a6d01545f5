/**
 * One rate-limit gate per API origin: a 429 that says when to come back pauses every stream's next
 * request until then, not only the request that got it. Through the client (budget rules, with a fake
 * clock) and through the built CLI (three streams, a 429 storm on one, the others' requests timed where
 * they arrive: at the simulator).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { IgniteClient } from "../streams/http/client.js";
import { ApiError } from "../streams/http/http-errors.js";
import { runCli } from "./helpers/cli.js";
import { connectorConfig, memoryLogger } from "./helpers/connector-config.js";
import { ofType } from "./helpers/protocol.js";
import { baseConfig, catalogFor, expectValidRead, idsOf, recordsOf, truthRows } from "./helpers/read-scenario.js";

const STREAMS = ["spend", "suppliers", "contracts"];
const RETRY_AFTER_S = 3;
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ rows: { spend: 3000, suppliers: 3000, contracts: 3000 }, logRequests: true });
});
afterAll(() => sim.close());

describe("the client's rate-limit gate", () => {
  /** A client whose clock only moves when it sleeps, so waits are exact and cost no time. */
  function fakeClockClient(): { client: IgniteClient; waits: number[] } {
    let now = Date.now();
    const waits: number[] = [];
    const client = new IgniteClient({
      config: connectorConfig(sim, { retry_budget_seconds: 600 }),
      logger: memoryLogger().logger,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    return { client, waits };
  }

  /** A 429 asking for `seconds` of pause, to a call whose own budget is too short to wait: it gives up, the gate stays closed. */
  async function closeGate(client: IgniteClient, seconds: number): Promise<void> {
    sim.setFaults({ rows: { nth: 1, status: 429, retryAfterSeconds: seconds } });
    try {
      await expect(client.fetchRows("spend", { pageSize: 1 }, { budgetMs: 1000 })).rejects.toThrow(/HTTP 429.*beyond the retry budget/);
    } finally {
      sim.setFaults({});
    }
  }

  it("holds back another stream's next request until the Retry-After of a 429, and reports it as rate limited", async () => {
    const { client, waits } = fakeClockClient();
    try {
      await closeGate(client, 30);
      const limited: (number | undefined)[] = [];
      const before = sim.counters()["rows"] ?? 0;
      const page = await client.fetchRows("suppliers", { pageSize: 1 }, { onRateLimited: (at) => limited.push(at) });
      expect(page.data).toHaveLength(1);
      // It waited the 30 s, said so once, then sent one request (no 429 of its own).
      expect(waits).toEqual([30_000]);
      expect(limited).toHaveLength(1);
      expect(sim.counters()["rows"]).toBe(before + 1);
    } finally {
      await client.close();
    }
  });

  it("fails a request whose retry budget ends before the gate opens, the way a 429 of its own would", async () => {
    const { client, waits } = fakeClockClient();
    try {
      await closeGate(client, 120);
      const before = sim.counters()["rows"] ?? 0;
      const error = await client.fetchRows("contracts", { pageSize: 1 }, { budgetMs: 60_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).failureType).toBe("transient_error");
      expect((error as ApiError).message).toMatch(/was not sent: the API asked to pause requests until .* beyond the retry budget; raise retry_budget_seconds/);
      expect(waits).toEqual([]);
      expect(sim.counters()["rows"]).toBe(before);
    } finally {
      await client.close();
    }
  });
});

describe("a 429 storm on one stream of a read", () => {
  it("pauses the other streams' requests until Retry-After, reports them RATE_LIMITED, and loses nothing", async () => {
    // Pages of 50 rows: without the gate each stream asks many times a second, so a paused one shows.
    const config = baseConfig(sim, { read_mode: "rows", page_size: 50, max_concurrent_streams: 3, retry_budget_seconds: 120 });
    const catalog = await catalogFor(config, STREAMS);
    const from = sim.requests().length;
    // Once the read is under way, spend's next three rows requests get 429 (Retry-After 3 s each).
    sim.setFaults({ rows: { entity: "spend", after: 20, times: 3, status: 429, retryAfterSeconds: RETRY_AFTER_S } });
    try {
      const result = await runCli({ args: ["read"], config, catalog, timeoutMs: 120_000 });
      expectValidRead(result, STREAMS);
      expect(result.exitCode).toBe(0);
      for (const table of STREAMS) {
        expect(idsOf(recordsOf(result.messages, table), "id"), table).toEqual(idsOf(truthRows(sim, table), "id"));
      }

      const requests = sim.requests().slice(from).filter((r) => r.route === "rows");
      const storms = requests.filter((r) => r.status === 429);
      expect(storms).toHaveLength(3);
      // Requests of the other streams that arrived while the gate was closed. A request the connector sent
      // before the 429 reached it may still arrive just after (in flight: it finishes as it is), so the
      // first second after each 429 is left out; the rest of the pause must be silent.
      const others = requests.filter((r) => r.entity !== "spend");
      for (const storm of storms) {
        const during = others.filter((r) => r.at > storm.at + 1000 && r.at < storm.at + RETRY_AFTER_S * 1000 - 100);
        expect(during, `requests of other streams within ${RETRY_AFTER_S} s after the 429 at ${storm.at}`).toEqual([]);
      }
      // They were busy right before the storm (so the silence is the gate's doing), and busy again after.
      const first = storms[0]!.at;
      expect(others.filter((r) => r.at < first).length).toBeGreaterThan(5);
      expect(others.filter((r) => r.at > storms[2]!.at + RETRY_AFTER_S * 1000).length).toBeGreaterThan(5);

      const rateLimited = new Set(
        ofType(result.messages, "TRACE").flatMap((m) =>
          m.trace.type === "STREAM_STATUS" && m.trace.stream_status.reasons?.some((r) => r.type === "RATE_LIMITED") ? [m.trace.stream_status.stream_descriptor.name] : [],
        ),
      );
      expect([...rateLimited].sort()).toEqual([...STREAMS].sort());
    } finally {
      sim.setFaults({});
    }
  });
});
