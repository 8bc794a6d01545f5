/**
 * Given each §14 dialect of the export endpoints and each failure of the export lifecycle, when the built
 * CLI reads spend through an export, then it reads every row (the same records as a rows read), follows
 * the protocol, keeps the token off download hosts and leaves no temp file behind.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startSimulator, type Simulator, type Variant } from "../simulator/index.js";
import type { CliResult } from "./helpers/cli.js";
import { errorTraces, logLines } from "./helpers/protocol.js";
import { runCli } from "./helpers/cli.js";
import { baseConfig, catalogFor, expectValidRead, idsOf, recordsOf } from "./helpers/read-scenario.js";
import { expectSameRecords, privateTmp, read, readOk } from "./export-helpers.js";

const SPEND = ["spend"];
let sim: Simulator;
let rows: CliResult;
const tmp = privateTmp();

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, rows: { spend: 1500 }, maxFileRows: 500, exportDelayMs: 50 });
  rows = await readOk({ sim, streams: SPEND, config: { read_mode: "rows" } });
}, 180_000);
afterAll(async () => {
  await sim?.close();
  tmp.remove();
});

/** Runs a read under a variant and faults, counting the simulator's requests of that read only. */
async function scenario(variant: Partial<Variant>, faults: Parameters<Simulator["setFaults"]>[0], config: Record<string, unknown> = {}) {
  sim.setVariant(variant);
  sim.setFaults(faults);
  sim.resetCounters();
  try {
    const result = await read({ sim, streams: SPEND, config, tmp: tmp.dir });
    return { result, counters: sim.counters() };
  } finally {
    sim.setFaults({});
    sim.setVariant(DEFAULTS);
  }
}
const DEFAULTS: Partial<Variant> = {
  exportStatusPath: "exports", statusUrlIn: "none", createStatus: 202, statusCasing: "lower",
  statusNames: { running: "running", failed: "failed" }, downloadList: "files", fileOrder: "given", downloadHost: "same", deletedExportStatus: 404,
};

function expectComplete(result: CliResult, counters: Record<string, number>): void {
  expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
  expectValidRead(result, SPEND);
  expectSameRecords(result, rows, SPEND);
  expect(counters["download:authorizationHeader"] ?? 0).toBe(0);
  expect(tmp.leftovers()).toEqual([]);
}

describe("every dialect of the export endpoints", () => {
  const cases: [string, Partial<Variant>][] = [
    ["status under /tables/{entity}/exports/{id}, create 200, UPPER words, files[].downloadUrl", { exportStatusPath: "tables", createStatus: 200, statusCasing: "upper", downloadList: "downloadUrl" }],
    ["status URL in Location, create 201, Title words in_progress, files[].href, shuffled files", { statusUrlIn: "location", createStatus: 201, statusCasing: "title", statusNames: { running: "in_progress", failed: "error" }, downloadList: "href", fileOrder: "shuffled" }],
    ["statusUrl field, processing, downloadUrls[], downloads on another host", { statusUrlIn: "statusUrl", statusNames: { running: "processing", failed: "cancelled" }, downloadList: "downloadUrls", downloadHost: "alias" }],
    ["links.self, pending-free default words, urls[]", { statusUrlIn: "links.self", downloadList: "urls", fileOrder: "shuffled" }],
    ["files: [\"…\"] strings", { downloadList: "filesStrings", statusCasing: "upper" }],
  ];
  for (const [name, variant] of cases) {
    test(name, async () => {
      const { result, counters } = await scenario(variant, {});
      expectComplete(result, counters);
      expect(counters["exportCreate"]).toBe(1);
      expect(counters["download"]).toBe(3);
    }, 60_000);
  }

  test("a path prefix inside base_url", async () => {
    sim.setVariant({ apiPrefix: "/api/v2" });
    try {
      const result = await read({ sim, streams: SPEND, config: { base_url: `${sim.url}/api/v2` }, tmp: tmp.dir });
      expectComplete(result, sim.counters());
    } finally {
      sim.setVariant({ apiPrefix: "" });
    }
  }, 60_000);
});

