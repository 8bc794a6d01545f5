/**
 * What the API sends for a generated row under the variant: rows pages, JSON export files and Parquet
 * exports all start from this form, so the two read paths can be compared value by value.
 *
 * Generators make timestamps RFC 3339 UTC with 3 fraction digits and numbers as doubles. Per variant:
 * - `timestampUnit` us / ns: timestamps carry 6 / 9 fraction digits (sub-millisecond digits derived from
 *   the value, so rows that share an updated_at still share it), as an API storing that unit would send;
 * - `timestampZone` false: timestamps carry no zone (UTC wall time), as in the Parquet column;
 * - `timestampZeros`: three timestamps in four are rounded down to whole 10 ms, 100 ms or seconds, so
 *   fractions end in zeros (`.980Z`, `.900Z`, `.000Z`) far more often than in the generated data;
 * - `wideNumbers`: in about one row in four, integer NUMBER columns carry int64 values beyond 2^53
 *   (BigInt, up to ±(2^63−1) and −2^63) and MONETARY_AMOUNT columns decimals of up to 29 integer and 9
 *   fraction digits (WireNumber), which Parquet then holds as int64 and decimal(38,9); legacy tables'
 *   number columns carry such decimals too.
 *
 * Written again here rather than shared with the connector on purpose: the simulator is the oracle.
 */
import type { TableDef } from "./data/schema.js";
import { hash32, strHash } from "./rng.js";
import type { Variant } from "./variants.js";

/** A number literal sent as is (a decimal a double does not hold). */
export class WireNumber {
  constructor(readonly text: string) {}
}

const EDGE_INTEGERS = [2n ** 53n + 1n, -(2n ** 53n + 1n), 2n ** 63n - 1n, -(2n ** 63n - 1n), -(2n ** 63n), 2n ** 53n, 12345678901234567890n / 2n];

/** True when the variant changes nothing the generators make. */
export function isPlainWire(v: Variant): boolean {
  return v.timestampUnit === "ms" && v.timestampZone && !v.timestampZeros && !v.wideNumbers;
}

/** The row as the API sends it under `v` (the generated object itself for the plain wire form). */
export function wireRow(def: TableDef, row: Record<string, unknown>, v: Variant): Record<string, unknown> {
  if (isPlainWire(v)) return row;
  const out: Record<string, unknown> = { ...row };
  const rowHash = strHash(String(row[def.orderBy[0] ?? ""] ?? ""));
  for (const col of def.columns) {
    const x = out[col.name];
    if (x === null || x === undefined) continue;
    if (col.dataType === "TIMESTAMP" && typeof x === "string") out[col.name] = wireTimestamp(x, v);
    else if (v.wideNumbers && (col.integer === true || col.dataType === "MONETARY_AMOUNT")) {
      const h = hash32(rowHash, strHash(col.name));
      if (h % 4 === 0) out[col.name] = col.integer === true ? wideInteger(h) : wideDecimal(h);
    }
  }
  return out;
}

/** A legacy row (label-keyed, `key` its row id) as the API sends it under `v`: `wideNumbers` widens its number columns. */
export function wireLegacyRow(row: Record<string, unknown>, key: string, numberLabels: readonly string[], v: Variant): Record<string, unknown> {
  if (!v.wideNumbers) return row;
  const out: Record<string, unknown> = { ...row };
  const rowHash = strHash(key);
  for (const label of numberLabels) {
    const h = hash32(rowHash, strHash(label));
    if (out[label] !== null && out[label] !== undefined && h % 4 === 0) out[label] = wideDecimal(h);
  }
  return out;
}

/** `…SS.mmmZ` with the variant's digits and zone. */
export function wireTimestamp(text: string, v: Variant): string {
  let t = text;
  if (v.timestampZeros && text.length === 24) {
    const zeros = hash32(strHash(text)) % 4; // the same text always rounds the same way
    t = `${text.slice(0, 23 - zeros)}${"0".repeat(zeros)}Z`;
  }
  if (v.timestampUnit !== "ms" && text.length === 24) {
    const h = hash32(strHash(t));
    const sub = v.timestampUnit === "us" ? String(h % 1000).padStart(3, "0") : String(h % 1_000_000).padStart(6, "0");
    t = `${t.slice(0, 23)}${sub}Z`;
  }
  return v.timestampZone ? t : t.slice(0, -1);
}

function wideInteger(h: number): bigint {
  const k = (h >>> 2) % (EDGE_INTEGERS.length + 4);
  if (k < EDGE_INTEGERS.length) return EDGE_INTEGERS[k]!;
  // Above 2^53 up to 2^63−1, either sign.
  const magnitude = 2n ** 53n + (((BigInt(hash32(h, 1)) << 32n) | BigInt(hash32(h, 2))) % (2n ** 63n - 2n ** 53n));
  return (h & 2) === 0 ? magnitude : -magnitude;
}

/** 12 to 29 integer digits and 9 fraction digits, the last not 0 (so decimal(38,9) prints it back the same). */
function wideDecimal(h: number): WireNumber {
  const digits = [3, 4, 5].map((k) => String(hash32(h, k)).padStart(10, "0")).join("");
  const whole = `${1 + (hash32(h, 6) % 9)}${digits}`.slice(0, 12 + (h % 18));
  const fraction = `${String(hash32(h, 7) % 100_000_000).padStart(8, "0")}${1 + (hash32(h, 8) % 9)}`;
  return new WireNumber(`${(h & 8) === 0 ? "" : "-"}${whole}.${fraction}`);
}

/** JSON text of a value: JSON.stringify's, with BigInt and WireNumber written as their digits. */
export function wireStringify(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof WireNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map((x) => (x === undefined ? "null" : wireStringify(x))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value).filter(([, x]) => x !== undefined);
    return `{${members.map(([k, x]) => `${JSON.stringify(k)}:${wireStringify(x)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
