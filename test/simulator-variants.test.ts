import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { call, type RowsPage } from "./helpers/simulator-client.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rows: { spend: 25 } });
});
afterAll(async () => sim.close());

async function lastPages(): Promise<{ raw: string[]; pages: RowsPage[] }> {
  const raw: string[] = [];
  const pages: RowsPage[] = [];
  let token: string | undefined;
  for (let i = 0; i < 10; i++) {
    const r = await call(sim, "/tables/spend/rows", { body: token ? { pageSize: 10, pageToken: token } : { pageSize: 10 } });
    raw.push(r.text);
    const p = r.json as RowsPage;
    pages.push(p);
    if (!p.nextPageToken) break;
    token = p.nextPageToken;
  }
  return { raw, pages };
}

describe("last page signalling", () => {
  it("absent (default)", async () => {
    const { raw, pages } = await lastPages();
    expect(pages.map((p) => p.data.length)).toEqual([10, 10, 5]);
    expect(raw.at(-1)).not.toContain("nextPageToken");
  });
  it.each([
    ["null", null],
    ["empty", ""],
  ] as const)("%s", async (lastPage, value) => {
    sim.setVariant({ lastPage });
    try {
      const { pages } = await lastPages();
      expect(pages.map((p) => p.data.length)).toEqual([10, 10, 5]);
      expect(pages.at(-1)).toHaveProperty("nextPageToken", value);
    } finally {
      sim.setVariant({ lastPage: "absent" });
    }
  });
  it("emptyPage: a final page with data: [] and no token", async () => {
    sim.setVariant({ lastPage: "emptyPage" });
    try {
      const { raw, pages } = await lastPages();
      expect(pages.map((p) => p.data.length)).toEqual([10, 10, 5, 0]);
      expect(raw.at(-1)).toBe('{"data":[]}');
    } finally {
      sim.setVariant({ lastPage: "absent" });
    }
  });
});

describe("path prefix", () => {
  it("serves the API under apiPrefix only", async () => {
    const s = await startSimulator({ rows: { spend: 5 }, variant: { apiPrefix: "/api/v2" } });
    try {
      expect((await call(s, "/api/v2/tables/")).status).toBe(200);
      expect((await call(s, "/tables/")).status).toBe(404);
      expect((await call(s, "/api/v2/tables/spend/rows", { body: {} })).status).toBe(200);
      expect((await call(s, "/api/v2/datatables")).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe("error body shapes", () => {
  const cases = [
    ["error", (r: { json: unknown; text: string }) => expect(r.json).toEqual({ error: "page_token_expired", message: expect.any(String) })],
    ["code", (r: { json: unknown }) => expect(r.json).toEqual({ code: "page_token_expired", message: expect.any(String) })],
    ["nested", (r: { json: unknown }) => expect(r.json).toEqual({ error: { code: "page_token_expired", message: expect.any(String) } })],
    ["detail", (r: { json: unknown }) => expect(r.json).toMatchObject({ detail: expect.stringContaining("page_token_expired") })],
    ["title", (r: { json: unknown }) => expect(r.json).toMatchObject({ title: expect.stringContaining("page_token_expired") })],
    ["text", (r: { json: unknown; text: string }) => expect(r.text).toMatch(/^page_token_expired: /)],
    ["html", (r: { json: unknown; text: string }) => expect(r.text).toMatch(/<html>.*410 Gone/s)],
  ] as const;
  it.each(cases)("%s", async (errorBody, check) => {
    const first = (await call(sim, "/tables/spend/rows", { body: { pageSize: 2 } })).json as RowsPage;
    sim.expireAllPageTokens();
    sim.setVariant({ errorBody });
    try {
      const r = await call(sim, "/tables/spend/rows", { body: { pageSize: 2, pageToken: first.nextPageToken } });
      expect(r.status).toBe(410);
      check(r);
    } finally {
      sim.setVariant({ errorBody: "error" });
    }
  });
});

describe("variant validation", () => {
  it("rejects unknown fields and values, also over the admin route", async () => {
    expect(() => sim.setVariant({ lastPage: "nope" as never })).toThrow(/lastPage/);
    expect((await call(sim, "/_sim/variant", { body: { bogus: 1 }, token: null })).status).toBe(400);
    const r = await call(sim, "/_sim/variant", { body: { createStatus: 201 }, token: null });
    expect(r.json).toMatchObject({ createStatus: 201, lastPage: "absent" });
    sim.setVariant({ createStatus: 202 });
  });
});
