/**
 * Given a read through the built CLI on each read path (rows pages, export Parquet, export JSON, legacy data
 * tables), when it is SIGKILLed at seeded points (at startup, mid-batch, right after a STATE) and resumed
 * each time from the last STATE of each stream, then every completed sync delivered every row of the
 * simulator exactly once, and each kill cost at most one batch of repeats: a page on the rows and legacy
 * paths, a decode batch on the export path (kill-chain.ts says how that is counted).
 *
 * A page and its STATE leave the connector in one write, so a kill lands mid-page only when a page is
 * bigger than the pipe's buffer (64 KiB on Linux): the pages and batches here are 110-150 KB. The tables are
 * big enough that the ~128 KB a kill lags behind its line (the pipe, and the rest of the chunk read) still
 * leaves kill points all along the read.
 *
 * Seeds are fixed; a failure prints its seed and how to replay it (KILL_CHAIN_SEED).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator, type SimulatorOptions } from "../simulator/index.js";
import { JSON_BATCH_ROWS } from "../streams/export/json/json-export-reader.js";
import { LEGACY_MAX_SIZE } from "../streams/legacy/legacy-read.js";
import { DEFAULT_BATCH_ROWS } from "../streams/export/parquet/parquet-decoder.js";
import { configuredCatalog } from "./helpers/cli.js";
import { chainProblems, chainTotals, planKills, replayHint, runKillChain, type Chain, type ChainSetup, type KillKind, type NextState } from "./helpers/kill-chain.js";
import { baseConfig, catalogFor, discoverStreams, idsOf, stateFrom } from "./helpers/read-scenario.js";

const KILLS_PER_CHAIN = 12;
/** Mid-batch twice as often: only some of those land with part of a batch out (kill-chain.ts). */
const KINDS: readonly KillKind[] = ["startup", "mid-batch", "mid-batch", "after-state"];
const REPLAY = process.env["KILL_CHAIN_SEED"];

/** Two chains per path, or the one being replayed. */
function seeds(first: number): number[] {
  return REPLAY === undefined ? [first, first + 1] : [Number(REPLAY)];
}

async function killChains(name: string, setup: ChainSetup, firstSeed: number): Promise<void> {
  const chains: Chain[] = [];
  for (const seed of seeds(firstSeed)) {
    const chain = await runKillChain(setup, seed, planKills(seed, KILLS_PER_CHAIN, KINDS));
    expect(chainProblems(chain, setup), replayHint(chain, name)).toEqual([]);
    chains.push(chain);
  }
  const totals = chainTotals(chains, setup);
  console.info(`kill chains, ${name}: ${JSON.stringify(totals)}`);
  if (REPLAY === undefined) expect(totals.kills, `kills that landed, ${name}`).toBeGreaterThanOrEqual(20);
}

interface PathFixture {
  sim: Simulator;
  /** TMPDIR of the runs: export downloads go there. */
  tmp: string;
}

/** A simulator for one path, and a private TMPDIR for the runs. */
function pathFixture(options: SimulatorOptions): PathFixture {
  const fixture = { sim: undefined as unknown as Simulator, tmp: "" };
  beforeAll(async () => {
    fixture.sim = await startSimulator(options);
    fixture.tmp = mkdtempSync(join(tmpdir(), "kill-chain-"));
  });
  afterAll(async () => {
    await fixture.sim?.close();
    rmSync(fixture.tmp, { recursive: true, force: true });
  });
  return fixture;
}

/** A read of export tables (by `id`) with `config` on top of the basics. */
async function tableSetup(f: PathFixture, config: Record<string, unknown>, streams: readonly string[], batchBound: number): Promise<ChainSetup> {
  const full = baseConfig(f.sim, config);
  const truth = new Map(streams.map((s) => [s, { key: "id", ids: idsOf([...f.sim.rows(s)], "id") }]));
  return { config: full, catalog: await catalogFor(full, streams), truth, batchBound, env: { TMPDIR: f.tmp } };
}

