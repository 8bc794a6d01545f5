import { get } from "node:http";
import { gunzipSync } from "node:zlib";
import { DataType, tableFromIPC, type Table, type Vector } from "apache-arrow";
import { ParquetFile, readParquet } from "parquet-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator, type Variant } from "../simulator/index.js";
import { allRows, call } from "./helpers/simulator-client.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 11, rows: { spend: 1200, suppliers: 150 }, exportDelayMs: 60 });
});
afterAll(async () => sim.close());

interface Status {
  id: string;
  status: string;
  files?: { url: string; name: string; rowCount: number; sizeBytes: number; expiresAt: string }[];
  [k: string]: unknown;
}

async function runExport(s: Simulator, entity: string, body: Record<string, unknown>, statusPath = (id: string) => `/exports/${id}`): Promise<Status> {
  const created = await call(s, `/tables/${entity}/exports`, { body });
  expect(created.status).toBe(202);
  const job = created.json as Status;
  for (let i = 0; i < 200; i++) {
    const st = (await call(s, statusPath(job.id))).json as Status;
    if (st.status === "succeeded" || st.status === "failed") return st;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("export did not finish");
}

/** Raw download over node:http (fetch would silently undo Content-Encoding: gzip). */
function download(url: string): Promise<{ bytes: Buffer; headers: Headers; status: number }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
        resolve({ bytes: Buffer.concat(chunks), headers, status: res.statusCode ?? 0 });
      });
      res.on("error", reject);
    }).on("error", reject);
  });
}

const pad = (n: number | bigint, w = 2): string => String(n).padStart(w, "0");

/** Arrow value → the rows endpoint's wire form. */
function wire(type: DataType, v: Vector, i: number): unknown {
  if (!v.isValid(i)) return null;
  if (DataType.isTimestamp(type)) {
    // The unit's fraction digits, and Z only for a column with a zone: as the rows endpoint sends them.
    const raw = v.data.length === 1 ? (v.data[0]!.values as BigInt64Array)[i]! : BigInt(v.get(i) as number);
    const digits = [0, 3, 6, 9][type.unit]!;
    const perSec = 10n ** BigInt(digits);
    let secs = raw / perSec, frac = raw % perSec;
    if (frac < 0n) {
      frac += perSec;
      secs -= 1n;
    }
    const text = `${new Date(Number(secs) * 1000).toISOString().slice(0, 19)}${digits === 0 ? "" : `.${pad(frac, digits)}`}`;
    return type.timezone === null ? text : `${text}Z`;
  }
  if (DataType.isDate(type)) return new Date(v.get(i) as number).toISOString().slice(0, 10);
  if (DataType.isDecimal(type)) {
    const words = (v.data[0]!.values as Uint32Array).subarray(i * 4, i * 4 + 4);
    let u = 0n;
    for (let w = 3; w >= 0; w--) u = (u << 32n) | BigInt(words[w]!);
    const x = BigInt.asIntN(128, u);
    const neg = x < 0n;
    const a = neg ? -x : x;
    return Number(`${neg ? "-" : ""}${a / 1_000_000_000n}.${pad(a % 1_000_000_000n, 9)}`);
  }
  if (DataType.isInt(type) && type.bitWidth === 64) return Number(v.get(i) as bigint);
  if (DataType.isList(type)) return [...(v.get(i) as Vector)];
  return v.get(i);
}

function parquetRows(bytes: Uint8Array): { rows: Record<string, unknown>[]; table: Table } {
  const table = tableFromIPC(readParquet(bytes).intoIPCStream());
  const rows: Record<string, unknown>[] = [];
  for (const batch of table.batches) {
    for (let i = 0; i < batch.numRows; i++) {
      const row: Record<string, unknown> = {};
      for (const f of table.schema.fields) {
        const col = batch.getChild(f.name)!;
        row[f.name] = wire(f.type, col, i);
      }
      rows.push(row);
    }
  }
  return { rows, table };
}

function jsonRows(text: string, layout: Variant["jsonLayout"]): Record<string, unknown>[] {
  if (layout === "ndjson") return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
  const v = JSON.parse(text) as Record<string, unknown>[] | { data: Record<string, unknown>[] };
  return Array.isArray(v) ? v : v.data;
}

