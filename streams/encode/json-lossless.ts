/**
 * JSON bytes → JS values without losing any number's digits. JSON.parse turns `9007199254740993` into
 * 9007199254740992 and `1.50` into 1.5, and Node 20's JSON.parse gives a reviver no access to the source
 * text, so every place that parses API rows parses them here: rows pages the byte scanner hands back,
 * rows with unknown or repeated keys and nested values (rows-page-scan.ts), legacy rows pages, JSON
 * export files.
 *
 * Built on the validating token scanner (json-scan.ts) rather than a library: the scanner already checks
 * every token against the grammar for the rows path, so this only adds building the values, with
 * JSON.parse's semantics everywhere else (a repeated key keeps its first place and its last value,
 * `__proto__` is an own property, escaped strings are decoded by JSON.parse itself). lossless-json, the
 * library for this, rejects repeated keys that JSON.parse and the rows scanner accept. Containers are
 * kept on an explicit stack, so nesting depth is bounded by memory as in JSON.parse.
 *
 * A number comes back as a JS number when writing that number gives its literal back (`isCanonicalNumber`),
 * else as a JsonNumber holding the literal, which the record writers write as sent.
 */
import { JsonScanner, QUOTE } from "./json-scan.js";

/** A JSON number literal kept as sent: beyond a double's precision, or in a form a double does not keep. */
export class JsonNumber {
  constructor(readonly text: string) {}

  valueOf(): number {
    return Number(this.text);
  }

  toString(): string {
    return this.text;
  }
}

const COMMA = 0x2c, COLON = 0x3a;
const OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d;

type Container = unknown[] | Record<string, unknown>;

/** The JSON value in `b[start, end)` (surrounding whitespace allowed); a SyntaxError where it is not JSON. */
export function parseLossless(b: Uint8Array, start = 0, end = b.length): unknown {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const s = new JsonScanner(buf);
  const stack: Container[] = [];
  /** The pending key of each open object (arrays hold a placeholder). */
  const keys: string[] = [];
  let p = s.ws(start);
  for (;;) {
    let value: unknown;
    const c = buf[p];
    if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      const close = c === OPEN_ARRAY ? CLOSE_ARRAY : CLOSE_OBJECT;
      p = s.ws(p + 1);
      if (buf[p] === close) {
        value = c === OPEN_ARRAY ? [] : {};
        p++;
      } else {
        stack.push(c === OPEN_ARRAY ? [] : {});
        if (c === OPEN_ARRAY) keys.push("");
        else p = readKey(s, p, keys);
        continue;
      }
    } else {
      const at = p;
      p = c === QUOTE ? s.string(at) : c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39) ? s.number(at) : s.literal(at);
      if (p < 0 || p > end) throw unexpected(buf, at);
      value = scalar(s, buf, at, p);
    }
    // Attach the value to its container; close every container that ends right after it.
    for (;;) {
      const top = stack.at(-1);
      if (top === undefined) {
        // Only whitespace may follow, up to `end` (the bytes after a span are not its own).
        const rest = p < end ? s.ws(p) : p;
        if (rest < end || p > end) throw unexpected(buf, rest);
        return value;
      }
      if (Array.isArray(top)) top.push(value);
      else setMember(top, keys.at(-1)!, value);
      p = s.ws(p);
      if (buf[p] === COMMA) {
        p = s.ws(p + 1);
        if (!Array.isArray(top)) {
          keys.pop();
          p = readKey(s, p, keys);
        }
        break;
      }
      if (buf[p] !== (Array.isArray(top) ? CLOSE_ARRAY : CLOSE_OBJECT)) throw unexpected(buf, p);
      p++;
      value = stack.pop();
      keys.pop();
    }
  }
}

/** Reads `"key" :` at p onto `keys`; returns where the value starts. */
function readKey(s: JsonScanner, p: number, keys: string[]): number {
  const b = s.b;
  const end = s.string(p);
  if (end < 0) throw unexpected(b, p);
  keys.push(stringAt(s, b, p, end));
  const colon = s.ws(end);
  if (b[colon] !== COLON) throw unexpected(b, colon);
  return s.ws(colon + 1);
}

function scalar(s: JsonScanner, b: Buffer, start: number, end: number): unknown {
  const c = b[start];
  if (c === QUOTE) return stringAt(s, b, start, end);
  if (c === 0x74) return true;
  if (c === 0x66) return false;
  if (c === 0x6e) return null;
  const text = b.toString("latin1", start, end);
  return isCanonicalNumber(b, start, end) ? Number(text) : new JsonNumber(text);
}

/** The string scanned last (`s.string` just returned `end`). */
function stringAt(s: JsonScanner, b: Buffer, start: number, end: number): string {
  return s.escaped ? (JSON.parse(b.toString("utf8", start, end)) as string) : b.toString("utf8", start + 1, end - 1);
}

function setMember(obj: Record<string, unknown>, key: string, value: unknown): void {
  // JSON.parse makes `__proto__` an own property; assigning it would set the prototype instead.
  if (key === "__proto__") Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function unexpected(b: Uint8Array, p: number): SyntaxError {
  return new SyntaxError(p >= b.length ? "Unexpected end of JSON input" : `Unexpected character ${JSON.stringify(String.fromCharCode(b[p]!))} in JSON at position ${p}`);
}

/**
 * Whether JSON.parse plus the number writer (json-bytes-format.ts `writeFloat`) give this literal back:
 * no exponent, no `-0`, no trailing fraction zero, at most 15 significant digits (any such decimal
 * round-trips through a double to the same shortest digits).
 */
export function isCanonicalNumber(b: Uint8Array, start: number, end: number): boolean {
  let p = start;
  if (b[p] === 0x2d) p++;
  let significant = 0;
  if (b[p] === 0x30) {
    p++;
    if (p === end) return b[start] !== 0x2d;
    if (b[p] !== 0x2e) return false;
    p++;
    while (p < end && b[p] === 0x30) p++; // leading zeros of a fraction are not significant
  } else {
    while (p < end && b[p]! >= 0x30 && b[p]! <= 0x39) {
      p++;
      significant++;
    }
    if (p === end) return significant <= 15;
    if (b[p] !== 0x2e) return false;
    p++;
  }
  const fraction = p;
  for (; p < end; p++) {
    const c = b[p]!;
    if (c < 0x30 || c > 0x39) return false;
    significant++;
  }
  return p > fraction && b[end - 1] !== 0x30 && significant <= 15;
}