describe("failures of the lifecycle", () => {
  test("an expired signed URL (403 XML) gets a fresh URL from a new status poll", async () => {
    const { result, counters } = await scenario({}, { download: { nth: 2, urlExpired: true } });
    expectComplete(result, counters);
    expect(counters["download:403"]).toBe(1);
    expect(logLines(result.messages).some((l) => /part-00001\.parquet was refused \(403/.test(l))).toBe(true);
    // One poll to see it succeed… plus the one for the fresh URL.
    const baseline = await scenario({}, {});
    expect(counters["exportStatus"]).toBe(baseline.counters["exportStatus"]! + 1);
    expect(result.stdout + result.stderr).not.toMatch(/downloads\/[A-Za-z0-9_-]{20,}/); // no signed URL in any message
  }, 60_000);

  test("each later file gets its URL from a new poll, so URLs that outlive a slow file never answer 403", async () => {
    const brief = await startSimulator({ seed: 5, rows: { spend: 1500 }, maxFileRows: 500, exportDelayMs: 50, downloadUrlTtlSeconds: 2 });
    try {
      brief.setFaults({ download: { nth: 1, slowMs: 2500 } }); // file 0 takes longer than a URL lives
      const result = await readOk({ sim: brief, streams: SPEND });
      expectSameRecords(result, rows, SPEND);
      expect(brief.counters()["download:403"] ?? 0).toBe(0);
      expect(brief.counters()["download:200"]).toBe(3);
    } finally {
      await brief.close();
    }
  }, 60_000);

  test("a connection reset and a cut-short body mid-download resume with Range", async () => {
    const { result, counters } = await scenario({}, { download: [{ nth: 1, reset: { afterBytes: 3000 } }, { nth: 3, truncate: { afterBytes: 5000 } }] });
    expectComplete(result, counters);
    expect(counters["download:reset"]).toBe(1);
    expect(counters["download:truncated"]).toBe(1);
    expect(counters["download:206"]).toBe(2);
    expect(counters["exportCreate"]).toBe(1);
  }, 60_000);

  test("a failed export is created again and then read", async () => {
    const { result, counters } = await scenario({ statusNames: { running: "running", failed: "error" } }, { exportCreate: { nth: 1, exportFailed: true } });
    expectComplete(result, counters);
    expect(counters["exportCreate"]).toBe(2);
    expect(logLines(result.messages).some((l) => /^WARN spend: export \S+ failed \(.+\); creating a new export \(attempt 2 of 3\)/.test(l))).toBe(true);
  }, 60_000);

  test("an export that keeps failing falls back to the rows path after export_max_attempts", async () => {
    const { result, counters } = await scenario({}, { exportCreate: { exportFailed: true } }, { export_max_attempts: 2 });
    expectComplete(result, counters);
    expect(counters["exportCreate"]).toBe(2);
    expect(counters["download"] ?? 0).toBe(0);
    expect(counters["rows"]).toBeGreaterThan(0);
    expect(logLines(result.messages).some((l) => /^WARN spend: export \S+ failed .*gave up after 2 attempts.*reading spend through the rows endpoint instead/.test(l))).toBe(true);
  }, 60_000);

  test.each([403, 400, 404, 405])("an export the API refuses to create (HTTP %i) is read through the rows path", async (status) => {
    const { result, counters } = await scenario({}, { exportCreate: { status } });
    expectComplete(result, counters);
    expect(counters["exportCreate"]).toBe(1);
    expect(counters["download"] ?? 0).toBe(0);
    expect(counters["rows"]).toBeGreaterThan(0);
    const warning = new RegExp(`^WARN spend: the export could not be created \\(.*HTTP ${status}.*\\); reading spend through the rows endpoint instead`);
    expect(logLines(result.messages).some((l) => warning.test(l)), logLines(result.messages).join("\n")).toBe(true);
  }, 60_000);

  test("a create call that fails for another reason (401) fails the read, not falls back", async () => {
    const { result, counters } = await scenario({}, { exportCreate: { status: 401 } });
    expect(result.exitCode).not.toBe(0);
    expect(counters["rows"] ?? 0).toBe(0);
    expect(errorTraces(result.messages).map((t) => t.failure_type)).toContain("config_error");
  }, 60_000);

  test("deleted files (410 on a download) start a new export for the same window", async () => {
    const { result, counters } = await scenario({}, { download: { nth: 2, fileGone: 410 } });
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
    expectValidRead(result, SPEND);
    expect(counters["exportCreate"]).toBe(2);
    expect(logLines(result.messages).some((l) => /^WARN spend: export \S+ or its files are gone \(410/.test(l))).toBe(true);
    // Rows of the first file come twice; every row comes at least once.
    const got = new Set(idsOf(recordsOf(result.messages, "spend"), "id"));
    expect([...got].sort()).toEqual(idsOf(recordsOf(rows.messages, "spend"), "id").sort());
    expect(tmp.leftovers()).toEqual([]);
  }, 60_000);

  test("files that stay gone fail the stream with an error trace, and the temp files are removed", async () => {
    const { result } = await scenario({}, { download: { fileGone: 404 } });
    expect(result.exitCode).not.toBe(0);
    expectValidRead(result, SPEND);
    expect(errorTraces(result.messages)).toHaveLength(1);
    expect(tmp.leftovers()).toEqual([]);
  }, 60_000);

  test("SIGTERM while a file is downloading stops the read; the stream's cleanup (decode thread, temp files) is done before its INCOMPLETE", async () => {
    sim.setFaults({ download: { nth: 2, slowMs: 4000 } });
    try {
      const result = await runCli({
        args: ["read", "--debug"],
        config: baseConfig(sim, { read_mode: "export" }),
        catalog: await catalogFor(baseConfig(sim), SPEND),
        env: { TMPDIR: tmp.dir },
        signalAfterFirstRecord: "SIGTERM",
      });
      expect(result.exitCode).not.toBe(0);
      expect(result.records).toBeGreaterThan(0);
      expect(result.records).toBeLessThan(1500);
      expect(tmp.leftovers()).toEqual([]);
      const cleaned = result.messages.findIndex((m) => m.type === "LOG" && m.log.message === "spend: export read ended; decode thread stopped, temp files closed");
      const incomplete = result.messages.findIndex((m) => m.type === "TRACE" && m.trace.type === "STREAM_STATUS" && m.trace.stream_status.status === "INCOMPLETE");
      expect(cleaned, "the export read's cleanup logged").toBeGreaterThan(0);
      expect(incomplete).toBeGreaterThan(cleaned);
      expect(errorTraces(result.messages).map((t) => t.message)).toEqual([expect.stringMatching(/^The sync was interrupted \(SIGTERM\)/)]);
    } finally {
      sim.setFaults({});
    }
  }, 60_000);
});

describe("a downloaded file that does not decode (full length, garbled bytes)", () => {
  test("once: it is downloaded again, and the read completes with every row", async () => {
    const { result, counters } = await scenario({}, { download: { nth: 1, corrupt: true } });
    expectComplete(result, counters);
    expect(counters["download"]).toBe(4); // part-00000 twice, then the other two
    const warned = logLines(result.messages).filter((l) => l.startsWith("WARN part-00000.parquet did not decode (corrupt or truncated Parquet file: part-00000.parquet); downloading it again"));
    expect(warned).toHaveLength(1);
  }, 60_000);

  test("every time: after 2 downloads the stream fails with a transient error that says so", async () => {
    const { result, counters } = await scenario({}, { download: { corrupt: true } });
    expect(result.exitCode).not.toBe(0);
    expectValidRead(result, SPEND);
    expect(counters["rows"] ?? 0).toBe(0); // not read some other way: the file, not the export, is at fault
    const [error] = errorTraces(result.messages);
    expect(error).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: "spend" } });
    expect(error!.message).toMatch(
      /^part-00000\.parquet of export \S+ did not decode after 2 downloads \(corrupt or truncated Parquet file: part-00000\.parquet\); the file the API serves seems to be damaged\. The next sync tries again\.$/,
    );
    expect(result.records).toBe(0);
    expect(tmp.leftovers()).toEqual([]);
  }, 60_000);
});