describe("export lifecycle", () => {
  it("create answers 202 queued with the documented fields; status moves to succeeded", async () => {
    const r = await call(sim, "/tables/spend/exports", { body: {} });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ entity: "spend", status: "queued", format: "json", estimatedBytesProcessed: expect.any(Number) });
    const job = r.json as Status & { createdAt: string; updatedAt: string };
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const seen = new Set<string>();
    for (let i = 0; i < 100 && !seen.has("succeeded"); i++) {
      seen.add(((await call(sim, `/exports/${job.id}`)).json as Status).status);
      await new Promise((res) => setTimeout(res, 10));
    }
    expect([...seen]).toEqual(expect.arrayContaining(["running", "succeeded"]));
    expect((await call(sim, `/exports/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
    expect((await call(sim, `/exports/${job.id}`, { token: null })).status).toBe(401);
  });

  it.each([
    [{ format: "xml" }, "invalid_format"],
    [{ fields: ["nope"] }, "unknown_column"],
    [{ filters: { amount: { eq: "1" } } }, "invalid_filter_value"],
    [{ pageSize: 10 }, "unknown_property"],
  ])("rejects %j", async (body, code) => {
    const r = await call(sim, "/tables/spend/exports", { body });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: code });
  });
});

describe("JSON export files decode to the rows endpoint's rows", () => {
  const layouts: Variant["jsonLayout"][] = ["ndjson", "array", "data"];
  const gz: Variant["gzip"][] = ["none", "header", "name", "magic"];
  const combos = layouts.flatMap((l) => gz.map((g) => [l, g] as const));
  it.each(combos)("layout %s, gzip %s", async (jsonLayout, gzip) => {
    sim.setVariant({ jsonLayout, gzip });
    try {
      const filters = { amount: { gte: 0 } };
      const st = await runExport(sim, "spend", { format: "JSON", filters, fields: ["id", "amount", "updated_at", "tags", "description"] });
      expect(st.status).toBe("succeeded");
      const expected = (await allRows(sim, "spend", { filters, fields: ["id", "amount", "updated_at", "tags", "description"], pageSize: 100000 })).rows;
      const got: Record<string, unknown>[] = [];
      for (const f of st.files!) {
        const d = await download(f.url);
        expect(d.status).toBe(200);
        if (gzip === "name") expect(f.name).toMatch(/\.json\.gz$/);
        else expect(f.name).toMatch(/\.json$/);
        if (gzip === "header") expect(d.headers.get("content-encoding")).toBe("gzip");
        else expect(d.headers.get("content-encoding")).toBeNull();
        const isGz = d.bytes[0] === 0x1f && d.bytes[1] === 0x8b;
        expect(isGz).toBe(gzip !== "none");
        got.push(...jsonRows((isGz ? gunzipSync(d.bytes) : d.bytes).toString("utf8"), jsonLayout));
      }
      expect(got).toEqual(expected);
    } finally {
      sim.setVariant({ jsonLayout: "ndjson", gzip: "none" });
    }
  });
});

describe("Parquet export files decode to the rows endpoint's rows", () => {
  const variants: Partial<Variant>[] = [
    { parquetCompression: "snappy" },
    { parquetCompression: "zstd", timestampUnit: "us", timestampZone: false },
    { parquetCompression: "gzip", timestampUnit: "ns", monetaryAs: "decimal" },
    { parquetCompression: "none", dictionaryStrings: true, int64Columns: true, rowGroupRows: 300 },
  ];
  it.each(variants)("%j", async (variant) => {
    sim.setVariant(variant);
    try {
      const fields = ["id", "amount", "currency", "invoice_date", "quantity", "is_contracted", "created_at", "updated_at", "tags", "description"];
      const st = await runExport(sim, "spend", { format: "parquet", fields });
      expect(st.status).toBe("succeeded");
      const expected = (await allRows(sim, "spend", { fields, pageSize: 100000 })).rows;
      const got: Record<string, unknown>[] = [];
      for (const f of st.files!) {
        expect(f.name).toMatch(/^part-\d{5}\.parquet$/);
        const d = await download(f.url);
        const { rows, table } = parquetRows(d.bytes);
        got.push(...rows);
        const types = Object.fromEntries(table.schema.fields.map((x) => [x.name, String(x.type)]));
        const unit = { ms: "MILLISECOND", us: "MICROSECOND", ns: "NANOSECOND" }[variant.timestampUnit ?? "ms"];
        expect(types.updated_at).toContain(unit);
        expect(String(types.updated_at).includes("UTC")).toBe(variant.timestampZone !== false);
        expect(types.invoice_date).toMatch(/Date32|DateDay|Date<DAY>/);
        expect(types.amount).toMatch(variant.monetaryAs === "decimal" ? /Decimal\[38e-9\]|Decimal/ : /Float64/);
        expect(types.tags).toMatch(/List/);
        if (variant.dictionaryStrings) expect(types.currency).toMatch(/Dictionary/);
        if (variant.int64Columns) expect(types.quantity).toMatch(/Int64/);
        const pf = await ParquetFile.fromFile(new Blob([new Uint8Array(d.bytes)]));
        expect(pf.metadata().numRowGroups()).toBe(Math.ceil(f.rowCount / (variant.rowGroupRows ?? 100_000)));
        pf.free();
      }
      expect(got).toEqual(expected);
    } finally {
      sim.setVariant({ parquetCompression: "snappy", timestampUnit: "ms", timestampZone: true, monetaryAs: "double", dictionaryStrings: false, int64Columns: false, rowGroupRows: 100_000 });
    }
  });

  it("exports every table with default fields", async () => {
    for (const t of sim.tables()) {
      const st = await runExport(sim, t.id, { format: "parquet" });
      const got = st.files!.flatMap((f) => f.rowCount);
      const expected = (await allRows(sim, t.id, { pageSize: 100000 })).rows;
      expect(got.reduce((a, b) => a + b, 0)).toBe(expected.length);
      const rows = (await Promise.all(st.files!.map(async (f) => parquetRows((await download(f.url)).bytes).rows))).flat();
      expect(rows).toEqual(expected);
    }
  });
});

describe("empty exports", () => {
  it.each(["parquet", "json"])("%s: one file with no rows", async (format) => {
    const st = await runExport(sim, "spend", { format, filters: { id: { eq: "nope" } } });
    expect(st.files).toHaveLength(1);
    expect(st.files![0]!.rowCount).toBe(0);
    const d = await download(st.files![0]!.url);
    if (format === "parquet") {
      const { rows, table } = parquetRows(d.bytes);
      expect(rows).toEqual([]);
      expect(table.schema.fields.map((f) => f.name)).toContain("amount");
    } else expect(d.bytes.length).toBe(0);
  });
});

describe("files, URLs and download list variants", () => {
  it("splits files by maxFileRows and shuffles their order when asked", async () => {
    const s = await startSimulator({ rows: { spend: 1000 }, maxFileRows: 300, exportDelayMs: 30, variant: { fileOrder: "shuffled" } });
    try {
      const st = await runExport(s, "spend", { format: "json" });
      const names = st.files!.map((f) => f.name);
      expect([...names].sort()).toEqual(["part-00000.json", "part-00001.json", "part-00002.json", "part-00003.json"]);
      expect(names).not.toEqual([...names].sort());
      expect(st.files!.map((f) => f.rowCount).sort()).toEqual([100, 300, 300, 300]);
    } finally {
      await s.close();
    }
  });

  const shapes: [Variant["downloadList"], (st: Record<string, unknown>) => string[]][] = [
    ["files", (st) => (st.files as { url: string }[]).map((f) => f.url)],
    ["downloadUrls", (st) => st.downloadUrls as string[]],
    ["urls", (st) => st.urls as string[]],
    ["filesStrings", (st) => st.files as string[]],
    ["downloadUrl", (st) => (st.files as { downloadUrl: string }[]).map((f) => f.downloadUrl)],
    ["href", (st) => (st.files as { href: string }[]).map((f) => f.href)],
  ];
  it.each(shapes)("download list %s", async (downloadList, urls) => {
    sim.setVariant({ downloadList });
    try {
      const st = await runExport(sim, "suppliers", {});
      const list = urls(st);
      expect(list.length).toBe(1);
      expect((await download(list[0]!)).status).toBe(200);
    } finally {
      sim.setVariant({ downloadList: "files" });
    }
  });

  it("serves downloads without auth, rejects an Authorization header, supports HEAD and Range", async () => {
    const st = await runExport(sim, "suppliers", {});
    const url = st.files![0]!.url;
    const size = st.files![0]!.sizeBytes;
    const withAuth = await call(sim, url, { token: sim.token });
    expect(withAuth.status).toBe(400);
    expect(sim.counters()["download:apiTokenLeak"]).toBeGreaterThan(0);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(size));
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    const full = (await download(url)).bytes;
    const part = await fetch(url, { headers: { range: "bytes=10-19" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 10-19/${size}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(full.subarray(10, 20));
    const suffix = await fetch(url, { headers: { range: "bytes=-5" } });
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(full.subarray(size - 5));
    expect((await fetch(url, { headers: { range: `bytes=${size + 10}-` } })).status).toBe(416);
    const tampered = url.replace(/\/downloads\/([^/]+)\//, (_m, t: string) => `/downloads/${t.slice(0, -2)}xx/`);
    expect((await fetch(tampered)).status).toBe(403);
  });

  it("URLs expire (403 XML) and fresh ones come from re-polling; exports vanish after retention", async () => {
    const s = await startSimulator({ rows: { spend: 50 }, exportDelayMs: 20, downloadUrlTtlSeconds: 0.2, fileRetentionSeconds: 1.2, variant: { deletedExportStatus: 410 } });
    try {
      const st = await runExport(s, "spend", {});
      await new Promise((r) => setTimeout(r, 300));
      const old = await fetch(st.files![0]!.url);
      expect(old.status).toBe(403);
      expect(await old.text()).toMatch(/<Code>AccessDenied<\/Code>/);
      const fresh = (await call(s, `/exports/${st.id}`)).json as Status;
      expect((await fetch(fresh.files![0]!.url)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await call(s, `/exports/${st.id}`)).status).toBe(410);
      expect((await fetch(fresh.files![0]!.url)).status).toBe(403);
    } finally {
      await s.close();
    }
  });

  it("download faults: early expiry, deleted files, resets", async () => {
    const st = await runExport(sim, "suppliers", {});
    const url = st.files![0]!.url;
    sim.setFaults({ download: [{ nth: 1, urlExpired: true }, { nth: 2, fileGone: 410 }, { nth: 3, fileGone: 404 }, { nth: 4, status: 503 }, { nth: 5, reset: true }] });
    try {
      const a = await fetch(url);
      expect(a.status).toBe(403);
      expect(await a.text()).toMatch(/<Error>/);
      expect((await fetch(url)).status).toBe(410);
      expect((await fetch(url)).status).toBe(404);
      expect((await fetch(url)).status).toBe(503);
      await expect(fetch(url).then((r) => r.arrayBuffer())).rejects.toThrow();
      expect((await fetch(url)).status).toBe(200);
    } finally {
      sim.setFaults({});
    }
  });

  it("export failed faults, on create and on a status poll", async () => {
    sim.setFaults({ exportCreate: { exportFailed: true, times: 1 } });
    const a = await runExport(sim, "spend", {});
    expect(a).toMatchObject({ status: "failed", error: "export_failed", message: expect.any(String) });
    sim.setFaults({ exportStatus: { exportFailed: true, times: 1 } });
    const b = await runExport(sim, "spend", {});
    expect(b.status).toBe("failed");
    sim.setFaults({});
  });
});

describe("status endpoint variants", () => {
  it.each([200, 201] as const)("createStatus %i", async (createStatus) => {
    sim.setVariant({ createStatus });
    try {
      expect((await call(sim, "/tables/spend/exports", { body: {} })).status).toBe(createStatus);
    } finally {
      sim.setVariant({ createStatus: 202 });
    }
  });

  it("exportStatusPath tables serves only /tables/{entity}/exports/{id}", async () => {
    sim.setVariant({ exportStatusPath: "tables" });
    try {
      const st = await runExport(sim, "spend", {}, (id) => `/tables/spend/exports/${id}`);
      expect(st.status).toBe("succeeded");
      expect((await call(sim, `/exports/${st.id}`)).status).toBe(404);
      expect((await call(sim, `/tables/suppliers/exports/${st.id}`)).status).toBe(404);
    } finally {
      sim.setVariant({ exportStatusPath: "exports" });
    }
  });

  it.each(["location", "statusUrl", "links.self"] as const)("status URL in %s wins over both paths", async (statusUrlIn) => {
    sim.setVariant({ statusUrlIn });
    try {
      const r = await call(sim, "/tables/spend/exports", { body: {} });
      const body = r.json as Record<string, unknown> & { id: string; links?: { self: string } };
      const given = statusUrlIn === "location" ? r.headers.get("location")! : statusUrlIn === "statusUrl" ? (body.statusUrl as string) : body.links!.self;
      expect(given).toContain(body.id);
      expect((await call(sim, given)).status).toBe(200);
      expect((await call(sim, `/exports/${body.id}`)).status).toBe(404);
      expect((await call(sim, `/tables/spend/exports/${body.id}`)).status).toBe(404);
    } finally {
      sim.setVariant({ statusUrlIn: "none" });
    }
  });

  it("status words follow casing and names", async () => {
    // Its own simulator with a long running phase (≥ 1 s): on the shared one (60 ms) a loaded machine can finish
    // the export between two polls, and the test would not see the running word at all.
    const slow = await startSimulator({ seed: 11, rows: { spend: 50 }, exportDelayMs: 1500 });
    const pollUntil = async (id: string, done: (status: string) => boolean): Promise<Set<string>> => {
      const seen = new Set<string>();
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((res) => setTimeout(res, 10))) {
        const status = ((await call(slow, `/exports/${id}`)).json as Status).status;
        seen.add(status);
        if (done(status)) break;
      }
      return seen;
    };
    try {
      slow.setVariant({ statusCasing: "upper", statusNames: { running: "in_progress", failed: "cancelled" } });
      const r = await call(slow, "/tables/spend/exports", { body: {} });
      expect((r.json as Status).status).toBe("QUEUED");
      const seen = await pollUntil((r.json as Status).id, (s) => s === "SUCCEEDED");
      expect([...seen]).toEqual(["QUEUED", "IN_PROGRESS", "SUCCEEDED"]);
      slow.setFaults({ exportCreate: { exportFailed: true } });
      slow.setVariant({ statusCasing: "title" });
      const id = ((await call(slow, "/tables/spend/exports", { body: {} })).json as Status).id;
      const seenFailed = await pollUntil(id, (s) => s === "Cancelled");
      expect([...seenFailed]).toEqual(["Queued", "In_progress", "Cancelled"]);
    } finally {
      await slow.close();
    }
  });

  it("download URLs on an alias host", async () => {
    sim.setVariant({ downloadHost: "alias" });
    try {
      const st = await runExport(sim, "suppliers", {});
      const u = new URL(st.files![0]!.url);
      expect(u.hostname).toBe("localhost");
      expect(u.host).not.toBe(new URL(sim.url).host);
      expect((await download(st.files![0]!.url)).status).toBe(200);
    } finally {
      sim.setVariant({ downloadHost: "same" });
    }
  });
});

describe("wide numbers and timestamp precision: rows, JSON files and Parquet carry the same values", () => {
  /** `"col":literal` of each row in JSON text, by id (rows pages and NDJSON files alike). */
  const literals = (text: string, col: string): Map<string, string> =>
    new Map([...text.matchAll(new RegExp(`"id":"([^"]+)"[^\\n]*?"${col}":(-?[\\d.eE+]+|null|"[^"]*")`, "g"))].map((m) => [m[1]!, m[2]!]));
  const fields = ["id", "amount", "quantity", "updated_at"];

  it("wideNumbers: int64 beyond 2^53 and long decimals, digit for digit, in every form", async () => {
    sim.setVariant({ wideNumbers: true, jsonLayout: "ndjson", gzip: "none" });
    try {
      const truth = new Map([...sim.rows("spend")].map((r) => [String(r["id"]), r]));
      const asText = (x: unknown): string => (x === null ? "null" : typeof x === "object" ? (x as { text: string }).text : String(x));
      const rowsText = (await call(sim, "/tables/spend/rows", { body: { fields, pageSize: 100000 } })).text;
      const quantity = literals(rowsText, "quantity"), amount = literals(rowsText, "amount");
      expect(quantity.size).toBe(truth.size);
      const wide = [...truth.values()].filter((r) => typeof r["quantity"] === "bigint");
      expect(wide.length).toBeGreaterThan(truth.size / 8);
      expect(wide.map((r) => r["quantity"])).toEqual(expect.arrayContaining([2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n + 1n)]));
      expect([...truth.values()].some((r) => /^-?\d{20,}\.\d{9}$/.test(asText(r["amount"])))).toBe(true);
      for (const [id, r] of truth) {
        expect(quantity.get(id), id).toBe(asText(r["quantity"]));
        expect(amount.get(id), id).toBe(asText(r["amount"]));
      }

      const json = await runExport(sim, "spend", { format: "json", fields });
      const jsonText = Buffer.concat(await Promise.all(json.files!.map(async (f) => (await download(f.url)).bytes))).toString("utf8");
      expect(literals(jsonText, "quantity")).toEqual(quantity);
      expect(literals(jsonText, "amount")).toEqual(amount);

      const parquet = await runExport(sim, "spend", { format: "parquet", fields });
      for (const f of parquet.files!) {
        const table = tableFromIPC(readParquet((await download(f.url)).bytes).intoIPCStream());
        expect(String(table.schema.fields.find((x) => x.name === "quantity")!.type)).toMatch(/Int64/);
        expect(String(table.schema.fields.find((x) => x.name === "amount")!.type)).toMatch(/Decimal/);
        for (const batch of table.batches) {
          const ids = batch.getChild("id")!, q = batch.getChild("quantity")!, a = batch.getChild("amount")!;
          for (let i = 0; i < batch.numRows; i++) {
            const id = String(ids.get(i));
            expect(q.isValid(i) ? String((q.data[0]!.values as BigInt64Array)[i]) : "null", id).toBe(quantity.get(id));
            if (!a.isValid(i)) expect(amount.get(id)).toBe("null");
            else {
              const words = (a.data[0]!.values as Uint32Array).subarray(i * 4, i * 4 + 4);
              let u = 0n;
              for (let w = 3; w >= 0; w--) u = (u << 32n) | BigInt(words[w]!);
              const x = BigInt.asIntN(128, u);
              const text = `${x < 0n ? "-" : ""}${(x < 0n ? -x : x) / 10n ** 9n}.${pad((x < 0n ? -x : x) % 10n ** 9n, 9)}`;
              expect(text.replace(/0+$/, "").replace(/\.$/, ""), id).toBe(amount.get(id)); // decimal(38,9), fraction trimmed
            }
          }
        }
      }
    } finally {
      sim.setVariant({ wideNumbers: false });
    }
  });

  it.each([
    ["us", true, /^"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z"$/],
    ["ns", false, /^"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}"$/],
  ] as const)("timestampUnit %s, zone %s: rows and JSON files carry the unit's digits, filters compare at that precision", async (timestampUnit, timestampZone, shape) => {
    sim.setVariant({ timestampUnit, timestampZone, jsonLayout: "ndjson", gzip: "none" });
    try {
      const rowsText = (await call(sim, "/tables/spend/rows", { body: { fields, pageSize: 100000 } })).text;
      const updated = literals(rowsText, "updated_at");
      for (const t of updated.values()) expect(t).toMatch(shape);
      // Rows that share an updated_at (runs of 50) still share it at full precision.
      expect(new Set(updated.values()).size).toBeLessThan(updated.size / 10);
      const json = await runExport(sim, "spend", { format: "json", fields });
      const jsonText = Buffer.concat(await Promise.all(json.files!.map(async (f) => (await download(f.url)).bytes))).toString("utf8");
      expect(literals(jsonText, "updated_at")).toEqual(updated);
      // gte the exact value includes the rows that carry it; one unit (the last digit + 1) later excludes them.
      const utc = [...updated.values()].map((t) => (JSON.parse(t) as string).replace(/Z?$/, "Z"));
      const value = utc.find((t) => !t.endsWith("9Z"))!;
      const later = value.replace(/(\d)Z$/, (_, d: string) => `${Number(d) + 1}Z`);
      const count = async (gte: string): Promise<number> => (await allRows(sim, "spend", { fields: ["id"], filters: { updated_at: { gte } }, pageSize: 100000 })).rows.length;
      const atOrAfter = utc.filter((t) => t >= value).length;
      expect(await count(value)).toBe(atOrAfter);
      expect(await count(later)).toBe(atOrAfter - utc.filter((t) => t === value).length);
    } finally {
      sim.setVariant({ timestampUnit: "ms", timestampZone: true });
    }
  });
});
