/**
 * Given the simulator sending int64 values beyond 2^53, long decimals, ms timestamps whose fraction ends
 * in 0, µs timestamps and zone-less ones, when the built CLI reads through the rows path and the Parquet
 * and JSON export paths (as a child process under TZ=America/New_York), then every record carries the
 * value as the API sent it (digit for digit; a zone-less time completed with Z), all paths write the same
 * bytes, and incremental syncs keep the cursor's exact text, so a resume over rows that share the
 * cursor's value neither skips nor adds a row.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, WireNumber, type Simulator, type Variant } from "../simulator/index.js";
import { runCli, type CliResult } from "./helpers/cli.js";
import { ofType } from "./helpers/protocol.js";
import { baseConfig, catalogFor, expectValidRead, stateFrom } from "./helpers/read-scenario.js";
import { expectSameRecords, recordTexts } from "./export-helpers.js";

const TZ = "America/New_York";
const STREAMS = ["spend", "suppliers"];
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 23, rows: { spend: 1500, suppliers: 200, contracts: 50 }, maxFileRows: 600, exportDelayMs: 50 });
});
afterAll(async () => sim?.close());

interface Read {
  streams?: readonly string[];
  config?: Record<string, unknown>;
  mode?: "full_refresh" | "incremental";
  state?: unknown;
  killAfterRecords?: number;
}

/** A read by the built CLI in a non-UTC zone; it must succeed unless killed. */
async function read(run: Read): Promise<CliResult> {
  const streams = run.streams ?? STREAMS;
  const config = baseConfig(sim, { read_mode: "rows", page_size: 200, lookback_window: "PT0S", ...run.config });
  const result = await runCli({
    args: ["read"],
    config,
    catalog: await catalogFor(config, streams, run.mode ?? "full_refresh"),
    env: { TZ },
    ...(run.state !== undefined && { state: run.state }),
    ...(run.killAfterRecords !== undefined && { killAfterRecords: run.killAfterRecords }),
  });
  if (run.killAfterRecords === undefined) {
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
    expectValidRead(result, streams);
  }
  return result;
}

/** The JSON text a value has on the wire (BigInt and WireNumber as their digits). */
function wireText(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof WireNumber) return v.text;
  return JSON.stringify(v);
}

/** `"column":<value text>` of a record's raw data text (an independent reading: no JSON parser). */
function rawValue(data: string, column: string): string | undefined {
  return new RegExp(`"${column}":(-?[\\d.eE+]+|null|true|false|"(?:[^"\\\\]|\\\\.)*")`).exec(data)?.[1];
}

function setVariant(v: Partial<Variant>): void {
  sim.setVariant({ timestampUnit: "ms", timestampZone: true, timestampZeros: false, wideNumbers: false, ...v });
}

