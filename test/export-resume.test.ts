/**
 * Given export reads SIGKILLed while polling, downloading and decoding, when each run resumes with the last
 * STATE it printed, then the records committed before each kill plus the last run's cover every row, the
 * resumed runs take up the same export at its saved file and row, and no kill leaves a file in TMPDIR.
 * Also: expired and deleted saved exports, the read_mode dispatch, and the incremental cursor taken from
 * Arrow timestamps.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startSimulator, type Simulator } from "../simulator/index.js";
import type { CliResult } from "./helpers/cli.js";
import { committedRecords, expectValidRead, idsOf, recordsOf, stateFrom } from "./helpers/read-scenario.js";
import { lastStreamState, positionOf, privateTmp, read, readOk } from "./export-helpers.js";
import { logLines } from "./helpers/protocol.js";

const SPEND = ["spend"];
const N = 9000;
const FILE_ROWS = 3000;
let sim: Simulator;
let allIds: string[];

beforeAll(async () => {
  // 3 files of 3000 rows, row groups (= Parquet batches) of 500.
  sim = await startSimulator({ seed: 3, rows: { spend: N }, maxFileRows: FILE_ROWS, exportDelayMs: 50, variant: { rowGroupRows: 500 } });
  allIds = [...sim.rows("spend")].map((r) => String(r["id"]));
}, 180_000);
afterAll(async () => sim?.close());

interface Chain {
  runs: CliResult[];
  resumedAt: string[];
  /** What each killed run left in its TMPDIR. */
  leftAfterKills: string[][];
}

/**
 * Runs, kills once `at` rows of the whole table have been printed (counting from the saved position, with
 * files of FILE_ROWS rows), resumes from the last printed state, and finally runs to the end.
 */
async function killChain(at: number[], config: Record<string, unknown>, tmp = privateTmp()): Promise<Chain> {
  const runs: CliResult[] = [];
  const leftAfterKills: string[][] = [];
  let state: unknown[] = [];
  for (const target of [...at, undefined]) {
    const saved = runs.length === 0 ? undefined : positionOf(lastStreamState(runs.at(-1)!.messages, "spend"));
    const done = saved === undefined ? 0 : Number(saved["file_index"]) * FILE_ROWS + Number(saved["row_offset"]);
    const kill = target === undefined ? undefined : target - done;
    const result = await read({ sim, streams: SPEND, config, tmp: tmp.dir, ...(state.length > 0 && { state }), ...(kill !== undefined && { killAfterRecords: kill }) });
    if (kill !== undefined) {
      expect(result.signal, `run killed after ${kill} records`).toBe("SIGKILL");
      leftAfterKills.push(tmp.leftovers());
    }
    runs.push(result);
    state = stateFrom(result.messages, state);
  }
  const resumedAt = runs.flatMap((r) => logLines(r.messages).filter((l) => /resuming export/.test(l)));
  expect(tmp.leftovers()).toEqual([]);
  tmp.remove();
  return { runs, resumedAt, leftAfterKills };
}

function expectEveryRowOnce(chain: Chain): void {
  const last = chain.runs.at(-1)!;
  expect(last.exitCode, last.stderr.slice(-2000)).toBe(0);
  expectValidRead(last, SPEND);
  // What a destination keeps: records before each killed run's last STATE, and all of the final run.
  const kept = [...chain.runs.slice(0, -1).flatMap((r) => committedRecords(r.messages, "spend")), ...recordsOf(last.messages, "spend")];
  const ids = idsOf(kept, "id");
  expect(new Set(ids).size).toBe(N);
  expect([...new Set(ids)].sort()).toEqual([...allIds].sort());
  // Resumes continue where the state says: nothing is read twice.
  expect(ids.length).toBe(N);
}

