import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { allRows, call, type RowsPage } from "./helpers/simulator-client.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 7, rows: { spend: 1500, suppliers: 120, contracts: 90 } });
});
afterAll(async () => sim.close());

describe("GET /tables/", () => {
  it("lists the five tables with columns, operators and orderBy", async () => {
    const r = await call(sim, "/tables/");
    expect(r.status).toBe(200);
    const tables = r.json as { id: string; columns: { name: string; dataType: string; supportedOperators: string[] }[]; orderBy: string[] }[];
    expect(tables.map((t) => t.id)).toEqual(["spend", "suppliers", "contracts", "classification_business_units", "classification_spend_categories"]);
    expect(tables).toEqual(sim.tables());
    const spend = tables[0]!;
    expect(spend.orderBy).toEqual(["id"]);
    expect(spend.columns.find((c) => c.name === "amount")).toMatchObject({ dataType: "MONETARY_AMOUNT", supportedOperators: ["eq", "in", "gte", "lte", "between"] });
    expect(spend.columns.find((c) => c.name === "tags")?.supportedOperators).toEqual(["contains_any", "contains_all", "is_empty", "is_not_empty"]);
    const bu = tables[3]!;
    expect(bu.columns.map((c) => c.name)).toContain("level_10_name");
  });
});

describe("auth", () => {
  it("rejects missing, wrong and legacy JWT tokens with 401", async () => {
    expect((await call(sim, "/tables/", { token: null })).status).toBe(401);
    expect((await call(sim, "/tables/", { token: "nope" })).status).toBe(401);
    const jwt = await call(sim, "/tables/", { token: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.abc" });
    expect(jwt.status).toBe(401);
    expect(jwt.text).toMatch(/JWTs\) are no longer supported/);
    expect((await call(sim, "/tables/spend/rows", { body: {}, token: "nope" })).status).toBe(401);
  });

  it("answers 403 for a token without access (also listed by /_sim/info)", async () => {
    const info = (await call(sim, "/_sim/info", { token: null })).json as { noAccessToken: string };
    expect(info.noAccessToken).toBe(sim.noAccessToken);
    const r = await call(sim, "/tables/", { token: sim.noAccessToken });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ error: "forbidden" });
  });
});

