/**
 * Protocol checks for tests: every message against the vendored Airbyte schema (ajv, non-strict) plus
 * "payload present for its type", and the sequence rules of airbyte-guide §11.8 for a read.
 */
import { readFileSync } from "node:fs";
import { createAjv } from "../../source/ajv.js";
import type { AirbyteMessage } from "../../source/messages.js";

const PAYLOAD: Record<string, string> = {
  RECORD: "record",
  STATE: "state",
  LOG: "log",
  SPEC: "spec",
  CONNECTION_STATUS: "connectionStatus",
  CATALOG: "catalog",
  TRACE: "trace",
  CONTROL: "control",
};

const schema = JSON.parse(
  readFileSync(new URL("../fixtures/airbyte-protocol/airbyte_protocol.json", import.meta.url), "utf8"),
) as { $id?: string };
const ajv = createAjv();
ajv.addSchema(schema, "airbyte");
const validateMessage = ajv.getSchema("airbyte#/definitions/AirbyteMessage")!;

/** Problems with one message; empty when valid. */
export function messageProblems(message: unknown): string[] {
  const problems: string[] = [];
  if (!validateMessage(message)) {
    problems.push(...(validateMessage.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`));
  }
  const m = message as { type?: string; [k: string]: unknown };
  const field = m.type === undefined ? undefined : PAYLOAD[m.type];
  if (field === undefined || m[field] === undefined) problems.push(`payload field missing for type ${String(m.type)}`);
  const extra = Object.keys(m).filter((k) => k !== "type" && k !== field);
  if (extra.length > 0) problems.push(`unexpected fields ${extra.join(",")} for type ${String(m.type)}`);
  return problems;
}

/** Parses NDJSON stdout; every line must be a JSON object. */
export function parseLines(stdout: string): AirbyteMessage[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l) as AirbyteMessage;
      } catch {
        throw new Error(`stdout line ${i + 1} is not JSON: ${l.slice(0, 200)}`);
      }
    });
}

type StreamKey = string;
const keyOf = (d: { name: string; namespace?: string | undefined }): StreamKey => `${d.namespace ?? ""}-${d.name}`;

export interface ReadCheckOptions {
  exitCode: number | null;
  /** Configured stream names; each must get STARTED, RUNNING+, COMPLETE (or INCOMPLETE + ERROR). */
  configured?: readonly string[];
}

/**
 * Sequence rules for a read: statuses per stream, STATE after its records, no duplicate consecutive
 * states with records between, recordCount sums equal RECORD counts, exit non-zero iff an ERROR trace.
 */
export function readProblems(messages: readonly AirbyteMessage[], options: ReadCheckOptions): string[] {
  const problems: string[] = [];
  messages.forEach((m, i) => messageProblems(m).forEach((p) => problems.push(`message ${i}: ${p}`)));
  const statuses = new Map<StreamKey, string[]>();
  const recordsSinceState = new Map<StreamKey, number>();
  const totalRecords = new Map<StreamKey, number>();
  const countedByStates = new Map<StreamKey, number>();
  const lastState = new Map<StreamKey, string>();
  let errors = 0;
  for (const m of messages) {
    if (m.type === "RECORD") {
      const k = keyOf({ name: m.record.stream, namespace: m.record.namespace });
      recordsSinceState.set(k, (recordsSinceState.get(k) ?? 0) + 1);
      totalRecords.set(k, (totalRecords.get(k) ?? 0) + 1);
      const st = statuses.get(k) ?? [];
      if (st.at(-1) !== "RUNNING") problems.push(`record of ${k} while its status is ${st.at(-1) ?? "none"}`);
    } else if (m.type === "STATE") {
      if (m.state.type !== "STREAM") {
        problems.push(`state of type ${String(m.state.type)}`);
        continue;
      }
      const k = keyOf(m.state.stream.stream_descriptor);
      const since = recordsSinceState.get(k) ?? 0;
      const count = m.state.sourceStats?.recordCount;
      if (count !== since) problems.push(`state of ${k}: recordCount ${String(count)} but ${since} records since the previous state`);
      const json = JSON.stringify(m.state.stream.stream_state);
      if (lastState.get(k) === json && since > 0) problems.push(`state of ${k} repeated after ${since} records`);
      lastState.set(k, json);
      countedByStates.set(k, (countedByStates.get(k) ?? 0) + (count ?? 0));
      recordsSinceState.set(k, 0);
    } else if (m.type === "TRACE" && m.trace.type === "STREAM_STATUS") {
      const k = keyOf(m.trace.stream_status.stream_descriptor);
      statuses.set(k, [...(statuses.get(k) ?? []), m.trace.stream_status.status]);
    } else if (m.type === "TRACE" && m.trace.type === "ERROR") {
      errors++;
    }
  }
  for (const [k, list] of statuses) {
    const last = list.at(-1);
    if (last === "COMPLETE") {
      const ok = list.length >= 3 && list[0] === "STARTED" && list.slice(1, -1).every((s) => s === "RUNNING");
      if (!ok) problems.push(`statuses of ${k}: ${list.join(",")} (want STARTED, RUNNING+, COMPLETE)`);
      if ((recordsSinceState.get(k) ?? 0) > 0) problems.push(`${k} completed with ${recordsSinceState.get(k)} records after its last state`);
      if (!lastState.has(k)) problems.push(`${k} completed without any state`);
      if ((countedByStates.get(k) ?? 0) !== (totalRecords.get(k) ?? 0)) problems.push(`${k}: recordCount sum differs from records`);
    } else if (last !== "INCOMPLETE") {
      problems.push(`statuses of ${k} end with ${String(last)}`);
    }
  }
  for (const name of options.configured ?? []) {
    if (!statuses.has(keyOf({ name }))) problems.push(`configured stream ${name} has no status`);
  }
  if ((options.exitCode !== 0) !== (errors > 0)) problems.push(`exit code ${String(options.exitCode)} with ${errors} ERROR trace(s)`);
  return problems;
}

export function ofType<T extends AirbyteMessage["type"]>(messages: readonly AirbyteMessage[], type: T): Extract<AirbyteMessage, { type: T }>[] {
  return messages.filter((m): m is Extract<AirbyteMessage, { type: T }> => m.type === type);
}

/** Each LOG message as "LEVEL message", the way a test names the warning it expects. */
export function logLines(messages: readonly AirbyteMessage[]): string[] {
  return ofType(messages, "LOG").map((m) => `${m.log.level} ${m.log.message}`);
}

/** Each LOG message's text alone, for tests that match a message whatever its level. */
export function logMessages(messages: readonly AirbyteMessage[]): string[] {
  return ofType(messages, "LOG").map((m) => m.log.message);
}

export function errorTraces(messages: readonly AirbyteMessage[]) {
  return ofType(messages, "TRACE").flatMap((m) => (m.trace.type === "ERROR" ? [m.trace.error] : []));
}

export function statusesOf(messages: readonly AirbyteMessage[], name: string): string[] {
  return ofType(messages, "TRACE").flatMap((m) =>
    m.trace.type === "STREAM_STATUS" && m.trace.stream_status.stream_descriptor.name === name ? [m.trace.stream_status.status] : [],
  );
}
