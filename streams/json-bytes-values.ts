/**
 * Writers for plain JS values (rows pages, JSON export files), one per Ignite dataType. They bring
 * API text to the same canonical form the Arrow encoders write, so a row reads the same either way.
 */
import type { ByteWriter } from "./json-bytes.js";
import { numberLiteral, writeFloat } from "./json-bytes-format.js";
import { canonicalTimestamp, timestampFromMillis } from "./json-bytes-time.js";

export type ValueWriter = (w: ByteWriter, v: unknown) => void;

/** Anything without a typed rule: JSON.stringify (BigInt as exact digits, undefined as null). */
export const writeGeneric: ValueWriter = (w, v) => {
  if (v === null || v === undefined) w.ascii("null");
  else if (typeof v === "string") w.string(v);
  else if (typeof v === "number") writeFloat(w, v);
  else if (typeof v === "boolean") w.ascii(v ? "true" : "false");
  else if (typeof v === "bigint") w.ascii(v.toString());
  else w.raw(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? Number(x) : x)) ?? "null");
};

const writeString: ValueWriter = (w, v) => {
  if (typeof v === "string") w.string(v);
  else writeGeneric(w, v);
};

const writeNumber: ValueWriter = (w, v) => {
  if (typeof v === "number") writeFloat(w, v);
  else if (typeof v === "string") {
    const lit = numberLiteral(v);
    if (lit === undefined) w.string(v);
    else w.ascii(lit);
  } else if (typeof v === "bigint") w.ascii(v.toString());
  else writeGeneric(w, v);
};

const writeTimestampValue: ValueWriter = (w, v) => {
  if (typeof v === "string") w.string(canonicalTimestamp(v) ?? v);
  else if (typeof v === "number") {
    const t = timestampFromMillis(v);
    if (t === undefined) writeGeneric(w, v);
    else w.string(t);
  } else writeGeneric(w, v);
};

// A DATE is passed through as given; "2026-01-15T00:00:00Z" stays a string rather than being cut,
// because cutting would hide a contract change the schema check should see.
const writeDateValue: ValueWriter = writeString;

const writeStringArray: ValueWriter = (w, v) => {
  if (!Array.isArray(v)) {
    writeGeneric(w, v);
    return;
  }
  w.byte(0x5b);
  for (let k = 0; k < v.length; k++) {
    if (k > 0) w.byte(0x2c);
    writeString(w, v[k]);
  }
  w.byte(0x5d);
};

/** Ignite dataType → value writer (declarative: add a type here). */
const BY_DATA_TYPE: Record<string, ValueWriter> = {
  STRING: writeString,
  NUMBER: writeNumber,
  MONETARY_AMOUNT: writeNumber,
  BOOL: writeGeneric,
  DATE: writeDateValue,
  TIMESTAMP: writeTimestampValue,
  STRING_ARRAY: writeStringArray,
};

export function valueWriterFor(dataType: string): ValueWriter {
  return BY_DATA_TYPE[dataType] ?? writeGeneric;
}