describe("POST /tables/{entity}/rows", () => {
  it("pages through every row in orderBy order, matching ground truth", async () => {
    const { rows, pages } = await allRows(sim, "spend", { pageSize: 400 });
    expect(pages).toBe(4);
    const truth = [...sim.rows("spend")].map(({ tags: _t, ...rest }) => rest);
    expect(rows).toEqual(truth);
    const ids = rows.map((r) => r.id as string);
    expect([...ids].sort()).toEqual(ids);
  });

  it("defaults to 1000 rows, excludes STRING_ARRAY unless listed, and projects fields in order", async () => {
    const r = await call(sim, "/tables/spend/rows", { body: {} });
    const page = r.json as RowsPage;
    expect(page.data).toHaveLength(1000);
    expect(page.data[0]).not.toHaveProperty("tags");
    const p = (await call(sim, "/tables/spend/rows", { body: { fields: ["tags", "id"], pageSize: 5 } })).json as RowsPage;
    expect(Object.keys(p.data[0]!)).toEqual(["tags", "id"]);
    expect(Array.isArray(p.data[0]!.tags) || p.data[0]!.tags === null).toBe(true);
  });

  it("writes values in wire form: numbers, YYYY-MM-DD, RFC 3339 Z timestamps, null", async () => {
    const { rows } = await allRows(sim, "spend", { pageSize: 100000 });
    for (const row of rows) {
      expect(typeof row.invoice_date).toBe("string");
      expect(row.invoice_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(row.amount === null || typeof row.amount === "number").toBe(true);
    }
    expect(rows.some((r) => r.amount === null)).toBe(true);
    expect(rows.some((r) => typeof r.amount === "number" && r.amount < 0)).toBe(true);
    expect(rows.some((r) => typeof r.description === "string" && r.description.includes("\n"))).toBe(true);
    expect(rows.some((r) => (r.invoice_date as string) < "1970-01-05")).toBe(true);
    expect(rows.some((r) => (r.invoice_date as string) > "9000-01-01")).toBe(true);
    const updated = rows.map((r) => r.updated_at);
    expect(new Set(updated).size).toBeLessThan(updated.length / 10);
  });

  it("serves only valid DATE and TIMESTAMP values, JSON numbers within 15 significant digits, in every table", async () => {
    for (const t of sim.tables()) {
      const { rows } = await allRows(sim, t.id, { pageSize: 100000, fields: t.columns.map((c) => c.name) });
      expect(rows).toEqual([...sim.rows(t.id)]);
      for (const c of t.columns) {
        for (const r of rows) {
          const v = r[c.name];
          if (v === null) continue;
          if (c.dataType === "DATE") expect(new Date(`${v as string}T00:00:00Z`).toISOString().slice(0, 10)).toBe(v);
          if (c.dataType === "TIMESTAMP") expect(new Date(v as string).toISOString()).toBe(v);
          if (c.dataType === "MONETARY_AMOUNT") expect(String(v).replace(/[-.]/g, "").replace(/^0+/, "").length).toBeLessThanOrEqual(15);
          if (c.dataType === "NUMBER") expect(Math.abs(v as number)).toBeLessThan(2 ** 53);
          if (c.dataType === "STRING_ARRAY") expect(Array.isArray(v)).toBe(true);
        }
      }
    }
  });

  it("applies every operator", async () => {
    const truth = [...sim.rows("spend")];
    const check = async (filters: Record<string, unknown>, pred: (r: Record<string, unknown>) => boolean): Promise<void> => {
      const { rows } = await allRows(sim, "spend", { filters, fields: ["id"], pageSize: 100000 });
      const want = truth.filter(pred).map((r) => r.id);
      expect(rows.map((r) => r.id)).toEqual(want);
      expect(want.length).toBeGreaterThan(0);
    };
    const cur = truth.find((r) => r.currency !== null)!.currency as string;
    await check({ currency: { eq: cur } }, (r) => r.currency === cur);
    await check({ currency: { in: ["NOK", "EUR"] } }, (r) => r.currency === "NOK" || r.currency === "EUR");
    await check({ amount: { gte: 100, lte: 5000 } }, (r) => typeof r.amount === "number" && r.amount >= 100 && r.amount <= 5000);
    await check({ amount: { between: [-500, 0] } }, (r) => typeof r.amount === "number" && r.amount >= -500 && r.amount <= 0);
    await check({ invoice_date: { gte: "2024-01-01" } }, (r) => (r.invoice_date as string) >= "2024-01-01");
    await check({ updated_at: { lte: "2025-06-01T00:00:00Z" } }, (r) => Date.parse(r.updated_at as string) <= Date.parse("2025-06-01T00:00:00Z"));
    await check({ is_contracted: { eq: true } }, (r) => r.is_contracted === true);
    await check({ quantity: { in: [1, 2, 3] } }, (r) => [1, 2, 3].includes(r.quantity as number));
    await check({ tags: { contains_any: ["capex", "it"] } }, (r) => Array.isArray(r.tags) && (r.tags.includes("capex") || r.tags.includes("it")));
    await check({ tags: { contains_all: ["capex", "opex"] } }, (r) => Array.isArray(r.tags) && r.tags.includes("capex") && r.tags.includes("opex"));
    await check({ tags: { is_empty: true } }, (r) => !Array.isArray(r.tags) || r.tags.length === 0);
    await check({ tags: { is_not_empty: true } }, (r) => Array.isArray(r.tags) && r.tags.length > 0);
  });

  it.each([
    [{ filters: { nope: { eq: "x" } } }, "unknown_column"],
    [{ fields: ["id", "nope"] }, "unknown_column"],
    [{ filters: { tags: { eq: "x" } } }, "unsupported_operator"],
    [{ filters: { currency: { gte: "A" } } }, "unsupported_operator"],
    [{ filters: { amount: { eq: "12" } } }, "invalid_filter_value"],
    [{ filters: { invoice_date: { eq: "2024-13-01" } } }, "invalid_filter_value"],
    [{ filters: { updated_at: { gte: "2024-01-01" } } }, "invalid_filter_value"],
    [{ filters: { is_contracted: { eq: "true" } } }, "invalid_filter_value"],
    [{ filters: { amount: { between: [1] } } }, "invalid_filter_value"],
    [{ filters: { tags: { contains_any: Array.from({ length: 101 }, (_, i) => `t${i}`) } } }, "too_many_values"],
    [{ filters: { tags: { is_empty: false } } }, "invalid_filter_value"],
    [{ pageSize: 0 }, "invalid_page_size"],
    [{ pageSize: 100001 }, "invalid_page_size"],
    [{ pageSize: 1.5 }, "invalid_page_size"],
    [{ keyBy: "id" }, "invalid_key_by"],
    [{ pageToken: "garbage" }, "invalid_page_token"],
    [{ sort: "id" }, "unknown_property"],
  ])("rejects %j with 400 %s", async (body, code) => {
    const r = await call(sim, "/tables/spend/rows", { body });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: code });
  });

  it("404s an unknown entity, 400s malformed JSON", async () => {
    expect((await call(sim, "/tables/nope/rows", { body: {} })).status).toBe(404);
    expect((await call(sim, "/tables/spend/rows", { body: "{oops" })).status).toBe(400);
  });

  it("binds page tokens to the body and expires them", async () => {
    const first = (await call(sim, "/tables/spend/rows", { body: { pageSize: 10 } })).json as RowsPage;
    const token = first.nextPageToken!;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const changed = await call(sim, "/tables/spend/rows", { body: { pageSize: 11, pageToken: token } });
    expect(changed.status).toBe(400);
    expect(changed.json).toMatchObject({ error: "page_token_mismatch" });
    const ok = await call(sim, "/tables/spend/rows", { body: { pageSize: 10, pageToken: token } });
    expect(ok.status).toBe(200);
    expect((ok.json as RowsPage).data[0]!.id).toBe("SP0000000010");
    sim.expireAllPageTokens();
    const expired = await call(sim, "/tables/spend/rows", { body: { pageSize: 10, pageToken: token } });
    expect(expired.status).toBe(410);
    expect(expired.json).toMatchObject({ error: "page_token_expired" });
  });

  it("expires tokens after the configured TTL", async () => {
    const s = await startSimulator({ rows: { spend: 50 }, pageTokenTtlSeconds: 0.2 });
    try {
      const first = (await call(s, "/tables/spend/rows", { body: { pageSize: 10 } })).json as RowsPage;
      await new Promise((r) => setTimeout(r, 300));
      const r = await call(s, "/tables/spend/rows", { body: { pageSize: 10, pageToken: first.nextPageToken } });
      expect(r.status).toBe(410);
    } finally {
      await s.close();
    }
  });

  it("bounds the work of a filtered request: fewer rows than pageSize, with a token, until the scan ends", async () => {
    const s = await startSimulator({ rows: { spend: 250_000, suppliers: 10 } });
    try {
      const body = { filters: { id: { eq: "SP0000249999" } }, fields: ["id"], pageSize: 10 };
      const first = (await call(s, "/tables/spend/rows", { body })).json as RowsPage;
      expect(first.data).toEqual([]);
      expect(first.nextPageToken).toBeTruthy();
      const { rows, pages } = await allRows(s, "spend", body);
      expect(rows).toEqual([{ id: "SP0000249999" }]);
      expect(pages).toBe(2);
    } finally {
      await s.close();
    }
  });

  it("keys by label with the collision rules, independent of projection", async () => {
    const r = (await call(sim, "/tables/suppliers/rows", { body: { keyBy: "label", pageSize: 1 } })).json as RowsPage;
    const keys = Object.keys(r.data[0]!);
    expect(keys).toContain("Name");
    expect(keys).toContain("Name (cf_name)");
    expect(keys).toContain("Name (cf_name) #2");
    expect(keys).toContain("Category (cf_category)");
    const p = (await call(sim, "/tables/suppliers/rows", { body: { keyBy: "label", pageSize: 1, fields: ["cf_name_note"] } })).json as RowsPage;
    expect(Object.keys(p.data[0]!)).toEqual(["Name (cf_name) #2"]);
    sim.setVariant({ labelSuffix: "nospace" });
    try {
      const q = (await call(sim, "/tables/suppliers/rows", { body: { keyBy: "label", pageSize: 1, fields: ["cf_name_note"] } })).json as RowsPage;
      expect(Object.keys(q.data[0]!)).toEqual(["Name (cf_name)#2"]);
    } finally {
      sim.setVariant({ labelSuffix: "space" });
    }
  });

  it("classification rows have null levels below the tenant's tree depth", async () => {
    const { rows } = await allRows(sim, "classification_spend_categories", { pageSize: 100000 });
    expect(rows).toHaveLength(1500);
    for (const r of rows) {
      for (let n = 7; n <= 10; n++) expect(r[`level_${n}_id`]).toBeNull();
    }
    expect(rows.some((r) => r.level_6_id !== null)).toBe(true);
  });
});

