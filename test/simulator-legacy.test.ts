import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { call } from "./helpers/simulator-client.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 5, legacyTables: 4 });
});
afterAll(async () => sim.close());

interface LegacyPage {
  next?: string;
  totalCount: number | string;
  data: Record<string, unknown>[];
}

async function readAll(tableId: string, body?: Record<string, unknown>): Promise<{ rows: Record<string, unknown>[]; pages: LegacyPage[] }> {
  const pages: LegacyPage[] = [];
  let r = await call(sim, `/datatables/rows?dataTableId=${encodeURIComponent(tableId)}`, body ? { body } : {});
  for (;;) {
    expect(r.status).toBe(200);
    const p = r.json as LegacyPage;
    pages.push(p);
    if (!p.next) break;
    const v = sim.variant().legacyNext;
    const next =
      v === "absolute" ? p.next : v === "relative" ? `${sim.url}${p.next}` : `/datatables/rows?dataTableId=${encodeURIComponent(tableId)}&next=${encodeURIComponent(p.next)}`;
    r = await call(sim, next);
  }
  return { rows: pages.flatMap((p) => p.data), pages };
}

describe("deprecated data tables", () => {
  it("GET /datatables lists tables with non-UUID ids and columns", async () => {
    const r = await call(sim, "/datatables");
    expect(r.status).toBe(200);
    const list = r.json as { id: string; name: string; globalType: string; columns: { label: string }[] }[];
    expect(list).toHaveLength(4);
    expect(list.map((t) => t.id)).toEqual(sim.legacyTables().map((t) => t.id));
    expect(list[0]!.id).toMatch(/-jh/);
    expect(list[0]).toMatchObject({ globalType: "", columns: expect.arrayContaining([expect.objectContaining({ label: "Beløp (NOK)" })]) });
    expect((await call(sim, "/datatables", { token: null })).status).toBe(401);
  });

  it("GET pages 10000 rows at a time with absolute next and numeric totalCount", async () => {
    const truth = sim.legacyTables()[0]!;
    const { rows, pages } = await readAll(truth.id);
    expect(pages.map((p) => p.data.length)).toEqual([10000, 2345]);
    expect(pages[0]!.totalCount).toBe(12345);
    expect(pages[0]!.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/datatables\/rows\?/);
    expect(rows).toEqual(truth.rows);
  });

  it.each(["relative", "cursor"] as const)("next as %s, totalCount as a string", async (legacyNext) => {
    sim.setVariant({ legacyNext, legacyTotalCount: "string" });
    try {
      const truth = sim.legacyTables()[0]!;
      const { rows, pages } = await readAll(truth.id, { size: 5000 });
      expect(pages.map((p) => p.data.length)).toEqual([5000, 5000, 2345]);
      expect(pages[0]!.totalCount).toBe("12345");
      if (legacyNext === "relative") expect(pages[0]!.next).toMatch(/^\/datatables\/rows\?/);
      else expect(pages[0]!.next).not.toContain("/");
      expect(rows).toEqual(truth.rows);
    } finally {
      sim.setVariant({ legacyNext: "absolute", legacyTotalCount: "number" });
    }
  });

  it("POST with columnFilter and lastModifiedDateFilter (absolute and relative dates)", async () => {
    const truth = sim.legacyTables()[0]!;
    const now = sim.now();
    const cases: [Record<string, string>, (t: number) => boolean][] = [
      [{ gte: "now-1M" }, (t) => t >= new Date(new Date(now).setUTCMonth(new Date(now).getUTCMonth() - 1)).getTime()],
      [{ gte: "now-2w", lte: "now-3d" }, (t) => t >= now - 14 * 86_400_000 && t <= now - 3 * 86_400_000],
      [{ gte: "now-1y" }, (t) => t >= Date.UTC(2025, 5, 1)],
      [{ gte: "now-36h", lte: "now-90m" }, (t) => t >= now - 36 * 3_600_000 && t <= now - 90 * 60_000],
      [{ gte: "now-100H" }, (t) => t >= now - 100 * 3_600_000],
      [{ gte: "now-86400s" }, (t) => t >= now - 86_400_000],
      [{ gte: "2026-05-01", lte: "2026-05-10" }, (t) => t >= Date.UTC(2026, 4, 1) && t < Date.UTC(2026, 4, 11)],
    ];
    for (const [filter, pred] of cases) {
      const { rows, pages } = await readAll(truth.id, { size: 10000, columnFilter: { include: ["Row ID", "Last modified"] }, lastModifiedDateFilter: filter });
      const want = truth.rows.filter((r) => pred(Date.parse(r["Last modified"] as string))).map((r) => ({ "Row ID": r["Row ID"], "Last modified": r["Last modified"] }));
      expect(rows, JSON.stringify(filter)).toEqual(want);
      expect(pages[0]!.totalCount).toBe(want.length);
      expect(want.length).toBeGreaterThan(0);
    }
  });

  it("validates size, filters and table id", async () => {
    const id = sim.legacyTables()[0]!.id;
    const post = (body: unknown) => call(sim, `/datatables/rows?dataTableId=${id}`, { body });
    expect((await post({ size: 10001 })).status).toBe(400);
    expect((await post({ size: 0 })).status).toBe(400);
    expect((await post({ columnFilter: { include: ["Nope"] } })).status).toBe(400);
    expect((await post({ columnFilter: ["Row ID"] })).status).toBe(400);
    expect((await post({ lastModifiedDateFilter: { gte: "yesterday" } })).status).toBe(400);
    expect((await post({ lastModifiedDateFilter: { gte: "now-1q" } })).status).toBe(400);
    expect((await call(sim, "/datatables/rows")).status).toBe(400);
    expect((await call(sim, "/datatables/rows?dataTableId=nope")).status).toBe(404);
    expect((await call(sim, `/datatables/rows?dataTableId=${id}&cursor=forged.x`)).status).toBe(400);
  });

  it("clock steps edit legacy rows and bump their last-modified time", async () => {
    const s = await startSimulator({ legacyTables: 1 });
    try {
      const before = s.legacyTables()[0]!.rows;
      s.advance(1);
      const after = s.legacyTables()[0]!.rows;
      const changed = after.filter((r, i) => JSON.stringify(r) !== JSON.stringify(before[i]));
      expect(changed.length).toBeGreaterThan(0);
      for (const r of changed) expect(r["Last modified"]).toBe(new Date(s.now()).toISOString());
      const { json } = await call(s, `/datatables/rows?dataTableId=${s.legacyTables()[0]!.id}`, { body: { lastModifiedDateFilter: { gte: "now-1m" } } });
      expect((json as LegacyPage).data).toHaveLength(changed.length);
    } finally {
      await s.close();
    }
  });
});
