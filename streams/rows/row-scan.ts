/**
 * The rows of a page's `data` array, scanned once into its layout (page-layout.ts): each row's span and
 * mode, each value's span and whether it is copied or rewritten, and the cursor's highest value. Compiled
 * once per stream: the columns' keys, rules and key matchers are fixed, and the key order of the previous
 * row predicts the next row's, so most keys are compared whole instead of scanned.
 *
 * A value is copied when its bytes are already what its column's writer would write for it; it is parsed
 * only when it must be rewritten or can raise the cursor. Those per-value decisions live here, next to the
 * loop that makes them for every value (a call into another module costs that loop measurably).
 */
import { keyBytes } from "../encode/json-bytes.js";
import { Kind, QUOTE, type JsonScanner } from "../encode/json-scan.js";
import type { OutputColumn } from "../encode/record-serializer.js";
import { MaxTimestamp } from "../encode/timestamps.js";
import { RowMode, ValueHow, type PageLayout } from "./page-layout.js";

/** Scans the array that opens at p into `layout`; returns the index past it, or -1 when it is not what the scanner reads. */
export type RowsScan = (s: JsonScanner, view: DataView, p: number, layout: PageLayout, cursor: CursorMax) => number;

export function compileRowScan(columns: readonly OutputColumn[], cursorKey: string | undefined): RowsScan {
  const m = columns.length;
  const bySource = new Map(columns.map((c, j) => [c.source, j]));
  const rules = columns.map((c) => ruleOf(c.dataType));
  const cursorJ = cursorKey === undefined ? -1 : (bySource.get(cursorKey) ?? -1);
  // In a TIMESTAMP column a string is copied exactly when it is RFC 3339 (isCanonical), so the cursor
  // need not check that shape again on the same bytes; in any other column it has not been checked.
  const cursorShapeKnown = cursorJ >= 0 && rules[cursorJ] === Rule.Timestamp;
  /** `"key":` for keys that need no escaping: the bytes a compact page has before such a key's value. */
  const plainKeys = columns.map((c) => (JSON.stringify(c.source) === `"${c.source}"` ? Buffer.from(`"${c.source}":`) : undefined));
  const keyMatchers = plainKeys.map((k) => (k === undefined ? undefined : new BytesMatcher(k)));
  // Rows can be copied whole only when the output keys are the API's keys, byte for byte.
  const sameKeys = columns.every((c, j) => c.key === c.source && plainKeys[j] !== undefined && Buffer.compare(plainKeys[j]!, keyBytes(c.key, false)) === 0);
  /** Column order of the previous row's keys: the next row most likely has the same. */
  const predicted = new Int32Array(m + 1).fill(-1);

  function scanRows(s: JsonScanner, view: DataView, p: number, layout: PageLayout, cursor: CursorMax): number {
    const b = s.b;
    p = s.ws(p + 1);
    if (b[p] === 0x5d) return p + 1;
    for (;;) {
      p = scanRow(s, view, p, layout, cursor);
      if (p < 0) return -1;
      p = s.ws(p);
      if (b[p] === 0x5d) return p + 1;
      if (b[p] !== 0x2c) return -1;
      p = s.ws(p + 1);
    }
  }

  function scanRow(s: JsonScanner, view: DataView, p: number, layout: PageLayout, cursor: CursorMax): number {
    const b = s.b;
    if (b[p] !== 0x7b) return -1;
    const rowStart = p;
    const i = layout.addRow();
    const base = i * m;
    const how = layout.how, spans = layout.spans; // fresh zeros (absent) for every new row
    let parsed = false;
    // Verbatim until something in the row's layout differs from what the serializer writes; canonical
    // until a value does.
    let verbatim = sameKeys;
    let canonical = true;
    let lastJ = -1;
    const q = s.ws(p + 1);
    if (q !== p + 1) verbatim = false;
    p = q;
    if (b[p] === 0x7d) p++;
    else {
      for (let at = 0; ; at++) {
        let j = at < m ? predicted[at]! : -1;
        const expected = j >= 0 ? keyMatchers[j] : undefined;
        if (expected !== undefined && expected.at(view, b, p)) {
          p += expected.length - 1; // the expected `"key":`, compared whole instead of scanned
        } else {
          const keyStart = p;
          p = s.string(p);
          if (p < 0) return -1;
          if (s.escaped) verbatim = false; // the output writes the key unescaped
          j = s.escaped ? keyIndex(JSON.parse(b.toString("utf8", keyStart, p)) as string) : keyIndex(b.toString("utf8", keyStart + 1, p - 1));
          if (at < m) predicted[at] = j;
          if (b[p] !== 0x3a) {
            verbatim = false;
            p = s.ws(p);
            if (b[p] !== 0x3a) return -1;
          }
        }
        let valueStart = p + 1;
        if (s.ws(valueStart) !== valueStart) {
          verbatim = false;
          valueStart = s.ws(valueStart);
        }
        const end = s.value(valueStart);
        if (end < 0) return -1;
        if (j < 0 || how[base + j] !== ValueHow.Absent) {
          parsed = true; // an unknown or repeated key
        } else {
          const k = base + j;
          const copy = isCanonical(b, valueStart, end, s.kind, rules[j]!, s.stringified);
          how[k] = copy ? ValueHow.Copy : ValueHow.Rewrite;
          spans[2 * k] = valueStart;
          spans[2 * k + 1] = end;
          if (!copy) canonical = false;
          if (j < lastJ) verbatim = false;
          lastJ = j;
          if (j === cursorJ) cursor.see(b, valueStart, end, s.kind, cursorShapeKnown ? copy : undefined);
        }
        p = end;
        if (b[p] !== 0x2c && b[p] !== 0x7d) {
          verbatim = false;
          p = s.ws(p);
        }
        if (b[p] === 0x7d) break;
        if (b[p] !== 0x2c) return -1;
        if (b[p + 1] !== 0x22) verbatim = false;
        p = s.ws(p + 1);
      }
      p++;
    }
    layout.rowSpans[2 * i] = rowStart;
    layout.rowSpans[2 * i + 1] = p;
    layout.rowModes[i] = parsed ? RowMode.Parsed : !verbatim ? RowMode.Values : canonical ? RowMode.Verbatim : RowMode.Patched;
    return p;
  }

  function keyIndex(key: string): number {
    return bySource.get(key) ?? -1;
  }

  return scanRows;
}