describe("clock", () => {
  it("inserts, updates (bumping updated_at), deletes, and silently edits custom fields", async () => {
    const s = await startSimulator({ seed: 3, rows: { spend: 300, suppliers: 200 } });
    try {
      const before = new Map([...s.rows("suppliers")].map((r) => [r.id, r]));
      const spendBefore = [...s.rows("spend")].length;
      s.advance(3);
      const after = new Map([...s.rows("suppliers")].map((r) => [r.id, r]));
      const { rows: served } = await allRows(s, "suppliers", { pageSize: 100000, fields: Object.keys(before.values().next().value!) });
      expect(served).toEqual([...after.values()]);
      const inserted = [...after.keys()].filter((k) => !before.has(k));
      const deleted = [...before.keys()].filter((k) => !after.has(k));
      expect(inserted.length).toBe(3);
      expect(deleted.length).toBeGreaterThan(0);
      let bumped = 0;
      let silent = 0;
      for (const [id, a] of after) {
        const b = before.get(id);
        if (!b) continue;
        if (a.updated_at !== b.updated_at) bumped++;
        else if (JSON.stringify(a) !== JSON.stringify(b)) silent++;
      }
      expect(bumped).toBeGreaterThan(0);
      expect(silent).toBeGreaterThan(0);
      expect([...s.rows("spend")].length).toBe(spendBefore + 9 - 3);
    } finally {
      await s.close();
    }
  });

  it("is driven over HTTP by the admin routes", async () => {
    const r = await call(sim, "/_sim/advance", { body: { steps: 2 }, token: null });
    expect(r.json).toMatchObject({ steps: 2, now: "2026-06-01T02:00:00.000Z" });
    const c = await call(sim, "/_sim/counters", { token: null });
    expect((c.json as Record<string, number>).rows).toBeGreaterThan(0);
  });
});
