/**
 * IgniteClient against the simulator over loopback HTTP, across the §14 variants it plays: error-body
 * shapes, Retry-After forms, last-page forms, export status paths and status URLs, downloads (which the
 * simulator rejects when they carry Authorization), expired URLs, path prefixes, resets and truncation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator, type Variant } from "../simulator/index.js";
import type { ConnectorConfig } from "../spec/config.js";
import { IgniteClient, type ExportHandle } from "../streams/http/client.js";
import { DEFAULT_ENDPOINTS } from "../streams/http/endpoints.js";
import { ApiError } from "../streams/http/http-errors.js";
import type { Logger } from "../streams/contract/stream.js";

let sim: Simulator;
const logs: string[] = [];
const logger: Logger = { log: (l, m) => logs.push(`${l} ${m}`), info: (m) => logs.push(m), warn: (m) => logs.push(m), debug: (m) => logs.push(m) };

beforeAll(async () => {
  sim = await startSimulator({ rows: { spend: 120, suppliers: 10, contracts: 10 }, exportDelayMs: 50 });
});
afterAll(() => sim.close());

function client(over: Partial<ConnectorConfig> = {}, waits: number[] = []): IgniteClient {
  const config: ConnectorConfig = {
    api_token: sim.token, base_url: sim.url, read_mode: "auto", export_format: "parquet", page_size: 1000,
    lookback_window: "PT1H", full_snapshot_interval_days: 7, column_keys: "name", filters: {},
    max_concurrent_streams: 2, request_timeout_seconds: 10, retry_budget_seconds: 60,
    export_poll_timeout_minutes: 10, export_max_attempts: 3, legacy_data_tables: "off",
    endpoints: { ...DEFAULT_ENDPOINTS }, ...over,
  };
  // Waits are recorded, not slept; the clock stays real because the simulator dates its hints by real time.
  return new IgniteClient({
    config,
    logger,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
}

async function withVariant<T>(variant: Partial<Variant>, fn: () => Promise<T>): Promise<T> {
  const before = sim.variant();
  sim.setVariant(variant);
  try {
    return await fn();
  } finally {
    sim.setVariant(before);
  }
}

async function allPages(c: IgniteClient): Promise<number> {
  let token: string | undefined;
  let rows = 0;
  for (let pages = 0; pages < 100; pages++) {
    const page = await c.fetchRows("spend", { pageSize: 50, ...(token === undefined ? {} : { pageToken: token }) });
    rows += page.data.length;
    token = page.nextPageToken;
    if (token === undefined) return rows;
  }
  throw new Error("did not end");
}

async function waitForSuccess(c: IgniteClient, handle: ExportHandle): Promise<ExportHandle> {
  for (let i = 0; i < 200; i++) {
    const status = await c.getExport(handle);
    if (/succeeded/i.test(status.status)) return status;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("export did not finish");
}

function firstUrl(status: ExportHandle): string {
  const files = status.body["files"] as { url: string }[];
  return files[0]!.url;
}

describe("client × simulator", () => {
  for (const lastPage of ["absent", "null", "empty", "emptyPage"] as const) {
    it(`pages end cleanly when the last page is '${lastPage}'`, async () => {
      const c = client();
      try {
        expect(await withVariant({ lastPage }, () => allPages(c))).toBe(120);
      } finally {
        await c.close();
      }
    });
  }

  for (const errorBody of ["error", "code", "nested", "detail", "title", "text", "html"] as const) {
    it(`401 is understood with the '${errorBody}' error body`, async () => {
      const c = client({ api_token: "wrong-token-value-123" });
      try {
        const error = await withVariant({ errorBody }, () => c.listTables().then(() => undefined, (e: unknown) => e));
        expect(error).toBeInstanceOf(ApiError);
        expect((error as ApiError).status).toBe(401);
        expect((error as ApiError).failureType).toBe("config_error");
        expect((error as ApiError).message.length).toBeLessThan(500);
        expect((error as ApiError).message).not.toContain("wrong-token-value-123");
      } finally {
        await c.close();
      }
    });
  }

  for (const retryAfter of ["seconds", "date", "ratelimit-reset", "none"] as const) {
    it(`honours the server's wait on 429 (${retryAfter})`, async () => {
      const waits: number[] = [];
      const c = client({}, waits);
      sim.setFaults({ rows: { times: 2, status: 429, retryAfter, retryAfterSeconds: 4 } });
      try {
        const limited: (number | undefined)[] = [];
        await c.fetchRows("spend", { pageSize: 1 }, { onRateLimited: (at) => limited.push(at) });
        expect(waits).toHaveLength(2);
        expect(limited).toHaveLength(2);
        if (retryAfter === "none") {
          expect(limited).toEqual([undefined, undefined]);
        } else {
          // An HTTP date has whole seconds, so up to one second less.
          for (const w of waits) expect(w).toBeGreaterThanOrEqual(retryAfter === "date" ? 2900 : 3900);
          for (const w of waits) expect(w).toBeLessThanOrEqual(5000);
        }
      } finally {
        sim.setFaults({});
        await c.close();
      }
    });
  }

  it("retries resets and truncated bodies on rows", async () => {
    const c = client();
    sim.setFaults({ rows: [{ nth: 1, reset: { afterBytes: 30 } }, { nth: 2, truncate: { afterBytes: 40 } }, { nth: 3, status: 502, html: true }] });
    try {
      const page = await c.fetchRows("spend", { pageSize: 10 });
      expect(page.data).toHaveLength(10);
    } finally {
      sim.setFaults({});
      await c.close();
    }
  });

  const exportVariants: Partial<Variant>[] = [
    {},
    { exportStatusPath: "tables", createStatus: 200 },
    { statusUrlIn: "location", createStatus: 201 },
    { statusUrlIn: "statusUrl" },
    { statusUrlIn: "links.self", apiPrefix: "/api/v2" },
  ];
  for (const variant of exportVariants) {
    it(`export create → status → download without Authorization (${JSON.stringify(variant)})`, async () => {
      const c = client(variant.apiPrefix === undefined ? {} : { base_url: `${sim.url}${variant.apiPrefix}` });
      try {
        await withVariant(variant, async () => {
          const created = await c.createExport("spend", { format: "json" });
          const done = await waitForSuccess(c, created);
          const url = firstUrl(done);
          const whole = await c.download(url);
          const chunks: Buffer[] = [];
          for await (const chunk of whole.body) chunks.push(chunk as Buffer);
          const bytes = Buffer.concat(chunks);
          expect(whole.status).toBe(200);
          expect(bytes.length).toBeGreaterThan(100);
          const tail = await c.download(url, { rangeStart: 100 });
          let rest = 0;
          for await (const chunk of tail.body) rest += (chunk as Buffer).length;
          expect([tail.status, tail.offset, rest]).toEqual([206, 100, bytes.length - 100]);
          expect(sim.counters()["download:authorizationHeader"]).toBeUndefined();
        });
      } finally {
        await c.close();
      }
    });
  }

  it("an expired download URL asks for a refresh and never shows the URL", async () => {
    const c = client();
    try {
      const done = await waitForSuccess(c, await c.createExport("spend", { format: "json" }));
      const url = firstUrl(done);
      sim.setFaults({ download: { times: 1, urlExpired: true } });
      const error = (await c.download(url).then(() => undefined, (e: unknown) => e)) as ApiError;
      expect(error).toBeInstanceOf(ApiError);
      expect(error.action).toBe("refresh-url");
      const signature = new URL(url).pathname.split("/")[2]!;
      expect([error.message, error.internal ?? "", ...logs].join("\n")).not.toContain(signature);
    } finally {
      sim.setFaults({});
      await c.close();
    }
  });

  it("the token never appears in any log line", () => {
    expect(logs.join("\n")).not.toContain(sim.token);
  });
});