describe("SIGKILL at several points, then resume", () => {
  test("parquet: mid-batch in file 0, at the file boundary while downloading file 1 (slow), mid file 2", async () => {
    sim.resetCounters();
    // Download 3 is file 1 in the second run: slow, so the kill at the end of file 0 lands in it.
    sim.setFaults({ download: { nth: 3, slowMs: 2500 } });
    try {
      const chain = await killChain([1250, 3000, 6700], { export_format: "parquet" });
      expectEveryRowOnce(chain);
      expect(sim.counters()["exportCreate"]).toBe(1); // every resume took up the same export
      expect(chain.resumedAt).toHaveLength(3);
      // Where exactly depends on how much output left before the kill; each kill lands inside a file or download.
      expect(chain.resumedAt[0]).toMatch(/at file 0, row [1-9]\d*$/);
      // Killed during file 1's (slow) download; its last STATE may or may not have left before the kill.
      expect(chain.resumedAt[1]).toMatch(/at file (1, row 0|0, row (2500|3000))$/);
      expect(chain.resumedAt[2]).toMatch(/at file 2, row \d+$/);
      // A SIGKILL, even mid-download, leaves nothing in TMPDIR: the temp files had no name, only descriptors.
      expect(chain.leftAfterKills).toEqual([[], [], []]);
    } finally {
      sim.setFaults({});
    }
  }, 180_000);

  test("json: killed inside a file's batch and between files", async () => {
    sim.resetCounters();
    sim.setVariant({ jsonLayout: "array", gzip: "magic" });
    try {
      const chain = await killChain([1500, 4000], { export_format: "json" });
      expectEveryRowOnce(chain);
      expect(sim.counters()["exportCreate"]).toBe(1);
      expect(chain.resumedAt).toHaveLength(2);
    } finally {
      sim.setVariant({ jsonLayout: "ndjson", gzip: "none" });
    }
  }, 180_000);

  test("killed while the export is still running: the resumed run polls the same export", async () => {
    const slow = await startSimulator({ seed: 3, rows: { spend: 2000 }, exportDelayMs: 9000 });
    try {
      const first = await read({ sim: slow, streams: SPEND, timeoutMs: 5000 });
      expect(first.signal).toBe("SIGKILL");
      expect(first.records).toBe(0);
      const saved = positionOf(lastStreamState(first.messages, "spend"));
      expect(saved).toMatchObject({ path: "export", file_index: 0, row_offset: 0 });
      const second = await readOk({ sim: slow, streams: SPEND, state: stateFrom(first.messages) });
      expect(logLines(second.messages).some((l) => l.includes(`resuming export ${String(saved!["export_id"])} at file 0, row 0`))).toBe(true);
      expect(slow.counters()["exportCreate"]).toBe(1);
      expect(recordsOf(second.messages, "spend")).toHaveLength(2000);
    } finally {
      await slow.close();
    }
  }, 120_000);
});

describe("saved exports that can no longer be resumed", () => {
  test("files deleted on the server (404 on the status) → a new export; nothing is lost", async () => {
    const short = await startSimulator({ seed: 3, rows: { spend: 3000 }, maxFileRows: 1000, exportDelayMs: 50, fileRetentionSeconds: 4 });
    try {
      const first = await read({ sim: short, streams: SPEND, killAfterRecords: 1500 });
      await sleep(4500);
      // Under load the first run may itself outlive a 4 s retention and re-create its export; count the second run only.
      short.resetCounters();
      const second = await readOk({ sim: short, streams: SPEND, state: stateFrom(first.messages) });
      expect(logLines(second.messages).some((l) => /^WARN spend: saved export \S+ is gone \(404\)/.test(l))).toBe(true);
      expect(short.counters()["exportCreate"]).toBe(1);
      const ids = new Set(idsOf([...committedRecords(first.messages, "spend"), ...recordsOf(second.messages, "spend")], "id"));
      expect(ids.size).toBe(3000);
    } finally {
      await short.close();
    }
  }, 120_000);

  test("a saved export older than the 7-day retention is not resumed: a new one is created", async () => {
    sim.resetCounters();
    const first = await read({ sim, streams: SPEND, killAfterRecords: 800 });
    const state = stateFrom(first.messages) as { stream: { stream_state: { sync: { position: { created_at: string } } } } }[];
    state[0]!.stream.stream_state.sync.position.created_at = new Date(Date.now() - 7 * 86_400_000).toISOString();
    sim.resetCounters();
    const second = await readOk({ sim, streams: SPEND, state });
    expect(logLines(second.messages).some((l) => /not resuming from the saved position because export \S+ was created at .* deleted after 7 days/.test(l))).toBe(true);
    expect(sim.counters()["exportCreate"]).toBe(1);
    expect(sim.counters()["exportStatus"]).toBeGreaterThan(0);
    expect(recordsOf(second.messages, "spend")).toHaveLength(N);
  }, 120_000);
});