describe("rows path: values as the API sent them", () => {
  it("int64 beyond 2^53 (up to ±(2^63−1)) and long decimals keep every digit", async () => {
    setVariant({ wideNumbers: true });
    const result = await read({});
    const records = recordTexts(result, "spend");
    let wide = 0;
    for (const row of sim.rows("spend")) {
      const data = records.get(String(row["id"]))!;
      for (const column of ["quantity", "amount", "amount_in_base_currency"]) {
        expect(rawValue(data, column), `${String(row["id"])}.${column}`).toBe(wireText(row[column]));
        if (typeof row[column] === "bigint" || row[column] instanceof WireNumber) wide++;
      }
    }
    expect(wide).toBeGreaterThan(300);
    const texts = [...records.values()].join("\n");
    for (const edge of ["9223372036854775807", "-9223372036854775808", "9007199254740993", "-9007199254740993"]) expect(texts).toContain(`"quantity":${edge}`);
    expect(texts).toMatch(/"amount":-?\d{20,}\.\d{9}[,}]/);
  }, 120_000);

  it("ms timestamps keep their 3 digits, trailing zeros included (.980Z, .900Z, .000Z)", async () => {
    setVariant({ timestampZeros: true });
    const result = await read({});
    const seen: string[] = [];
    for (const stream of STREAMS) {
      const records = recordTexts(result, stream);
      for (const row of sim.rows(stream)) {
        const data = records.get(String(row["id"]))!;
        for (const column of ["created_at", "updated_at"]) {
          expect(rawValue(data, column), `${stream} ${String(row["id"])}.${column}`).toBe(wireText(row[column]));
          seen.push(rawValue(data, column)!);
        }
      }
    }
    expect(seen.some((t) => /\.\d[1-9]0Z"$/.test(t)), "a fraction ending in one 0").toBe(true);
    expect(seen.some((t) => /\.[1-9]00Z"$/.test(t)), "a fraction ending in 00").toBe(true);
    expect(seen.some((t) => t.endsWith('.000Z"')), "a fraction of 000").toBe(true);
  }, 120_000);
});

describe("all paths write the same bytes", () => {
  it.each([
    ["µs, zone-less", { timestampUnit: "us", timestampZone: false }],
    ["ns, wide numbers", { timestampUnit: "ns", wideNumbers: true }],
  ] as [string, Partial<Variant>][])("%s: rows, Parquet export and JSON export", async (_name, variant) => {
    setVariant(variant);
    const rows = await read({});
    for (const row of sim.rows("spend")) {
      const data = recordTexts(rows, "spend").get(String(row["id"]))!;
      // The API's digits; a zone-less time completed as UTC.
      expect(rawValue(data, "updated_at")).toBe(JSON.stringify(`${row["updated_at"] as string}${variant.timestampZone === false ? "Z" : ""}`));
    }
    expect(rawValue(recordTexts(rows, "spend").values().next().value!, "updated_at")).toMatch(variant.timestampUnit === "us" ? /\.\d{6}Z"$/ : /\.\d{9}Z"$/);
    expectSameRecords(await read({ config: { read_mode: "export" } }), rows, STREAMS);
    expectSameRecords(await read({ config: { read_mode: "export", export_format: "json" } }), rows, STREAMS);
  }, 240_000);
});

describe("incremental syncs over a cursor value many rows share (zone-less µs timestamps, TZ=America/New_York)", () => {
  /** Final stream state of `stream`. */
  const finalState = (result: CliResult, stream: string): Record<string, unknown> => {
    const states = ofType(result.messages, "STATE").filter((m) => m.state.stream?.stream_descriptor.name === stream);
    return states.at(-1)!.state.stream!.stream_state as Record<string, unknown>;
  };
  /** Ids whose updated_at (as records carry it) is at or after `cursor`: UTC text of one width orders like the instants. */
  const idsFrom = (cursor: string): string[] =>
    [...sim.rows("spend")].filter((r) => `${r["updated_at"] as string}Z` >= cursor).map((r) => String(r["id"])).sort();
  const ids = (result: CliResult): string[] => [...recordTexts(result, "spend").keys()].sort();

  it.each(["rows", "export"] as const)("%s path: the cursor is the highest value's exact text; the next sync reads exactly the rows at or after it", async (mode) => {
    setVariant({ timestampUnit: "us", timestampZone: false });
    const first = await read({ streams: ["spend"], mode: "incremental", config: { read_mode: mode } });
    const cursor = finalState(first, "spend")["cursor"] as string;
    const highest = [...sim.rows("spend")].map((r) => `${r["updated_at"] as string}Z`).sort().at(-1)!;
    expect(cursor).toBe(highest);
    expect(idsFrom(cursor).length, "rows that share the cursor's value").toBeGreaterThan(1);

    sim.advance(1);
    const second = await read({ streams: ["spend"], mode: "incremental", config: { read_mode: mode }, state: stateFrom(first.messages) });
    expect(ids(second)).toEqual(idsFrom(cursor));
    expect(finalState(second, "spend")["cursor"]).toBe([...sim.rows("spend")].map((r) => `${r["updated_at"] as string}Z`).sort().at(-1));
  }, 240_000);

  it("a sync killed mid-way resumes from its saved max_seen and ends on the same cursor as an unbroken one", async () => {
    setVariant({ timestampUnit: "us", timestampZone: false });
    const unbroken = await read({ streams: ["spend"], mode: "incremental" });
    const killed = await read({ streams: ["spend"], mode: "incremental", killAfterRecords: 700 });
    const saved = stateFrom(killed.messages);
    const maxSeen = (saved[0] as { stream: { stream_state: { sync?: { max_seen?: string } } } }).stream.stream_state.sync?.max_seen;
    expect(maxSeen).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const resumed = await read({ streams: ["spend"], mode: "incremental", state: saved });
    expect(finalState(resumed, "spend")["cursor"]).toBe(finalState(unbroken, "spend")["cursor"]);
  }, 240_000);
});