/**
 * Whether a page holds given bytes at a position, compared 4 bytes at a time: a row's keys are most of its
 * bytes, and every one is checked against the key expected there.
 */
class BytesMatcher {
  readonly length: number;
  readonly #words: Int32Array;
  readonly #tail: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.length = bytes.length;
    const whole = bytes.length >> 2;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#words = Int32Array.from({ length: whole }, (_, k) => view.getInt32(4 * k, true));
    this.#tail = bytes.slice(4 * whole);
  }

  /** `view` and `b` are the same bytes. */
  at(view: DataView, b: Uint8Array, p: number): boolean {
    if (p + this.length > b.length) return false;
    const words = this.#words, tail = this.#tail;
    for (let k = 0; k < words.length; k++) if (view.getInt32(p + 4 * k, true) !== words[k]) return false;
    const t = p + 4 * words.length;
    for (let k = 0; k < tail.length; k++) if (b[t + k] !== tail[k]) return false;
    return true;
  }
}

/** How a column's values are written when they are not copied as they are (by Ignite dataType). */
const Rule = {
  /** STRING, DATE, BOOL, STRING_ARRAY and unknown types: a string without escapes is written as sent. */
  Text: 0,
  /** NUMBER, MONETARY_AMOUNT: a string is written as the number literal it spells, if it spells one. */
  Number: 1,
  /** TIMESTAMP: RFC 3339 text as sent, other forms completed, a number is epoch ms. */
  Timestamp: 2,
} as const;
type Rule = (typeof Rule)[keyof typeof Rule];

const RULES: Record<string, Rule> = { NUMBER: Rule.Number, MONETARY_AMOUNT: Rule.Number, TIMESTAMP: Rule.Timestamp };

