/**
 * Given/when helpers for read tests: discover through the built CLI, build catalogs, gather records and
 * the last state per stream, and compare records with the simulator's ground truth value by value.
 */
import { expect } from "vitest";
import type { AirbyteMessage } from "../../source/messages.js";
import type { Simulator } from "../../simulator/index.js";
import { labelKeys, type SuffixStyle } from "../../streams/catalog/label-keys.js";
import { configuredCatalog, runCli, type CliResult } from "./cli.js";
import { ofType, readProblems } from "./protocol.js";

export type Row = Record<string, unknown>;

export function baseConfig(sim: Simulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { api_token: sim.token, base_url: sim.url, retry_budget_seconds: 30, ...extra };
}

export async function discoverStreams(config: Record<string, unknown>) {
  const result = await runCli({ args: ["discover"], config });
  const catalog = ofType(result.messages, "CATALOG")[0];
  if (catalog === undefined) throw new Error(`discover printed no catalog: ${result.stdout}${result.stderr}`);
  return catalog.catalog.streams;
}

export async function catalogFor(config: Record<string, unknown>, names: readonly string[] | "all", mode: "full_refresh" | "incremental" = "full_refresh") {
  const streams = (await discoverStreams(config)).filter((s) => names === "all" || names.includes(s.name));
  return configuredCatalog(streams, mode);
}

export function recordsOf(messages: readonly AirbyteMessage[], stream: string): Row[] {
  return ofType(messages, "RECORD").flatMap((m) => (m.record.stream === stream ? [m.record.data as Row] : []));
}

/** Records of `stream` emitted before its last STATE (what a destination has committed at that point). */
export function committedRecords(messages: readonly AirbyteMessage[], stream: string): Row[] {
  let lastState = -1;
  messages.forEach((m, i) => {
    if (m.type === "STATE" && m.state.stream?.stream_descriptor.name === stream) lastState = i;
  });
  return recordsOf(messages.slice(0, lastState + 1), stream);
}

/** The state file a platform would pass next: the last STATE of each stream. */
export function stateFrom(messages: readonly AirbyteMessage[], previous: unknown[] = []): unknown[] {
  const last = new Map<string, unknown>();
  for (const p of previous as { stream: { stream_descriptor: { name: string } } }[]) last.set(p.stream.stream_descriptor.name, p);
  for (const m of messages) {
    if (m.type === "STATE" && m.state.stream) {
      last.set(m.state.stream.stream_descriptor.name, { type: "STREAM", stream: m.state.stream });
    }
  }
  return [...last.values()];
}

export function expectValidRead(result: CliResult, configured: readonly string[]): void {
  expect(readProblems(result.messages, { exitCode: result.exitCode, configured })).toEqual([]);
}

/** Ground truth rows keyed as the connector keys them (names, or labels with the given suffix style). */
export function truthRows(sim: Simulator, table: string, keyBy: "name" | "label" = "name", style: SuffixStyle = " #"): Row[] {
  const meta = sim.tables().find((t) => t.id === table)!;
  const keys = keyBy === "name" ? new Map(meta.columns.map((c) => [c.name, c.name])) : labelKeys(meta.columns, style).keys;
  // Through JSON, as the API sends them (-0 becomes 0).
  const asSent = (row: Row): Row => JSON.parse(JSON.stringify(row)) as Row;
  return [...sim.rows(table)].map((row) => Object.fromEntries(Object.entries(asSent(row)).map(([k, v]) => [keys.get(k) ?? k, v])));
}

/** Page sizes of the rows requests the simulator logged (`logRequests`) since request number `from`, in order. */
export function pageSizesSince(sim: Simulator, from: number): number[] {
  return sim.requests().slice(from).flatMap((r) => (r.route === "rows" && r.pageSize !== undefined ? [r.pageSize] : []));
}

export function idsOf(rows: readonly Row[], key: string): string[] {
  return rows.map((r) => String(r[key]));
}