describe("a downloaded JSON file whose rows do not parse (full length, garbled bytes)", () => {
  const JSON_EXPORT = { export_format: "json" };

  test("once: it is downloaded again, and the read completes with every row", async () => {
    const { result, counters } = await scenario({}, { download: { nth: 1, corrupt: true } }, JSON_EXPORT);
    expectComplete(result, counters);
    expect(counters["download"]).toBe(4); // part-00000 twice, then the other two
    expect(logLines(result.messages).filter((l) => /^WARN part-00000\.json did not decode \(.*\); downloading it again/.test(l))).toHaveLength(1);
  }, 60_000);

  test("every time: after 2 downloads the stream fails with a transient error that says so", async () => {
    const { result, counters } = await scenario({}, { download: { corrupt: true } }, JSON_EXPORT);
    expect(result.exitCode).not.toBe(0);
    expectValidRead(result, SPEND);
    expect(counters["download"]).toBeLessThanOrEqual(3); // part-00000 twice, and perhaps the next file ahead
    expect(counters["rows"] ?? 0).toBe(0); // not read some other way: the file, not the export, is at fault
    const [error] = errorTraces(result.messages);
    expect(error).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: "spend" } });
    expect(error!.message).toMatch(/^part-00000\.json of export \S+ did not decode after 2 downloads \(.*\); the file the API serves seems to be damaged\. The next sync tries again\.$/);
    expect(tmp.leftovers()).toEqual([]);
  }, 60_000);
});
