/**
 * Given/when helpers for the export-path tests: run the built CLI against a simulator, compare records of
 * an export read with those of a rows read (sorted by primary key), inspect the saved export position.
 */
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { AirbyteMessage } from "../source/messages.js";
import type { Simulator } from "../simulator/index.js";
import { runCli, type CliResult } from "./helpers/cli.js";
import { logLines, ofType } from "./helpers/protocol.js";
import { baseConfig, catalogFor, expectValidRead, type Row } from "./helpers/read-scenario.js";

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
  if (result.exitCode !== 0) throw new Error(`read failed (${result.exitCode}):\n${result.stderr.slice(-3000)}\n${logLines(result.messages).slice(-20).join("\n")}`);
  expectValidRead(result, run.streams);
  return result;
}

/**
 * Each RECORD's `data` object of `stream` exactly as written (the raw text, so no digit is lost to
 * JSON.parse), by primary key (by the text itself when records are keyed by label).
 */
export function recordTexts(result: CliResult, stream: string): Map<string, string> {
  const out = new Map<string, string>();
  let count = 0;
  for (const line of result.stdout.split("\n")) {
    if (!line.startsWith('{"type":"RECORD"')) continue;
    const message = JSON.parse(line) as { record: { stream: string; data: Row } };
    if (message.record.stream !== stream) continue;
    const text = line.slice(line.indexOf(',"data":') + 8, -2);
    const key = message.record.data[KEYS[stream]!];
    out.set(key === undefined ? text : String(key), text);
    count++;
  }
  expect(out.size, `${stream}: records with the same key`).toBe(count);
  return out;
}

/** Export and rows reads returned the same records, byte for byte (so value by value, in the same key order). */
export function expectSameRecords(exported: CliResult, rows: CliResult, streams: readonly string[]): void {
  const diffs: string[] = [];
  for (const stream of streams) {
    const a = recordTexts(exported, stream);
    const b = recordTexts(rows, stream);
    expect(a.size, `${stream} record count`).toBe(b.size);
    expect(a.size, `${stream} has records`).toBeGreaterThan(0);
    for (const [key, text] of b) {
      if (a.get(key) !== text) diffs.push(`${stream} ${key}:\n  export ${a.get(key) ?? "(missing)"}\n  rows   ${text}`);
    }
  }
  expect(diffs.slice(0, 10), `${diffs.length} differing records`).toEqual([]);
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

/**
 * Where this process's open descriptors point (Linux): the export path's temp files have no name
 * (export-temp.ts), so a descriptor's " (deleted)" target is the only place a test can see them.
 */
export function openFdTargets(): string[] {
  return readdirSync("/proc/self/fd").flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // closed meanwhile
    }
  });
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
