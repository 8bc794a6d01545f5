/**
 * Writers for plain JS values (rows pages, JSON export files, legacy rows), one per Ignite dataType. A
 * value the API sent in a valid form is written as sent: number literals keep their digits (JsonNumber
 * from json-lossless.ts, or a double that prints its literal back), RFC 3339 timestamps keep their text,
 * strings keep their text (escaped the way JSON.stringify escapes). What is not in a valid form is
 * completed the same way the Arrow encoders write such values, so a row reads the same either way.
 */
import type { ByteWriter } from "./json-bytes.js";
import { numberLiteral, writeFloat } from "./json-bytes-format.js";
import { timestampFromMillis } from "./json-bytes-time.js";
import { JsonNumber } from "./json-lossless.js";
import { timestampText } from "./timestamps.js";

export type ValueWriter = (w: ByteWriter, v: unknown) => void;

/** Anything without a typed rule: JSON.stringify's form, but numbers exact (JsonNumber, BigInt) at any depth. */
export const writeGeneric: ValueWriter = (w, v) => {
  if (v === null || v === undefined) w.ascii("null");
  else if (typeof v === "string") w.string(v);
  else if (typeof v === "number") writeFloat(w, v);
  else if (typeof v === "boolean") w.ascii(v ? "true" : "false");
  else if (typeof v === "bigint") w.ascii(v.toString());
  else if (v instanceof JsonNumber) w.ascii(v.text);
  else if (typeof v === "object") writeComposite(w, v);
  else w.ascii("null"); // functions and symbols do not come from JSON or Arrow
};

/** Arrays and objects as JSON.stringify writes them (toJSON honoured, undefined members left out). */
function writeComposite(w: ByteWriter, v: object): void {
  if (Array.isArray(v)) {
    w.byte(0x5b);
    for (let k = 0; k < v.length; k++) {
      if (k > 0) w.byte(0x2c);
      writeGeneric(w, v[k]);
    }
    w.byte(0x5d);
    return;
  }
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    writeGeneric(w, toJSON.call(v));
    return;
  }
  w.byte(0x7b);
  let first = true;
  for (const [key, member] of Object.entries(v)) {
    if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
    if (!first) w.byte(0x2c);
    first = false;
    w.string(key);
    w.byte(0x3a);
    writeGeneric(w, member);
  }
  w.byte(0x7d);
}

const writeString: ValueWriter = (w, v) => {
  if (typeof v === "string") w.string(v);
  else writeGeneric(w, v);
};

/** A number as sent; a numeric string (a decimal sent as text) as the number literal it spells. */
const writeNumber: ValueWriter = (w, v) => {
  if (typeof v === "string") {
    const lit = numberLiteral(v);
    if (lit === undefined) w.string(v);
    else w.ascii(lit);
  } else writeGeneric(w, v);
};

/** RFC 3339 text as sent, other timestamp forms completed (timestamps.ts), epoch ms as ms-precision UTC. */
const writeTimestampValue: ValueWriter = (w, v) => {
  if (typeof v === "string") w.string(timestampText(v) ?? v);
  else if (typeof v === "number" || v instanceof JsonNumber) {
    const t = timestampFromMillis(Number(v));
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