test("a saved export of another request (here: another format) is not resumed", async () => {
  sim.resetCounters();
  const first = await read({ sim, streams: SPEND, config: { export_format: "parquet" }, killAfterRecords: 800 });
  const second = await readOk({ sim, streams: SPEND, config: { export_format: "json" }, state: stateFrom(first.messages) });
  expect(logLines(second.messages).some((l) => /not resuming from the saved position because the request changed since/.test(l))).toBe(true);
  expect(sim.counters()["exportCreate"]).toBe(2);
  expect(recordsOf(second.messages, "spend")).toHaveLength(N);
}, 120_000);

describe("read_mode", () => {
  test("auto: first incremental sync by export, the next by rows; the cursor equals the rows path's", async () => {
    sim.setVariant({ timestampUnit: "ns", timestampZone: false });
    try {
      sim.resetCounters();
      const first = await readOk({ sim, streams: SPEND, mode: "incremental", config: { read_mode: "auto" } });
      expect(sim.counters()["exportCreate"]).toBe(1);
      expect(sim.counters()["rows"] ?? 0).toBe(0);
      const byRows = await readOk({ sim, streams: SPEND, mode: "incremental", config: { read_mode: "rows" } });
      const cursor = lastStreamState(first.messages, "spend")?.["cursor"];
      expect(cursor).toBeDefined();
      expect(cursor).toBe(lastStreamState(byRows.messages, "spend")?.["cursor"]);
      const maxUpdated = recordsOf(first.messages, "spend").reduce((m, r) => Math.max(m, Date.parse(String(r["updated_at"]))), 0);
      expect(Date.parse(String(cursor))).toBe(maxUpdated);

      sim.advance(1);
      sim.resetCounters();
      const second = await readOk({ sim, streams: SPEND, mode: "incremental", config: { read_mode: "auto" }, state: stateFrom(first.messages) });
      expect(sim.counters()["exportCreate"] ?? 0).toBe(0);
      expect(sim.counters()["rows"]).toBeGreaterThan(0);
      expect(recordsOf(second.messages, "spend").length).toBeGreaterThan(0);
    } finally {
      sim.setVariant({ timestampUnit: "ms", timestampZone: true });
    }
  }, 120_000);

  test("auto: a sync interrupted on the rows path resumes on the rows path", async () => {
    const first = await read({ sim, streams: SPEND, config: { read_mode: "rows", page_size: 1000 }, killAfterRecords: 2500 });
    expect(positionOf(lastStreamState(first.messages, "spend"))?.["path"]).toBe("rows");
    sim.resetCounters();
    const second = await readOk({ sim, streams: SPEND, config: { read_mode: "auto", page_size: 1000 }, state: stateFrom(first.messages) });
    expect(sim.counters()["exportCreate"] ?? 0).toBe(0);
    const ids = new Set(idsOf([...committedRecords(first.messages, "spend"), ...recordsOf(second.messages, "spend")], "id"));
    expect(ids.size).toBe([...sim.rows("spend")].length); // the previous test advanced the clock: rows were added
  }, 120_000);

  test("full refresh in auto mode reads by export; read_mode rows never creates one", async () => {
    sim.resetCounters();
    await readOk({ sim, streams: SPEND, config: { read_mode: "auto" } });
    expect(sim.counters()["exportCreate"]).toBe(1);
    sim.resetCounters();
    await readOk({ sim, streams: SPEND, config: { read_mode: "rows" } });
    expect(sim.counters()["exportCreate"] ?? 0).toBe(0);
  }, 120_000);
});
