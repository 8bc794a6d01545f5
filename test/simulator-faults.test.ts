import { request } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { call } from "./helpers/simulator-client.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rows: { spend: 3000 } });
});
afterAll(async () => sim.close());
beforeEach(() => sim.setFaults({}));

/** Raw request that reports bytes received vs announced and how the response ended. */
function raw(path: string, body: unknown): Promise<{ status: number; announced: number; received: number; outcome: string }> {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const req = request(`${sim.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json", "content-length": Buffer.byteLength(data) },
    });
    req.on("response", (res) => {
      let received = 0;
      const announced = Number(res.headers["content-length"]);
      res.on("data", (c: Buffer) => (received += c.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, announced, received, outcome: "end" }));
      res.on("error", (e: NodeJS.ErrnoException) => resolve({ status: res.statusCode ?? 0, announced, received, outcome: e.code ?? e.message }));
      res.on("aborted", () => resolve({ status: res.statusCode ?? 0, announced, received, outcome: "aborted" }));
    });
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ status: 0, announced: 0, received: 0, outcome: e.code ?? e.message }));
    req.end(data);
  });
}

describe("fault DSL", () => {
  it("{ rows: { status: 503, times: 3 } } fails exactly three requests", async () => {
    sim.setFaults({ rows: { status: 503, times: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(sim, "/tables/spend/rows", { body: { pageSize: 1 } })).status);
    expect(statuses).toEqual([503, 503, 503, 200, 200]);
  });

  it.each([500, 502, 504])("serves %i with the variant's error body", async (status) => {
    sim.setFaults({ rows: { status, times: 1 } });
    const r = await call(sim, "/tables/spend/rows", { body: {} });
    expect(r.status).toBe(status);
    expect(r.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  });

  it("serves an HTML proxy page when asked", async () => {
    sim.setFaults({ tables: { status: 502, html: true, times: 1 } });
    const r = await call(sim, "/tables/");
    expect(r.status).toBe(502);
    expect(r.headers.get("content-type")).toMatch(/text\/html/);
    expect(r.text).toMatch(/<html>/);
  });

  it("429 carries Retry-After in each form", async () => {
    sim.setFaults({ rows: [
      { nth: 1, status: 429, retryAfter: "seconds", retryAfterSeconds: 7 },
      { nth: 2, status: 429, retryAfter: "date", retryAfterSeconds: 60 },
      { nth: 3, status: 429, retryAfter: "none" },
      { nth: 4, status: 429, retryAfter: "ratelimit-reset", retryAfterSeconds: 30 },
    ] });
    const a = await call(sim, "/tables/spend/rows", { body: {} });
    expect(a.headers.get("retry-after")).toBe("7");
    const b = await call(sim, "/tables/spend/rows", { body: {} });
    const when = Date.parse(b.headers.get("retry-after")!);
    expect(when - Date.now()).toBeGreaterThan(50_000);
    const c = await call(sim, "/tables/spend/rows", { body: {} });
    expect(c.status).toBe(429);
    expect(c.headers.get("retry-after")).toBeNull();
    const d = await call(sim, "/tables/spend/rows", { body: {} });
    expect(Number(d.headers.get("x-ratelimit-reset")) - Date.now() / 1000).toBeGreaterThan(25);
    expect((await call(sim, "/tables/spend/rows", { body: {} })).status).toBe(200);
  });

  it("the variant sets the default Retry-After form", async () => {
    sim.setVariant({ retryAfter: "date" });
    try {
      sim.setFaults({ tables: { status: 429, times: 1 } });
      const r = await call(sim, "/tables/");
      expect(r.headers.get("retry-after")).toMatch(/GMT$/);
    } finally {
      sim.setVariant({ retryAfter: "seconds" });
    }
  });

  it("reset: sends part of the body, then resets the connection (alias afterRequests)", async () => {
    sim.setFaults({ rows: { reset: { afterRequests: 2 }, times: 1 } });
    expect((await raw("/tables/spend/rows", { pageSize: 500 })).outcome).toBe("end");
    expect((await raw("/tables/spend/rows", { pageSize: 500 })).outcome).toBe("end");
    const r = await raw("/tables/spend/rows", { pageSize: 500 });
    expect(r.status).toBe(200);
    expect(r.outcome).not.toBe("end");
    expect(r.received).toBeLessThan(r.announced);
    await expect(call(sim, "/tables/spend/rows", { body: { pageSize: 500 } })).resolves.toMatchObject({ status: 200 });
  });

  it("truncate: announces the full length but sends less", async () => {
    sim.setFaults({ rows: { truncate: { afterBytes: 100 }, times: 1 } });
    const r = await raw("/tables/spend/rows", { pageSize: 500 });
    expect(r.received).toBe(100);
    expect(r.announced).toBeGreaterThan(100);
    expect(r.outcome).not.toBe("end");
  });

  it("slowMs delays the first byte", async () => {
    sim.setFaults({ tables: { slowMs: 300, times: 1 } });
    const t0 = Date.now();
    expect((await call(sim, "/tables/")).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it("nth, after and any select requests", async () => {
    sim.setFaults({ any: { nth: [2], status: 500 } });
    const s = [];
    for (let i = 0; i < 3; i++) s.push((await call(sim, "/tables/")).status);
    expect(s).toEqual([200, 500, 200]);
    sim.setFaults({ tables: { after: 1, times: 1, status: 504 } });
    expect([(await call(sim, "/tables/")).status, (await call(sim, "/tables/")).status, (await call(sim, "/tables/")).status]).toEqual([200, 504, 200]);
  });

  it("rate faults are deterministic from the seed", async () => {
    const run = async (): Promise<number[]> => {
      sim.setFaults({ seed: 9, tables: { rate: 0.5, status: 503 } });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await call(sim, "/tables/")).status);
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a.filter((s) => s === 503).length).toBeGreaterThan(3);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(3);
  });

  it("repeatToken answers a page with the same token it was given", async () => {
    const first = (await call(sim, "/tables/spend/rows", { body: { pageSize: 10 } })).json as { nextPageToken: string };
    sim.setFaults({ rows: { repeatToken: true } });
    const again = (await call(sim, "/tables/spend/rows", { body: { pageSize: 10, pageToken: first.nextPageToken } })).json as { nextPageToken: string };
    expect(again.nextPageToken).toBe(first.nextPageToken);
  });

  it("faults and counters over the admin routes", async () => {
    await call(sim, "/_sim/counters/reset", { body: {}, token: null });
    const set = await call(sim, "/_sim/faults", { body: { rows: { status: 503, times: 1 } }, token: null });
    expect(set.status).toBe(200);
    expect((await call(sim, "/tables/spend/rows", { body: {} })).status).toBe(503);
    expect((await call(sim, "/tables/spend/rows", { body: {} })).status).toBe(200);
    const c = (await call(sim, "/_sim/counters", { token: null })).json as Record<string, number>;
    expect(c).toMatchObject({ rows: 2, "rows:503": 1, "rows:200": 1 });
    expect((await call(sim, "/_sim/faults", { body: { nope: {} }, token: null })).status).toBe(400);
  });
});