describe("rows path: 6 000 spend rows and 600 suppliers in pages of 200", () => {
  const PAGE = 200;
  const f = pathFixture({ seed: 21, rows: { spend: 6000, suppliers: 600, contracts: 10 } });
  let setup: ChainSetup;
  beforeAll(async () => {
    setup = await tableSetup(f, { read_mode: "rows", page_size: PAGE }, ["spend", "suppliers"], PAGE);
  });

  it("loses no row and repeats at most a page per kill, over seeded SIGKILLs", async () => {
    await killChains("rows path", setup, 101);
  }, 300_000);

  describe("the checks fail when they should", () => {
    const oneKill = [{ kind: "after-state", at: 0.3, line: 1 }] as const;

    it("a row missing from what was delivered is reported lost", async () => {
      const chain = await runKillChain(setup, 0, oneKill);
      expect(chainProblems(chain, setup)).toEqual([]);
      // The killed run's first spend record, as if it had never reached the destination.
      const killed = chain.runs[0]!.result;
      const dropped = killed.messages.findIndex((m) => m.type === "RECORD" && m.record.stream === "spend");
      const id = String((killed.messages[dropped] as { record: { data: Record<string, unknown> } }).record.data["id"]);
      const tampered = { ...chain, runs: [{ ...chain.runs[0]!, result: { ...killed, messages: killed.messages.filter((_, i) => i !== dropped) } }, ...chain.runs.slice(1)] };
      expect(chainProblems(tampered, setup)).toEqual([`spend sync 0: 1 rows lost (${id})`]);
    }, 120_000);

    it("a resume from an older state re-delivers what a STATE covered, more than a page", async () => {
      // The state two STATEs before the last of each stream: a platform that lost its latest checkpoints.
      const older: NextState = (messages, previous) => {
        const skipped = new Map<string, number>();
        const kept = [...messages].reverse().filter((m) => {
          if (m.type !== "STATE" || m.state.stream === undefined) return true;
          const name = m.state.stream.stream_descriptor.name;
          skipped.set(name, (skipped.get(name) ?? 0) + 1);
          return skipped.get(name)! > 2;
        });
        return stateFrom(kept.reverse(), previous);
      };
      const problems = chainProblems(await runKillChain(setup, 0, oneKill, older), setup);
      expect(problems.some((p) => /^spend sync 0: \d+ records delivered twice/.test(p)), problems.join("\n")).toBe(true);
      expect(problems.some((p) => /^kill 0 \(after-state\): \d+ spend records printed again after the resume, more than one batch \(200\)$/.test(p)), problems.join("\n")).toBe(true);
    }, 120_000);
  });
});

describe("export path, Parquet: 6 000 spend rows in 4 files of 6 row groups", () => {
  const ROW_GROUP = 250;
  // Slow downloads: a kill at startup or at a file boundary lands while a file is on its way.
  const f = pathFixture({ seed: 31, rows: { spend: 6000 }, maxFileRows: 1500, exportDelayMs: 100, variant: { rowGroupRows: ROW_GROUP }, faults: { download: { slowMs: 150 } } });
  it("loses no row and repeats at most a decode batch per kill, over seeded SIGKILLs", async () => {
    // A decode batch is one row group, or a slice of DEFAULT_BATCH_ROWS of a bigger one; each is followed by its STATE.
    const setup = await tableSetup(f, { read_mode: "export", export_format: "parquet" }, ["spend"], Math.min(ROW_GROUP, DEFAULT_BATCH_ROWS));
    await killChains("export path, Parquet", setup, 201);
  }, 300_000);
});

describe("export path, JSON: 4 000 spend rows in 8 files and 300 contracts", () => {
  const FILE_ROWS = 500;
  const f = pathFixture({ seed: 41, rows: { spend: 4000, contracts: 300, suppliers: 10 }, maxFileRows: FILE_ROWS, exportDelayMs: 100, variant: { jsonLayout: "array" }, faults: { download: { slowMs: 150 } } });
  it("loses no row and repeats at most a decode batch per kill, over seeded SIGKILLs", async () => {
    // A JSON file is decoded in batches of JSON_BATCH_ROWS rows, each followed by its STATE: here one batch per file.
    const setup = await tableSetup(f, { read_mode: "export", export_format: "json" }, ["spend", "contracts"], Math.min(JSON_BATCH_ROWS, FILE_ROWS));
    await killChains("export path, JSON", setup, 301);
  }, 300_000);
});

describe("legacy data tables: 12 345 + 800 + 25 + 0 rows in pages of 500", () => {
  const PAGE = 500;
  const TABLES = ["Awesome table", "Kategorimapping 2024", "Små data ✨", "Empty table"];
  const f = pathFixture({ seed: 11, legacyTables: 4 });
  it("loses no row and repeats at most a page per kill, over seeded SIGKILLs", async () => {
    const config = baseConfig(f.sim, { legacy_data_tables: { mode: "all" }, page_size: PAGE });
    const discovered = await discoverStreams(config);
    const tables = f.sim.legacyTables().filter((t) => TABLES.includes(t.name));
    const streamOf = (id: string) => discovered.find((s) => s.name.startsWith("legacy_") && String(s.description ?? "").includes(id))!;
    const setup: ChainSetup = {
      config,
      catalog: configuredCatalog(tables.map((t) => streamOf(t.id))),
      truth: new Map(tables.map((t) => [streamOf(t.id).name, { key: "Row ID", ids: idsOf(t.rows, "Row ID") }])),
      batchBound: Math.min(PAGE, LEGACY_MAX_SIZE),
    };
    await killChains("legacy data tables", setup, 401);
  }, 300_000);
});