function ruleOf(dataType: string): Rule {
  return RULES[dataType] ?? Rule.Text;
}

/** Whether the value's bytes are exactly what its column's writer would write for the parsed value. */
function isCanonical(b: Uint8Array, start: number, end: number, kind: Kind, rule: Rule, stringified: boolean): boolean {
  switch (kind) {
    case Kind.Literal:
    case Kind.CompactStringArray:
      return true;
    case Kind.String:
      return rule === Rule.Text || (rule === Rule.Timestamp && isRfc3339Timestamp(b, start, end));
    case Kind.EscapedString:
      return rule === Rule.Text && stringified;
    case Kind.Number:
      return rule !== Rule.Timestamp; // a number literal is written as sent; in a TIMESTAMP column it is epoch ms
    default:
      return false;
  }
}

/**
 * The quoted string at [start, end) is RFC 3339 `date-time` (timestamps.ts: written as sent):
 * `"YYYY-MM-DD(T|t)HH:MM:SS[.d…](Z|z|±HH:MM)"`, digits not range-checked (the writer keeps such a
 * string as sent either way).
 */
export function isRfc3339Timestamp(b: Uint8Array, start: number, end: number): boolean {
  const close = end - 1;
  if (end - start < 22 || b[start] !== QUOTE || b[close] !== QUOTE) return false;
  const p = start + 1;
  for (let k = 0; k < 19; k++) {
    const c = b[p + k]!;
    const want = TIMESTAMP_SHAPE[k]!;
    if (want === 0 ? !isDigit(c) : want === 0x54 ? c !== 0x54 && c !== 0x74 : c !== want) return false;
  }
  let q = p + 19;
  if (b[q] === 0x2e) {
    const fraction = ++q;
    while (q < close && isDigit(b[q]!)) q++;
    if (q === fraction) return false;
  }
  if (q === close - 1) return b[q] === 0x5a || b[q] === 0x7a;
  return q === close - 6 && (b[q] === 0x2b || b[q] === 0x2d) && isDigit(b[q + 1]!) && isDigit(b[q + 2]!) && b[q + 3] === 0x3a && isDigit(b[q + 4]!) && isDigit(b[q + 5]!);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** 0 = a digit; otherwise the byte itself (0x54 `T` also matches `t`). */
const TIMESTAMP_SHAPE = Array.from("0000-00-00T00:00:00", (c) => (c === "0" ? 0 : c.charCodeAt(0)));

/** The highest cursor value of a page (timestamps.ts), parsing only values that can raise it. */
export class CursorMax extends MaxTimestamp {
  /** `YYYY-MM-DDTHH:MM:SS` of the highest value when that is `…Z`: a `…Z` value below it cannot be higher. */
  #prefix: Buffer | undefined;

  /** `rfc3339`: whether the string is RFC 3339 (isRfc3339Timestamp), when the caller already knows. */
  see(b: Buffer, start: number, end: number, kind: Kind, rfc3339?: boolean): void {
    if (kind === Kind.String) {
      const utc = isUtcTimestamp(b, start, end, rfc3339);
      if (utc && this.#prefix !== undefined && this.#prefix.compare(b, start + 1, start + 20) > 0) return;
      if (this.offer(b.toString("utf8", start + 1, end - 1))) this.#prefix = utc ? Buffer.from(b.subarray(start + 1, start + 20)) : undefined;
    } else if (kind === Kind.EscapedString) {
      if (this.offer(JSON.parse(b.toString("utf8", start, end)) as string)) this.#prefix = undefined;
    }
  }
}

/** RFC 3339 with `T` and `Z`/`z`: such values order like their text, second by second. */
function isUtcTimestamp(b: Uint8Array, start: number, end: number, rfc3339: boolean | undefined): boolean {
  return (b[end - 2] === 0x5a || b[end - 2] === 0x7a) && b[start + 11] === 0x54 && (rfc3339 ?? isRfc3339Timestamp(b, start, end));
}
