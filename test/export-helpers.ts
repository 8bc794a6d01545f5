/**
 * Given/when helpers for the export-path tests: run the built CLI against a simulator, compare records of
 * an export read with those of a rows read (sorted by primary key), inspect the saved export position.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { AirbyteMessage } from "../source/messages.js";
import type { Simulator } from "../simulator/index.js";
import { runCli, type CliResult } from "./helpers/cli.js";
import { ofType } from "./helpers/protocol.js";
import { baseConfig, catalogFor, expectValidRead, recordsOf, type Row } from "./helpers/read-scenario.js";

export const TABLES = ["spend", "suppliers", "contracts", "classification_business_units", "classification_spend_categories"] as const;
export const KEYS: Record<string, string> = {
  spend: "id",
  suppliers: "id",
  contracts: "id",
  classification_business_units: "spend_id",
  classification_spend_categories: "spend_id",
};

export interface ReadRun {
  sim: Simulator;
  streams: readonly string[];
  config?: Record<string, unknown>;
  mode?: "full_refresh" | "incremental";
  state?: unknown;
  killAfterRecords?: number;
  timeoutMs?: number;
  /** TMPDIR of the child, to check its temp files are gone. */
  tmp?: string;
}

const catalogs = new Map<string, unknown>();

export async function read(run: ReadRun): Promise<CliResult> {
  const config = baseConfig(run.sim, { read_mode: "export", ...run.config });
  const key = `${run.sim.url}|${run.streams.join(",")}|${run.mode ?? "full_refresh"}`;
  let catalog = catalogs.get(key);
  if (catalog === undefined) {
    catalog = await catalogFor(config, run.streams, run.mode ?? "full_refresh");
    catalogs.set(key, catalog);
  }
  return runCli({
    args: ["read"],
    config,
    catalog,
    ...(run.state !== undefined && { state: run.state }),
    ...(run.killAfterRecords !== undefined && { killAfterRecords: run.killAfterRecords }),
    ...(run.timeoutMs !== undefined && { timeoutMs: run.timeoutMs }),
    ...(run.tmp !== undefined && { env: { TMPDIR: run.tmp } }),
  });
}

/** A read that must succeed and follow the protocol. */
export async function readOk(run: ReadRun): Promise<CliResult> {
  const result = await read(run);
  if (result.exitCode !== 0) throw new Error(`read failed (${result.exitCode}):\n${result.stderr.slice(-3000)}\n${logs(result).slice(-20).join("\n")}`);
  expectValidRead(result, run.streams);
  return result;
}

export function sortedRecords(messages: readonly AirbyteMessage[], stream: string): Row[] {
  const key = KEYS[stream]!;
  return recordsOf(messages, stream).sort((a, b) => (String(a[key]) < String(b[key]) ? -1 : String(a[key]) > String(b[key]) ? 1 : 0));
}

/** Export and rows reads returned the same records, value by value (and in the same key order). */
export function expectSameRecords(exported: readonly AirbyteMessage[], rows: readonly AirbyteMessage[], streams: readonly string[]): void {
  const diffs: string[] = [];
  for (const stream of streams) {
    const a = sortedRecords(exported, stream);
    const b = sortedRecords(rows, stream);
    expect(a.length, `${stream} record count`).toBe(b.length);
    expect(a.length, `${stream} has records`).toBeGreaterThan(0);
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!, y = b[i]!;
      if (JSON.stringify(x) === JSON.stringify(y)) continue;
      if (JSON.stringify(Object.keys(x)) !== JSON.stringify(Object.keys(y))) diffs.push(`${stream} ${i}: keys ${Object.keys(x).join()} vs ${Object.keys(y).join()}`);
      for (const k of Object.keys(y)) {
        if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) diffs.push(`${stream} ${String(y[KEYS[stream]!])}.${k}: export ${JSON.stringify(x[k])} rows ${JSON.stringify(y[k])}`);
      }
    }
  }
  expect(diffs.slice(0, 30), `${diffs.length} differing values`).toEqual([]);
}

export function logs(result: CliResult): string[] {
  return ofType(result.messages, "LOG").map((m) => `${m.log.level} ${m.log.message}`);
}

/** The last saved stream_state of `stream`. */
export function lastStreamState(messages: readonly AirbyteMessage[], stream: string): Record<string, unknown> | undefined {
  let last: Record<string, unknown> | undefined;
  for (const m of ofType(messages, "STATE")) {
    if (m.state.stream?.stream_descriptor.name === stream) last = m.state.stream.stream_state as Record<string, unknown>;
  }
  return last;
}

export function positionOf(state: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return (state?.["sync"] as Record<string, unknown> | undefined)?.["position"] as Record<string, unknown> | undefined;
}

export function privateTmp(): { dir: string; leftovers(): string[]; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "export-test-tmp-"));
  return {
    dir,
    // The export path leaves nothing named there (export-temp.ts); anything found is listed, directories with their contents.
    leftovers: () =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.name.startsWith("ignite-export-"))
        .flatMap((e) => [e.name, ...(e.isDirectory() ? readdirSync(join(dir, e.name)).map((f) => `${e.name}/${f}`) : [])]),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
